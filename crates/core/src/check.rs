//! The connection test: seven ordered steps, each timed, streamed as events so a UI can draw
//! them as they happen. After the first failure the remaining steps are skipped. The last,
//! `privileges`, never fails a test that read users: what it finds beyond reading is a
//! warning (`privilege`), which `--strict` turns into a failed run.

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::Services;
use crate::connector::{AnyConnector, Carry, Connector};
use crate::diagnose::{Diagnosis, Doing, Failure, code};
use crate::http::HttpClient;
use crate::integration::Integration;
use crate::privilege::Privileges;
use crate::profile::{CachedNonce, LastTest, Profile, ProfileError, ProfileStore};
use crate::session::{self, SecretSource};
use crate::validate::{Hostname, Scheme};

const DNS_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepId {
    Input,
    Dns,
    Tls,
    Token,
    Scopes,
    Users,
    Privileges,
}

impl StepId {
    pub const ALL: [StepId; 7] = [
        StepId::Input,
        StepId::Dns,
        StepId::Tls,
        StepId::Token,
        StepId::Scopes,
        StepId::Users,
        StepId::Privileges,
    ];

    pub fn id(self) -> &'static str {
        match self {
            StepId::Input => "input",
            StepId::Dns => "dns",
            StepId::Tls => "tls",
            StepId::Token => "token",
            StepId::Scopes => "scopes",
            StepId::Users => "users",
            StepId::Privileges => "privileges",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepResult {
    pub id: StepId,
    pub status: StepStatus,
    pub ms: u64,
    pub detail: String,
    pub diagnosis: Option<Diagnosis>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckEvent {
    Started(StepId),
    /// Boxed: a result with its diagnosis is far larger than the other events.
    Finished(Box<StepResult>),
    /// The tenant asked to wait (HTTP `status`); the step goes on after `wait`.
    Waiting {
        status: u16,
        wait: Duration,
    },
}

#[derive(Debug, Clone)]
pub struct Report {
    pub profile: String,
    pub integration: Integration,
    pub ok: bool,
    pub steps: Vec<StepResult>,
    pub users_seen: usize,
    /// Users in all, when the vendor says (more than `users_seen` when the first page is full).
    pub users_total: Option<u64>,
    /// Users the default list leaves out (Okta), when the test counted them.
    pub users_deactivated: Option<Deactivated>,
    pub at: OffsetDateTime,
    /// State to keep on the profile (Okta's DPoP nonce).
    pub carry: Carry,
    /// What the credential can do beyond reading: warnings and notes (`privileges` step).
    pub privileges: Privileges,
}

impl Report {
    /// This run as a profile's last test: what `remember` keeps and both faces summarise.
    pub fn last_test(&self) -> LastTest {
        LastTest {
            ok: self.ok,
            at: self.at,
            code: self.failure_code().map(str::to_string),
            users_seen: self.ok.then_some(self.users_seen),
            users_total: self.users_total.filter(|_| self.ok),
            users_deactivated: self
                .users_deactivated
                .filter(|_| self.ok)
                .map(|d| d.to_string()),
        }
    }

    pub fn failure(&self) -> Option<&StepResult> {
        self.steps.iter().find(|s| s.status == StepStatus::Failed)
    }

    /// The exit code of this run: passed, failed at the vendor, or no keyring here.
    pub fn exit_code(&self) -> u8 {
        crate::app::exit::of_failure(self.failure_code())
    }

    /// The exit code under `--strict` (when `strict`): a passed test with a warning fails.
    /// Notes never do.
    pub fn exit_code_strict(&self, strict: bool) -> u8 {
        match self.exit_code() {
            crate::app::exit::OK if strict && !self.privileges.warnings.is_empty() => {
                crate::app::exit::TEST_FAILED
            }
            code => code,
        }
    }

    /// The diagnosis code of the failed step, if one failed.
    pub fn failure_code(&self) -> Option<&str> {
        self.failure()
            .and_then(|s| s.diagnosis.as_ref())
            .map(|d| d.code.as_str())
    }

    /// The `test --json` document (also `setup --json` and `rotate --json`).
    pub fn to_json(&self) -> serde_json::Value {
        let steps: Vec<_> = self
            .steps
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id,
                    "status": s.status,
                    "ms": s.ms,
                    "detail": s.detail,
                    "diagnosis": s.diagnosis.as_ref().map(|d| serde_json::json!({
                        "code": d.code,
                        "title": d.title,
                        "hint": d.hint,
                    })),
                })
            })
            .collect();
        let (warnings, notes) = self.privileges.to_json();
        serde_json::json!({
            "schema_version": crate::app::JSON_SCHEMA_VERSION,
            "profile": self.profile,
            "integration": self.integration.id(),
            "ok": self.ok,
            "steps": steps,
            "users_seen": self.users_seen,
            "users_total": self.users_total,
            "users_deactivated": self.users_deactivated.map(|d| d.seen),
            "warnings": warnings,
            "notes": notes,
        })
    }

    /// How many users the test saw, in words both faces use: the vendor's total when it gives one.
    pub fn users_summary(&self) -> String {
        let mut s = match self.users_total {
            Some(total) if total > self.users_seen as u64 => {
                format!("{total} users ({} on the first page)", self.users_seen)
            }
            Some(total) => format!("{total} users"),
            // Okta does not say how many there are in all.
            None => format!("{} users on the first page", self.users_seen),
        };
        if let Some(d) = self.users_deactivated {
            s.push_str(&format!(" + {d} deactivated"));
        }
        s
    }
}

/// Records steps and streams them.
struct Recorder<'a> {
    profile: &'a str,
    integration: Integration,
    doing: Doing,
    events: Option<&'a UnboundedSender<CheckEvent>>,
    steps: Vec<StepResult>,
}

impl Recorder<'_> {
    fn send(&self, e: CheckEvent) {
        if let Some(tx) = self.events {
            let _ = tx.send(e);
        }
    }

    /// Runs one step: announces it, times it, records how it ended.
    async fn step<T>(
        &mut self,
        id: StepId,
        work: impl Future<Output = Result<(T, String), Failure>>,
    ) -> Option<T> {
        self.send(CheckEvent::Started(id));
        let started = Instant::now();
        let outcome = work.await;
        let ms = started.elapsed().as_millis() as u64;
        let scrub = |t: &str| crate::redact::scrub(t).into_owned();
        let (result, value) = match outcome {
            Ok((value, detail)) => (
                StepResult {
                    id,
                    status: StepStatus::Passed,
                    ms,
                    detail: scrub(&detail),
                    diagnosis: None,
                },
                Some(value),
            ),
            Err(f) => (
                StepResult {
                    id,
                    status: StepStatus::Failed,
                    ms,
                    detail: scrub(&f.detail),
                    diagnosis: Some(Diagnosis::for_code_doing(
                        f.code,
                        self.profile,
                        Some(self.integration),
                        self.doing,
                    )),
                },
                None,
            ),
        };
        self.send(CheckEvent::Finished(Box::new(result.clone())));
        self.steps.push(result);
        value
    }

    fn finish(mut self, integration: Integration, users: (usize, Option<u64>)) -> Report {
        let (users_seen, users_total) = users;
        for id in StepId::ALL.iter().skip(self.steps.len()) {
            let skipped = StepResult {
                id: *id,
                status: StepStatus::Skipped,
                ms: 0,
                detail: "skipped: an earlier step failed".into(),
                diagnosis: None,
            };
            self.send(CheckEvent::Finished(Box::new(skipped.clone())));
            self.steps.push(skipped);
        }
        Report {
            profile: self.profile.to_string(),
            integration,
            ok: self.steps.iter().all(|s| s.status == StepStatus::Passed),
            steps: self.steps,
            users_seen,
            users_total,
            users_deactivated: None,
            at: OffsetDateTime::now_utc(),
            carry: Carry::default(),
            privileges: Privileges::default(),
        }
    }
}

/// Tests profile `name` live, step by step, with the secret from `source`.
pub async fn run(
    name: &str,
    profile: &Profile,
    source: &SecretSource<'_>,
    events: Option<&UnboundedSender<CheckEvent>>,
) -> Report {
    run_doing(name, profile, source, events, Doing::Test).await
}

/// The same test, run while `doing` that: a failure's fix is worded for it (a rotation's new
/// secret is not fixed by testing the stored one again).
pub async fn run_doing(
    name: &str,
    profile: &Profile,
    source: &SecretSource<'_>,
    events: Option<&UnboundedSender<CheckEvent>>,
    doing: Doing,
) -> Report {
    let mut rec = Recorder {
        profile: name,
        integration: profile.integration,
        doing,
        events,
        steps: Vec::new(),
    };
    let integration = profile.integration;
    let opened = rec
        .step(StepId::Input, async {
            let notify = events.map(|tx| {
                let tx = tx.clone();
                let n: crate::http::Notify = std::sync::Arc::new(move |notice| {
                    let crate::http::HttpNotice::Waiting { status, wait } = notice;
                    let _ = tx.send(CheckEvent::Waiting { status, wait });
                });
                n
            });
            let s = session::open(name, profile, source, notify).await?;
            let summary = s.summary.clone();
            Ok((s, summary))
        })
        .await;
    let Some(mut session) = opened else {
        return rec.finish(integration, (0, None));
    };

    if rec
        .step(StepId::Dns, resolve(&session.http, &session.host))
        .await
        .is_none()
        || rec
            .step(StepId::Tls, reach(&session.http, &session.host))
            .await
            .is_none()
    {
        return rec.finish(integration, (0, None));
    }
    let connector = &mut session.connector;
    let token = rec
        .step(StepId::Token, async {
            let t = connector.authenticate().await?;
            Ok(((), t.detail))
        })
        .await;
    if token.is_none() {
        return rec.finish(integration, (0, None));
    }
    let scopes = rec
        .step(StepId::Scopes, async {
            Ok(((), connector.check_scopes()?))
        })
        .await;
    if scopes.is_none() {
        return rec.finish(integration, (0, None));
    }
    let seen = rec
        .step(StepId::Users, async {
            let page = connector.users_page(None).await?;
            let n = page.users.len();
            let mut detail = match page.total {
                Some(total) => format!("{n} users on the first page, {total} in all"),
                None => format!("{n} users on the first page"),
            };
            // Okta's default list leaves deactivated users out; their own first page says how
            // many a review will also get. It is a count, not a test: a failure only omits it.
            let deactivated = match connector.deactivated_start() {
                Some(start) => connector
                    .users_page(Some(&start))
                    .await
                    .ok()
                    .map(|p| Deactivated {
                        seen: p.users.len(),
                        more: p.next.is_some(),
                    }),
                None => None,
            };
            if let Some(d) = deactivated {
                detail.push_str(&format!(", and {d} deactivated"));
            }
            if let Some(w) = page.warning {
                detail = format!("{detail} — {w}");
            }
            Ok((((n, page.total), deactivated), detail))
        })
        .await;
    let Some((seen, deactivated)) = seen else {
        return finish_with(rec, integration, (0, None), connector);
    };
    // What the credential can do beyond reading; never a failure of a test that read users.
    let privileges = rec
        .step(StepId::Privileges, async {
            let found = connector.privileges().await;
            Ok(found)
        })
        .await
        .unwrap_or_default();
    let mut report = finish_with(rec, integration, seen, connector);
    report.users_deactivated = deactivated;
    report.privileges = privileges;
    report
}

fn finish_with(
    rec: Recorder<'_>,
    integration: Integration,
    seen: (usize, Option<u64>),
    c: &AnyConnector,
) -> Report {
    let mut report = rec.finish(integration, seen);
    report.carry = c.carry_over();
    report
}

/// Deactivated users a test saw: the first page of Okta's DEPROVISIONED list, which the
/// default list leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deactivated {
    pub seen: usize,
    /// More than a page of them.
    pub more: bool,
}

impl std::fmt::Display for Deactivated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = crate::text::thousands(self.seen as u64);
        if self.more {
            write!(f, "{n}+")
        } else {
            write!(f, "{n}")
        }
    }
}

/// Looks the tenant up, unless the client's requests go through a proxy: then the proxy
/// resolves it, and a lookup here could fail where the requests work.
async fn resolve(http: &HttpClient, host: &Hostname) -> Result<((), String), Failure> {
    if let Some(ip) = host.ip() {
        return Ok(((), format!("{ip} is an IP address; no lookup needed")));
    }
    if let Some(proxy) = http.proxy_for(&host.base_url()) {
        return Ok(((), format!("resolved by the proxy {proxy}")));
    }
    let lookup = tokio::net::lookup_host((host.host(), host.port()));
    match tokio::time::timeout(DNS_TIMEOUT, lookup).await {
        Ok(Ok(addrs)) => {
            let addrs: Vec<_> = addrs.map(|a| a.ip()).collect();
            match addrs.split_first() {
                Some((first, [])) => Ok(((), format!("{} → {first}", host.host()))),
                Some((first, rest)) => Ok((
                    (),
                    format!("{} → {first} (+{} more)", host.host(), rest.len()),
                )),
                None => Err(Failure::new(
                    code::HOST_NOT_FOUND,
                    format!("DNS has no address for {}", host.host()),
                )),
            }
        }
        Ok(Err(e)) => Err(Failure::new(
            code::HOST_NOT_FOUND,
            format!("DNS has no address for {}: {e}", host.host()),
        )),
        Err(_) => Err(Failure::new(
            code::HOST_NOT_FOUND,
            format!(
                "the DNS lookup for {} timed out after {} s",
                host.host(),
                DNS_TIMEOUT.as_secs()
            ),
        )),
    }
}

async fn reach(http: &HttpClient, host: &Hostname) -> Result<((), String), Failure> {
    let status = http
        .probe(host.base_url())
        .await
        .map_err(|e| Failure::from(crate::connector::ConnectorError::Transport(e)))?;
    let detail = match host.scheme() {
        Scheme::Https => format!(
            "TLS handshake with {} verified; HTTP {status}",
            host.authority()
        ),
        Scheme::Http => format!(
            "plain HTTP to the loopback emulator at {} (no TLS); HTTP {status}",
            host.authority()
        ),
    };
    Ok(((), detail))
}

/// The test run both faces start: load the profile, test it with its stored secret, and
/// remember the outcome on the profile.
pub async fn run_and_remember(
    services: &Services,
    name: &str,
    events: Option<&UnboundedSender<CheckEvent>>,
) -> Result<Ran, ProfileError> {
    let profile = services.store.load()?.get(name)?.clone();
    let report = run(
        name,
        &profile,
        &SecretSource::Vault(&services.vault),
        events,
    )
    .await;
    let not_saved = remember(&services.store, &profile, &report).await.err();
    if let Some(e) = &not_saved {
        tracing::warn!(profile = name, "cannot save the test result: {e}");
    }
    tracing::info!(
        profile = name,
        ok = report.ok,
        code = report.failure_code().unwrap_or("none"),
        "test finished"
    );
    Ok(Ran {
        report,
        profile,
        not_saved,
    })
}

/// Tests `names` concurrently (each remembers its outcome), in the order given.
pub async fn run_all(
    services: &Services,
    names: &[String],
) -> Vec<(String, Result<Ran, ProfileError>)> {
    let runs = names
        .iter()
        .map(|name| async move { (name.clone(), run_and_remember(services, name, None).await) });
    futures_util::future::join_all(runs).await
}

/// The exit code of several runs: 0 when all passed, 3 when the only failures were this
/// machine's keyring, else 1.
pub fn overall_exit<'a>(reports: impl IntoIterator<Item = &'a Report>) -> u8 {
    overall_exit_strict(reports, false)
}

/// The same under `--strict` (when `strict`): a passed run with a warning counts as failed.
pub fn overall_exit_strict<'a>(reports: impl IntoIterator<Item = &'a Report>, strict: bool) -> u8 {
    reports
        .into_iter()
        .map(|r| r.exit_code_strict(strict))
        .fold(crate::app::exit::OK, |worst, code| match (worst, code) {
            (_, crate::app::exit::TEST_FAILED) | (crate::app::exit::TEST_FAILED, _) => {
                crate::app::exit::TEST_FAILED
            }
            (w, c) => w.max(c),
        })
}

/// A finished run of a stored profile.
pub struct Ran {
    pub report: Report,
    /// The profile as it was tested.
    pub profile: Profile,
    /// Why the outcome could not be kept on the profile, if it could not.
    pub not_saved: Option<ProfileError>,
}

/// Keeps the outcome (in the state dir, not profiles.toml) for the home screen and `profiles
/// list` — on the profile
/// that was tested: one removed, recreated or rotated meanwhile is left alone. A failure on
/// this machine (no keyring) says nothing about the vendor, so it leaves the last result alone.
pub async fn remember(
    store: &ProfileStore,
    tested: &Profile,
    report: &Report,
) -> Result<(), ProfileError> {
    if report.failure_code().is_some_and(crate::diagnose::is_local) {
        return Ok(());
    }
    store
        .update_state(|profiles| {
            if let Some(p) = profiles.profiles.get_mut(&report.profile)
                && p.secret_ref == tested.secret_ref
                && p.updated == tested.updated
            {
                record(p, report);
            }
            Ok(())
        })
        .await
}

/// Writes `report` onto `p`: the last test, and the DPoP nonce worth keeping.
pub fn record(p: &mut Profile, report: &Report) {
    p.last_test = Some(report.last_test());
    if let (Some(okta), Some(nonce)) = (p.okta.as_mut(), &report.carry.dpop_nonce)
        && okta.dpop_nonce.as_ref().map(|n| &n.value) != Some(nonce)
        && let Some(kept) = CachedNonce::keep(nonce, report.at)
    {
        okta.dpop_nonce = Some(kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        let at = OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
        Profile {
            integration: Integration::OneTrust,
            host: "acme.my.onetrust.com".into(),
            client_id: "abc".into(),
            secret_ref: "ref1".into(),
            created: at,
            updated: at,
            secret_stored: None,
            last_test: None,
            okta: None,
            secret_store: None,
        }
    }

    fn passed(users: usize) -> Report {
        Report {
            profile: "acme".into(),
            integration: Integration::OneTrust,
            ok: true,
            steps: Vec::new(),
            users_seen: users,
            users_total: None,
            users_deactivated: None,
            at: OffsetDateTime::from_unix_timestamp(1_790_000_100).unwrap(),
            carry: Carry::default(),
            privileges: Privileges::default(),
        }
    }

    /// The host's name is one no DNS answers (RFC 6761), so a lookup here would fail.
    fn unresolvable() -> Hostname {
        crate::validate::hostname("acme.my.onetrust.invalid", Integration::OneTrust)
            .unwrap()
            .value
    }

    #[tokio::test]
    async fn the_dns_step_asks_the_clients_proxy_decision_not_its_own() {
        let host = unresolvable();
        // NO_PROXY entries are matched as the client matches them: "*.domain" is no
        // wildcard there (only "*" alone is), so the request goes through the proxy.
        let http = HttpClient::new(false)
            .unwrap()
            .with_proxies(crate::http::Proxies::given(
                "http://proxy.corp:3128",
                "*.onetrust.invalid, localhost",
            ));
        let (_, detail) = resolve(&http, &host).await.unwrap();
        assert_eq!(detail, "resolved by the proxy proxy.corp:3128");
        // A host the proxy settings exempt is looked up here, whatever the case.
        let direct = HttpClient::new(false)
            .unwrap()
            .with_proxies(crate::http::Proxies::given(
                "http://user:pw@proxy.corp:3128",
                "ONETRUST.invalid",
            ));
        let failure = resolve(&direct, &host).await.unwrap_err();
        assert_eq!(failure.code, code::HOST_NOT_FOUND);
        // A proxy scheme the client cannot use is no proxy for it either.
        let unusable = HttpClient::new(false)
            .unwrap()
            .with_proxies(crate::http::Proxies::given("ftp://proxy.corp:21", ""));
        assert!(resolve(&unusable, &host).await.is_err());
    }

    #[tokio::test]
    async fn a_test_leaves_profiles_toml_alone_and_its_result_in_the_state_dir() {
        let home = tempfile::tempdir().unwrap();
        let state = home.path().join("state");
        let store = ProfileStore::new(home.path().join("cfg")).with_state_dir(&state);
        store
            .update(|all| {
                all.profiles.insert("acme".into(), profile());
                Ok::<_, ProfileError>(())
            })
            .await
            .unwrap();
        let before = std::fs::read(store.path()).unwrap();
        remember(&store, &profile(), &passed(250)).await.unwrap();
        assert_eq!(
            std::fs::read(store.path()).unwrap(),
            before,
            "profiles.toml is not rewritten by a test"
        );
        let loaded = store.load().unwrap();
        let last = loaded.get("acme").unwrap().last_test.clone().unwrap();
        assert_eq!((last.ok, last.users_seen), (true, Some(250)));
        let file = store.last_tests_path(&loaded).unwrap();
        assert!(file.starts_with(&state), "{}", file.display());
        assert!(std::fs::read_to_string(&file).unwrap().contains("ref1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(mode(&state) & 0o777, 0o700);
            assert_eq!(mode(&file) & 0o777, 0o600);
        }
        // A later change of settings does not bring it back into profiles.toml.
        store
            .update(|all| {
                all.max_secret_age = Some(String::from("30d").into());
                Ok::<_, ProfileError>(())
            })
            .await
            .unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(!text.contains("last_test"), "{text}");
        assert!(
            store
                .load()
                .unwrap()
                .get("acme")
                .unwrap()
                .last_test
                .is_some()
        );
    }
}
