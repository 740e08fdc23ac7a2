//! Opening a profile for use: re-validate its stored settings, fetch its secret from the vault,
//! and build the connector. The connection test's `input` step and the users export both start
//! here, so they fail the same way.

use secrecy::{ExposeSecret, SecretString};

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use crate::connector::{AnyConnector, Connector, ConnectorConfig, Cursor, UsersPage};
use crate::diagnose::{Failure, code};
use crate::http::{HttpClient, Notify};
use crate::profile::Profile;
use crate::secret::{SecretKey, SecretKind, SecretStoreError, Vault};
use crate::users::User;
use crate::validate::{self, Hostname};

pub struct Session {
    pub host: Hostname,
    pub connector: AnyConnector,
    pub http: HttpClient,
    /// One line for the `input` step.
    pub summary: String,
}

/// The keyring entry holding `profile`'s secret.
pub fn secret_key(name: &str, profile: &Profile) -> SecretKey {
    SecretKey::new(
        profile.integration,
        name,
        &profile.secret_ref,
        SecretKind::for_integration(profile.integration),
    )
}

pub fn store_failure(e: SecretStoreError) -> Failure {
    Failure::new(code::SECRET_STORE_UNAVAILABLE, e.to_string())
}

/// Where a run takes the profile's secret from: the keyring, or memory (a rotation tests its
/// candidate before anything is replaced).
#[derive(Clone)]
pub enum SecretSource<'a> {
    Vault(&'a Vault),
    Given {
        secret: SecretString,
        /// Named in the `input` step's detail.
        from: &'static str,
    },
}

impl SecretSource<'_> {
    async fn fetch(&self, name: &str, profile: &Profile) -> Result<SecretString, Failure> {
        match self {
            SecretSource::Given { secret, .. } => {
                crate::redact::secret(secret.expose_secret());
                Ok(secret.clone())
            }
            SecretSource::Vault(vault) => vault
                .get(&secret_key(name, profile))
                .await
                .map_err(store_failure)?
                .ok_or_else(|| {
                    Failure::new(
                        code::SECRET_MISSING,
                        format!("no secret for \"{name}\" in {}", vault.describe()),
                    )
                }),
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            SecretSource::Vault(v) => v.describe(),
            SecretSource::Given { from, .. } => from,
        }
    }
}

pub async fn open(
    name: &str,
    profile: &Profile,
    source: &SecretSource<'_>,
    notify: Option<Notify>,
) -> Result<Session, Failure> {
    let host = validate::hostname(&profile.host, profile.integration)
        .map_err(|e| {
            Failure::new(
                code::HOST_INVALID,
                format!("stored host \"{}\": {e}", profile.host),
            )
        })?
        .value;
    let client_id = validate::client_id(&profile.client_id)
        .map_err(|e| Failure::new(code::INPUT_INVALID, format!("stored client ID: {e}")))?
        .value;
    let secret = source.fetch(name, profile).await?;
    let mut http = HttpClient::new(host.is_loopback())
        .map_err(|e| Failure::new(code::UNEXPECTED_RESPONSE, e.to_string()))?;
    if let Some(n) = notify {
        http = http.with_notify(n);
    }
    let summary_head = format!("{} at {}, client ID {client_id}", profile.integration, host);
    let connector = AnyConnector::new(ConnectorConfig {
        integration: profile.integration,
        host: host.clone(),
        client_id,
        secret,
        http: http.clone(),
        okta: profile.okta.clone(),
    })?;
    let (secret_text, settings) = match &connector {
        AnyConnector::Okta(o) => (o.key_summary(), o.settings_summary()),
        AnyConnector::OneTrust(_) => ("client secret".into(), String::new()),
    };
    let summary = format!(
        "{summary_head}, {secret_text} from {}{settings}",
        source.describe()
    );
    Ok(Session {
        host,
        connector,
        http,
        summary,
    })
}

/// Reads every page, handing each to `each`; stops at the first error of either side, and
/// always ends: see `PageGuard`.
pub async fn for_each_page<E: From<Failure>>(
    connector: &mut AnyConnector,
    mut each: impl FnMut(UsersPage) -> Result<(), E>,
) -> Result<u64, E> {
    let mut cursor: Option<Cursor> = None;
    let mut guard = PageGuard::default();
    let mut seen = 0u64;
    loop {
        let page = connector
            .users_page(cursor.as_ref())
            .await
            .map_err(|e| E::from(Failure::from(e)))?;
        guard.check(&page).map_err(E::from)?;
        seen += page.users.len() as u64;
        let next = page.next.clone();
        each(page)?;
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(seen),
        }
    }
}

/// No tenant has more pages than this (Okta: 200 users a page, so 20 million users).
pub const MAX_PAGES: u64 = 100_000;

/// Makes sure paging ends whatever the tenant sends: a next-page cursor seen before, a page
/// whose users were all read already, or more pages than the tenant said it has (or than any
/// tenant has) stops it with a diagnosis.
#[derive(Default)]
pub struct PageGuard {
    pages: u64,
    /// The pages the tenant said it has, on its first page.
    reported: Option<u64>,
    cursors: HashSet<String>,
    users: HashSet<u64, BuildHasherDefault<PreHashed>>,
}

impl PageGuard {
    pub fn check(&mut self, page: &UsersPage) -> Result<(), Failure> {
        self.pages += 1;
        let n = self.pages;
        let stop = |why: String| Failure::new(code::UNEXPECTED_RESPONSE, why);
        if n == 1 {
            self.reported = page.total_pages;
        }
        // The reported count, plus one for a tenant that grew while we read it.
        let ceiling = self
            .reported
            .map_or(MAX_PAGES, |t| t.saturating_add(1).min(MAX_PAGES));
        if n > ceiling {
            return Err(stop(match self.reported {
                Some(t) => format!(
                    "the tenant said it has {t} pages of users but sent page {n}: stopped reading so the export cannot run forever"
                ),
                None => format!(
                    "more than {MAX_PAGES} pages of users: stopped reading so the export cannot run forever"
                ),
            }));
        }
        if let Some(next) = &page.next
            && !self.cursors.insert(next.0.clone())
        {
            return Err(stop(format!(
                "after {n} pages the tenant sent a next-page link it had sent before: it is not paging, so ploy-connect stopped"
            )));
        }
        let mut new = 0usize;
        for u in &page.users {
            if self.users.insert(identity(u)) {
                new += 1;
            }
        }
        // An empty last page is how Okta ends a list; anything else must bring someone new.
        if new == 0 && (!page.users.is_empty() || page.next.is_some()) {
            return Err(stop(format!(
                "page {n} has no user that was not on an earlier page: the tenant ignores paging, so ploy-connect stopped"
            )));
        }
        Ok(())
    }
}

/// A user's identity for the guard: the vendor's ID, else everything that names them.
fn identity(u: &User) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    if u.id.is_empty() {
        (&u.login, &u.email, &u.name, &u.created).hash(&mut h);
    } else {
        u.id.hash(&mut h);
    }
    h.finish()
}

/// The guard's keys are hashes already.
#[derive(Default)]
pub struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integration::Integration;
    use crate::users::UserStatus;

    fn user(id: &str) -> User {
        User {
            id: id.into(),
            login: String::new(),
            email: String::new(),
            name: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            status: UserStatus::Active,
            created: None,
            last_login: None,
            source: Integration::Okta,
            extra: Default::default(),
        }
    }

    fn page(ids: &[&str], next: Option<&str>, total_pages: Option<u64>) -> UsersPage {
        UsersPage {
            users: ids.iter().map(|i| user(i)).collect(),
            next: next.map(|n| Cursor(n.into())),
            total: None,
            total_pages,
            warning: None,
        }
    }

    #[test]
    fn a_repeated_cursor_stops() {
        let mut g = PageGuard::default();
        g.check(&page(&["a"], Some("c1"), None)).unwrap();
        g.check(&page(&["b"], Some("c2"), None)).unwrap();
        let f = g.check(&page(&["c"], Some("c1"), None)).unwrap_err();
        assert!(f.detail.contains("sent before"), "{}", f.detail);
    }

    #[test]
    fn a_page_of_users_already_read_stops_even_without_ids() {
        let mut g = PageGuard::default();
        let no_id = |name: &str| {
            let mut u = user("");
            u.email = format!("{name}@x.test");
            u
        };
        let p = |next: &str| UsersPage {
            users: vec![no_id("a"), no_id("b")],
            next: Some(Cursor(next.into())),
            total: None,
            total_pages: None,
            warning: None,
        };
        g.check(&p("1")).unwrap();
        let f = g.check(&p("2")).unwrap_err();
        assert!(f.detail.contains("ignores paging"), "{}", f.detail);
    }

    #[test]
    fn more_pages_than_reported_stop_and_an_empty_last_page_is_fine() {
        let mut g = PageGuard::default();
        g.check(&page(&["a"], Some("1"), Some(2))).unwrap();
        g.check(&page(&["b"], Some("2"), Some(2))).unwrap();
        g.check(&page(&["c"], Some("3"), Some(2))).unwrap();
        let f = g.check(&page(&["d"], Some("4"), Some(2))).unwrap_err();
        assert!(f.detail.contains("said it has 2 pages"), "{}", f.detail);

        let mut g = PageGuard::default();
        g.check(&page(&["a"], Some("1"), None)).unwrap();
        g.check(&page(&[], None, None)).unwrap();
    }
}
