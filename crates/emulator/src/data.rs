//! Deterministic tenant data: the same seed and count give the same users every time.

use rand::RngExt;
use time::OffsetDateTime;

const FIRST: &[&str] = &[
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Hedy",
    "John",
    "Katherine",
    "Donald",
    "Shafi",
    "Leslie",
    "Sophie",
    "Niklaus",
    "Anita",
    "Vint",
    "Joan",
    "Bjarne",
    "Karen",
    "Guido",
    "Lynn",
    "James",
    "Jean",
    "Whitfield",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Berners-Lee",
    "Lamarr",
    "McCarthy",
    "Johnson",
    "Knuth",
    "Goldwasser",
    "Lamport",
    "Wilson",
    "Wirth",
    "Borg",
    "Cerf",
    "Clarke",
    "Stroustrup",
    "Spärck Jones",
    "van Rossum",
    "Conway",
    "Gosling",
    "Sammet",
    "Diffie",
];

/// A person in an emulated tenant as the Okta org holds them (the OneTrust account at the same
/// index is `Directory::onetrust`: mostly the same person, sometimes an orphan).
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub first: &'static str,
    pub last: &'static str,
    /// The canonical address: lower case, no surrounding space (`okta_email` and the
    /// OneTrust account's `email` are what each tenant shows).
    pub email: String,
    /// Whether the person's OneTrust account at the same index is active.
    pub active: bool,
    pub internal: bool,
    pub created: OffsetDateTime,
    /// Okta's `lastLogin` (kept after deactivation).
    pub last_login: Option<OffsetDateTime>,
    /// One of Okta's eight statuses; most people are ACTIVE.
    pub okta_status: &'static str,
    /// The address as Okta holds it (`profile.login` and `profile.email`): sometimes in
    /// another letter case than OneTrust's.
    pub okta_email: String,
    /// Okta's `activated` (null for STAGED and PROVISIONED users).
    pub activated: Option<OffsetDateTime>,
    /// When a DEPROVISIONED user was deactivated (Okta's `statusChanged`).
    pub deactivated: Option<OffsetDateTime>,
}

/// Okta's statuses besides ACTIVE and DEPROVISIONED, each `Mix::other_status` of the people.
const OKTA_OTHER_STATUSES: &[&str] = &[
    "STAGED",
    "PROVISIONED",
    "RECOVERY",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
    "SUSPENDED",
];

/// Okta statuses in which an account can sign in or be recovered (issue 19's "active").
pub const OKTA_ACTIVE_STATUSES: &[&str] = &["ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY"];

/// Admins who disable OneTrust accounts (`disabledBy` is a display name, not an id).
const ADMINS: &[&str] = &["Michael Douglas", "Priya Raman", "Tomás Ortega", "Mei Chen"];

/// How a tenant's people are mixed, in parts per ten thousand. The defaults give a few per
/// cent of each situation, so the demo's 250 people show every one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    /// Okta users DEPROVISIONED (300 = 3 %).
    pub deprovisioned: u32,
    /// Okta users in each of STAGED, PROVISIONED, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED and
    /// SUSPENDED.
    pub other_status: u32,
    /// OneTrust accounts of nobody in Okta (orphans); the Okta person at the same index then
    /// has no OneTrust account.
    pub orphans: u32,
    /// Of the DEPROVISIONED people, those still active in OneTrust (leavers with access).
    pub leavers_active: u32,
    /// Okta addresses written in another letter case than OneTrust's.
    pub email_case: u32,
    /// OneTrust addresses with a trailing space.
    pub email_space: u32,
    /// Accounts that never signed in (each tenant apart).
    pub never_logged_in: u32,
    /// Accounts whose last sign-in is 120 days old or more (each tenant apart); the others
    /// signed in within 60 days, so a 90-day rule never sits on the edge.
    pub dormant: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Self {
            deprovisioned: 300,
            other_status: 200,
            orphans: 400,
            leavers_active: 6_667,
            email_case: 500,
            email_space: 300,
            never_logged_in: 600,
            dormant: 1_200,
        }
    }
}

/// A OneTrust account (`GET /api/access/v2/users` row) before its JSON shape.
#[derive(Debug, Clone)]
pub struct OtAccount {
    pub index: usize,
    pub id: String,
    pub first: &'static str,
    pub last: &'static str,
    /// As OneTrust shows it: sometimes with a trailing space.
    pub email: String,
    /// Nobody in Okta has this account's (normalised) address.
    pub orphan: bool,
    pub active: bool,
    pub internal: bool,
    pub email_confirmed: bool,
    pub created: OffsetDateTime,
    pub modified: OffsetDateTime,
    pub last_login: Option<OffsetDateTime>,
    pub disabled: Option<OffsetDateTime>,
    pub disabled_by: Option<&'static str>,
    pub expiration: Option<OffsetDateTime>,
    /// Index of the default organization (`access::ORGS`).
    pub default_org: usize,
}

const DAY: i64 = 86_400;

/// A tenant's people, made on demand from their index: a million users cost nothing until
/// asked for, and the same seed, count, mix and day always give the same people. Index order
/// is email order (both vendors page in a stable order; OneTrust sorts by email when asked).
/// Dates are relative to `anchor` (the start of a UTC day), so "dormant" and "recent" stay
/// what the generator meant whenever the tests run.
#[derive(Debug, Clone)]
pub struct Directory {
    count: usize,
    seed: u64,
    mix: Mix,
    anchor: i64,
    /// Every first.last email prefix, sorted: the index picks its place among them.
    prefixes: std::sync::Arc<Vec<(&'static str, &'static str, String)>>,
}

/// SplitMix64: a few cycles per number, deterministic per (seed, index, field).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The start of today (UTC), in Unix seconds: the default anchor.
pub fn today() -> i64 {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    now - now.rem_euclid(DAY)
}

fn at(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn uuid_from(a: u64, b: u64) -> String {
    let bits = ((a as u128) << 64) | b as u128;
    uuid::Builder::from_random_bytes(bits.to_le_bytes())
        .into_uuid()
        .to_string()
}

/// `ada.lovelace.00000012@acme.example` → `Ada.Lovelace.00000012@acme.example`.
fn capitalised(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let local: Vec<String> = local
        .split('.')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    format!("{}@{domain}", local.join("."))
}

impl Directory {
    /// `count` people with the default mix, dated relative to today.
    pub fn new(count: usize, seed: u64) -> Self {
        Self::with(count, seed, Mix::default(), today())
    }

    /// `count` people mixed as `mix`, dated relative to `anchor` (Unix seconds).
    pub fn with(count: usize, seed: u64, mix: Mix, anchor: i64) -> Self {
        let mut prefixes: Vec<(&'static str, &'static str, String)> = FIRST
            .iter()
            .flat_map(|f| LAST.iter().map(move |l| (*f, *l)))
            .map(|(f, l)| {
                let local: String = format!("{f}.{l}.")
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                    .collect();
                (f, l, local)
            })
            .collect();
        prefixes.sort_by(|a, b| a.2.cmp(&b.2));
        Self {
            count,
            seed,
            mix,
            anchor: anchor - anchor.rem_euclid(DAY),
            prefixes: std::sync::Arc::new(prefixes),
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn mix(&self) -> Mix {
        self.mix
    }

    /// The day the dates are relative to.
    pub fn anchor(&self) -> OffsetDateTime {
        at(self.anchor)
    }

    fn random(&self, index: usize, field: u64) -> u64 {
        mix(self.seed ^ mix((index as u64) << 8 | field))
    }

    fn chance(&self, index: usize, field: u64, per_10k: u32) -> bool {
        self.random(index, field) % 10_000 < u64::from(per_10k)
    }

    /// `days` days (and some seconds) before the anchor.
    fn days_ago(&self, index: usize, field: u64, days: i64) -> i64 {
        self.anchor - days * DAY - (self.random(index, field) % DAY as u64) as i64
    }

    /// The Okta status of the person at `index`, without making the rest of them.
    pub fn okta_status(&self, index: usize) -> &'static str {
        let r = (self.random(index, 4) % 10_000) as u32;
        let (dep, other) = (self.mix.deprovisioned, self.mix.other_status);
        if r < dep {
            "DEPROVISIONED"
        } else if r < dep + other * OKTA_OTHER_STATUSES.len() as u32 {
            OKTA_OTHER_STATUSES[((r - dep) / other.max(1)) as usize]
        } else {
            "ACTIVE"
        }
    }

    /// The Okta user ID of the person at `index` (what `/api/v1/users` calls `id`).
    pub fn okta_id(&self, index: usize) -> String {
        okta_user_id(&self.uuid(index))
    }

    fn uuid(&self, index: usize) -> String {
        uuid_from(self.random(index, 6), self.random(index, 7))
    }

    /// Whether the OneTrust account at `index` belongs to nobody in Okta. A DEPROVISIONED
    /// person always keeps theirs, so leavers and orphans never hide each other.
    pub fn is_orphan(&self, index: usize) -> bool {
        self.chance(index, 20, self.mix.orphans) && self.okta_status(index) != "DEPROVISIONED"
    }

    fn name_of(&self, index: usize) -> &(&'static str, &'static str, String) {
        // The name group grows with the index, so emails sort in index order.
        let group = index * self.prefixes.len() / self.count.max(1);
        &self.prefixes[group.min(self.prefixes.len() - 1)]
    }

    /// A sign-in time: never (`None`), 120+ days ago (dormant) or within 60 days; never before
    /// `after`.
    fn sign_in(&self, index: usize, field: u64, after: i64) -> Option<OffsetDateTime> {
        let k = (self.random(index, field) % 10_000) as u32;
        let days = (self.random(index, field + 1) % 600) as i64;
        if k < self.mix.never_logged_in {
            None
        } else if k < self.mix.never_logged_in + self.mix.dormant {
            Some(at(self
                .days_ago(index, field + 2, 120 + days)
                .max(after + 3600)))
        } else {
            Some(at(self
                .days_ago(index, field + 2, days % 60)
                .max(after + 3600)))
        }
    }

    /// The person at `index` (below `len`).
    pub fn person(&self, index: usize) -> Person {
        let (first, last, local) = self.name_of(index);
        let created = self.days_ago(index, 11, 200 + (self.random(index, 1) % 1_400) as i64);
        let okta_status = self.okta_status(index);
        let activated = (!matches!(okta_status, "STAGED" | "PROVISIONED"))
            .then(|| created + 3_600 + (self.random(index, 12) % DAY as u64) as i64);
        let deactivated = (okta_status == "DEPROVISIONED").then(|| {
            let when = self.days_ago(index, 13, 20 + (self.random(index, 14) % 500) as i64);
            when.max(activated.unwrap_or(created) + 2 * DAY)
        });
        let last_login = match (activated, deactivated) {
            (None, _) => None,
            (Some(a), Some(d)) => (!self.chance(index, 15, self.mix.never_logged_in))
                .then(|| at((d - (1 + (self.random(index, 16) % 30) as i64) * DAY).max(a + 3_600))),
            (Some(a), None) => self.sign_in(index, 17, a),
        };
        let email = format!("{local}{index:08}@acme.example");
        let okta_email = if self.chance(index, 32, self.mix.email_case) {
            capitalised(&email)
        } else {
            email.clone()
        };
        let ot = self.shared_active(index);
        Person {
            okta_status,
            id: self.uuid(index),
            first,
            last,
            email,
            okta_email,
            active: ot,
            internal: self.chance(index, 26, 8_500),
            created: at(created),
            activated: activated.map(at),
            deactivated: deactivated.map(at),
            last_login,
        }
    }

    /// Whether the OneTrust account of the (non-orphan) person at `index` is active: a leaver
    /// mostly still is; anyone else nearly always.
    fn shared_active(&self, index: usize) -> bool {
        if self.okta_status(index) == "DEPROVISIONED" {
            self.chance(index, 24, self.mix.leavers_active)
        } else {
            !self.chance(index, 24, 400)
        }
    }

    /// The default organization of the OneTrust account at `index` (`access::ORGS`): the root
    /// for most, a region for the rest.
    pub fn default_org(&self, index: usize) -> usize {
        if self.random(index, 30) % 10 < 7 {
            0
        } else {
            1 + (self.random(index, 31) % 3) as usize
        }
    }

    /// The OneTrust account at `index`: the Okta person's own, or an orphan's.
    pub fn onetrust(&self, index: usize) -> OtAccount {
        let (first, last, local) = self.name_of(index);
        let orphan = self.is_orphan(index);
        let (id, email, created, active, internal, deactivated) = if orphan {
            // Someone with the same name as the Okta person here but another address:
            // a join on names would wrongly pair them.
            let created = self.days_ago(index, 42, 200 + (self.random(index, 43) % 1_000) as i64);
            (
                uuid_from(self.random(index, 40), self.random(index, 41)),
                format!("{local}{index:08}@contractors.acme.example"),
                created,
                self.chance(index, 44, 8_500),
                self.chance(index, 45, 4_000),
                None,
            )
        } else {
            let p = self.person(index);
            let created = p.created.unix_timestamp() + (self.random(index, 21) % 20) as i64 * DAY;
            (
                p.id,
                p.email,
                created,
                p.active,
                p.internal,
                p.deactivated.map(|d| d.unix_timestamp()),
            )
        };
        let last_login = self.sign_in(index, 50, created);
        let disabled = (!active).then(|| match deactivated {
            Some(d) => d + (self.random(index, 53) % 5) as i64 * DAY,
            None => self
                .days_ago(index, 54, 1 + (self.random(index, 55) % 300) as i64)
                .max(created + DAY),
        });
        let expiration = (!internal && self.random(index, 56) % 10 < 6)
            .then(|| at(self.anchor + ((self.random(index, 57) % 400) as i64 - 100) * DAY));
        let email = if self.chance(index, 29, self.mix.email_space) {
            format!("{email} ")
        } else {
            email
        };
        let default_org = self.default_org(index);
        OtAccount {
            index,
            id,
            first,
            last,
            email,
            orphan,
            active,
            internal,
            email_confirmed: last_login.is_some(),
            created: at(created),
            modified: at(disabled.unwrap_or(created).max(created)),
            last_login,
            disabled: disabled.map(at),
            disabled_by: disabled
                .map(|_| ADMINS[(self.random(index, 58) % ADMINS.len() as u64) as usize]),
            expiration,
            default_org,
        }
    }
}

/// An Okta user ID made from a person's UUID: `00u` and 17 characters.
pub fn okta_user_id(uuid: &str) -> String {
    let plain = uuid.replace('-', "");
    format!("00u{}", plain.get(..17).unwrap_or(&plain))
}

/// `count` people in email order (all of them made now: for small sets and benchmarks).
pub fn people(count: usize, seed: u64) -> Vec<Person> {
    let d = Directory::new(count, seed);
    (0..count).map(|i| d.person(i)).collect()
}

/// ISO 8601 with milliseconds, as both vendors write dates.
pub fn iso(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// A random alphanumeric credential of `len` characters.
pub fn random_token(len: usize) -> String {
    use rand::distr::Alphanumeric;
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sorted() {
        let a = people(50, 7);
        let b = people(50, 7);
        assert_eq!(a.len(), 50);
        let d = Directory::new(1_000_000, 7);
        let big: Vec<Person> = (0..1000).map(|i| d.person(i * 997)).collect();
        assert!(
            big.windows(2).all(|w| w[0].email < w[1].email),
            "index order is email order"
        );
        assert_eq!(d.person(123_456).email, d.person(123_456).email);
        assert!(
            a.iter()
                .zip(&b)
                .all(|(x, y)| x.id == y.id && x.email == y.email)
        );
        assert!(a.windows(2).all(|w| w[0].email <= w[1].email));
        assert_eq!(iso(OffsetDateTime::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }
}
