//! Deterministic tenant data: the same seed and count give the same users every time.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
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

/// `count` people sorted by email.
pub fn people(count: usize, seed: u64) -> Vec<Person> {
    let mut rng = StdRng::seed_from_u64(seed);
    let epoch =
        OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let mut out: Vec<Person> = (0..count)
        .map(|i| {
            let first = FIRST[rng.random_range(0..FIRST.len())];
            let last = LAST[rng.random_range(0..LAST.len())];
            let local: String = format!("{first}.{last}")
                .to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            let created = epoch + Duration::seconds(rng.random_range(0..60_000_000));
            let last_login = rng
                .random_bool(0.85)
                .then(|| created + Duration::seconds(rng.random_range(0..20_000_000)));
            let okta_status = if rng.random_bool(0.8) {
                "ACTIVE"
            } else {
                OKTA_OTHER_STATUSES[rng.random_range(0..OKTA_OTHER_STATUSES.len())]
            };
            Person {
                okta_status,
                id: uuid::Builder::from_random_bytes(rng.random())
                    .into_uuid()
                    .to_string(),
                first,
                last,
                email: format!("{local}.{i}@acme.example"),
                active: rng.random_bool(0.9),
                internal: rng.random_bool(0.8),
                created,
                last_login,
            }
        })
        .collect();
    out.sort_by(|a, b| a.email.cmp(&b.email));
    out
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
        assert!(
            a.iter()
                .zip(&b)
                .all(|(x, y)| x.id == y.id && x.email == y.email)
        );
        assert!(a.windows(2).all(|w| w[0].email <= w[1].email));
        assert_eq!(iso(OffsetDateTime::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }
}
