//! Deterministic tenant data: the same seed and count give the same users every time.

use rand::RngExt;
use time::{Duration, OffsetDateTime};

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

/// A person in an emulated tenant, before any vendor's shape is applied.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub first: &'static str,
    pub last: &'static str,
    pub email: String,
    pub active: bool,
    pub internal: bool,
    pub created: OffsetDateTime,
    pub last_login: Option<OffsetDateTime>,
    /// One of Okta's eight statuses; most people are ACTIVE.
    pub okta_status: &'static str,
}

const OKTA_OTHER_STATUSES: &[&str] = &[
    "STAGED",
    "PROVISIONED",
    "RECOVERY",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
    "SUSPENDED",
    "DEPROVISIONED",
];

/// A tenant's people, made on demand from their index: a million users cost nothing until
/// asked for, and the same seed and count always give the same people. Index order is email
/// order (both vendors page in a stable order; OneTrust sorts by email when asked).
#[derive(Debug, Clone)]
pub struct Directory {
    count: usize,
    seed: u64,
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

impl Directory {
    pub fn new(count: usize, seed: u64) -> Self {
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
            prefixes: std::sync::Arc::new(prefixes),
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn random(&self, index: usize, field: u64) -> u64 {
        mix(self.seed ^ mix((index as u64) << 8 | field))
    }

    /// The Okta status of the person at `index`, without making the rest of them.
    pub fn okta_status(&self, index: usize) -> &'static str {
        if self.random(index, 4) % 10_000 < 8_000 {
            "ACTIVE"
        } else {
            OKTA_OTHER_STATUSES[(self.random(index, 5) % OKTA_OTHER_STATUSES.len() as u64) as usize]
        }
    }

    /// The Okta user ID of the person at `index` (what `/api/v1/users` calls `id`).
    pub fn okta_id(&self, index: usize) -> String {
        okta_user_id(&self.person(index).id)
    }

    /// The person at `index` (below `len`).
    pub fn person(&self, index: usize) -> Person {
        let epoch = OffsetDateTime::from_unix_timestamp(1_700_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        // The name group grows with the index, so emails sort in index order.
        let group = index * self.prefixes.len() / self.count.max(1);
        let (first, last, local) = &self.prefixes[group.min(self.prefixes.len() - 1)];
        let r = |field| self.random(index, field);
        let chance = |field, p: f64| (r(field) % 10_000) < (p * 10_000.0) as u64;
        let created = epoch + Duration::seconds((r(1) % 60_000_000) as i64);
        let last_login =
            chance(2, 0.85).then(|| created + Duration::seconds((r(3) % 20_000_000) as i64));
        let okta_status = self.okta_status(index);
        let id_bits = ((r(6) as u128) << 64) | r(7) as u128;
        Person {
            okta_status,
            id: uuid::Builder::from_random_bytes(id_bits.to_le_bytes())
                .into_uuid()
                .to_string(),
            first,
            last,
            email: format!("{local}{index:08}@acme.example"),
            active: chance(8, 0.9),
            internal: chance(9, 0.8),
            created,
            last_login,
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
