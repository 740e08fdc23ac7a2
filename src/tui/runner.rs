//! The runner: each `Effect` runs through the core on a tokio task (one function per effect)
//! and reports back as a typed `Action` on the loop's channel. It decides no rule. Tests drive
//! it in-process: key → effect → core (against the emulator) → action → screen.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

use ploy_core::app::{AppError, Diagnosed, Services};
use ploy_core::check::{self, CheckEvent};
use ploy_core::diagnose::Failure;
use ploy_core::entitlements::Entitlements;
use ploy_core::files::Replace;
use ploy_core::http::{HttpNotice, Notify};
use ploy_core::integration::Integration;
use ploy_core::keys::{KeySource, KeyType};
use ploy_core::session::{self, SecretSource};
use ploy_core::setup::{self, Candidate, Draft, Intent};
use ploy_core::users::{self, ExportFormat, ShownUsers, SortJob};

use super::msg::{
    Action, DemoAdded, Effect, ExportFailure, PublicKeyAction, PublicKeyDone, PublicKeyError,
    PublicKeySource, RunId, Written,
};

/// The demo's emulated Okta admin (the admin's part): adds a public JWK for a profile (named,
/// possibly not saved yet) to the app, retiring the key given — the admin agreed — first;
/// what it did, or which key would have to go. Reads the profiles: run it off the loop.
pub type AddOktaKey =
    Arc<dyn Fn(&serde_json::Value, &str, Option<&str>) -> Result<DemoAdded, String> + Send + Sync>;

/// Runs effects on tasks; at most one users download at a time.
pub struct Runner {
    services: Services,
    tx: UnboundedSender<Action>,
    users: Option<JoinHandle<()>>,
    add_okta_key: Option<AddOktaKey>,
}

impl Runner {
    /// Results come back on `tx`; `add_okta_key` is the demo's Okta admin, if any.
    pub fn new(
        services: Services,
        tx: UnboundedSender<Action>,
        add_okta_key: Option<AddOktaKey>,
    ) -> Self {
        Self {
            services,
            tx,
            users: None,
            add_okta_key,
        }
    }

    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::LoadProfiles => self.load_profiles(),
            Effect::Save {
                integration,
                intent,
                draft,
            } => self.save(integration, intent, draft),
            Effect::Rotate {
                run,
                name,
                candidate,
            } => self.rotate(run, name, candidate),
            Effect::StoreAnyway {
                run,
                name,
                candidate,
                report,
            } => self.store_anyway(run, name, candidate, report),
            Effect::Remove(name) => self.remove(name),
            Effect::RunCheck { run, name } => self.check(run, name),
            Effect::ReadKey { generation, source } => self.read_key(generation, source),
            Effect::FetchUsers(name) => self.fetch_users(name),
            Effect::FetchIdentities(names) => {
                // One download at a time: the identities screen's reads take the users' slot.
                self.stop_users();
                let task = fetch_identities(names, self.services.clone(), self.tx.clone());
                self.users = Some(tokio::spawn(task));
            }
            Effect::StopUsers => self.stop_users(),
            Effect::Sort(job) => self.sort(job),
            Effect::Export {
                rows,
                format,
                path,
                replace,
                entitlements,
            } => self.export(rows, format, path, replace, entitlements),
            Effect::ProbeKeyring(kept) => self.probe_keyring(kept),
            Effect::GenerateKey { generation, kind } => self.generate_key(generation, kind),
            Effect::PublicKey {
                action,
                key: PublicKeySource::Stored { name, staged },
                profile,
            } => self.stored_public_key(action, name, staged, profile),
            Effect::PublicKey {
                action,
                key: PublicKeySource::Known(jwk),
                profile,
            } => self.public_key(action, jwk, &profile),
            Effect::StageKey { name, kind } => self.stage(name, kind),
            Effect::Promote { run, name } => self.promote(run, name),
            Effect::LoadPublicKeys(name) => self.load_public_keys(name),
            Effect::DemoRetireAndAdd {
                jwk,
                profile,
                retire,
            } => self.demo_add(jwk, profile, Some(retire)),
            // On the loop's thread, so the sequence never lands inside a frame being drawn.
            Effect::Copy { text, what } => {
                let result = copy_text(&text).map_err(|e| format!("cannot copy: {e}"));
                let _ = self.tx.send(Action::Copied { what, result });
            }
        }
    }

    /// Stops the users download, if one runs.
    pub fn stop_users(&mut self) {
        if let Some(t) = self.users.take() {
            t.abort();
        }
    }

    /// Runs `work` on a task and sends what it returns.
    fn spawn<F>(&self, work: F)
    where
        F: Future<Output = Action> + Send + 'static,
    {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(work.await);
        });
    }

    /// Runs blocking `work` (files, sorting) on the blocking pool and sends what it returns.
    fn spawn_blocking(&self, work: impl FnOnce() -> Action + Send + 'static) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let _ = tx.send(work());
        });
    }

    fn load_profiles(&self) {
        let services = self.services.clone();
        self.spawn_blocking(move || {
            Action::Profiles(services.store.load().map_err(AppError::from))
        });
    }

    fn save(&self, integration: Integration, intent: Intent, draft: Box<Draft>) {
        let services = self.services.clone();
        self.spawn(async move {
            let name = draft.name.trim().to_string();
            let result = async {
                let v = setup::prepare(&services, integration, intent, &draft).await?;
                setup::save(&services, &v).await
            }
            .await;
            Action::Saved { name, result }
        });
    }

    fn rotate(&self, run: RunId, name: String, candidate: Candidate) {
        let (services, tx) = (self.services.clone(), self.tx.clone());
        self.spawn(async move {
            let result = with_events(tx, run, |events| async move {
                setup::rotate(&services, &name, candidate, false, Some(&events)).await
            })
            .await;
            Action::Rotated { run, result }
        });
    }

    fn store_anyway(
        &self,
        run: RunId,
        name: String,
        candidate: Candidate,
        report: Box<check::Report>,
    ) {
        let services = self.services.clone();
        self.spawn(async move {
            let result = setup::store_after_failed_test(&services, &name, candidate, &report).await;
            Action::StoredAnyway { run, result }
        });
    }

    fn remove(&self, name: String) {
        let services = self.services.clone();
        self.spawn(async move {
            let result = setup::remove(&services, &name).await;
            Action::Removed { name, result }
        });
    }

    fn check(&self, run: RunId, name: String) {
        let (services, tx) = (self.services.clone(), self.tx.clone());
        self.spawn(async move {
            let ran = with_events(tx, run, |events| async move {
                check::run_and_remember(&services, &name, Some(&events)).await
            })
            .await;
            match ran {
                Ok(ran) => Action::CheckDone {
                    run,
                    report: Box::new(ran.report),
                },
                Err(e) => Action::CheckFailed {
                    run,
                    error: e.into(),
                },
            }
        });
    }

    fn promote(&self, run: RunId, name: String) {
        let (services, tx) = (self.services.clone(), self.tx.clone());
        self.spawn(async move {
            let result = with_events(tx, run, |events| async move {
                setup::promote(&services, &name, Some(&events)).await
            })
            .await;
            Action::Promoted { run, result }
        });
    }

    fn read_key(&self, generation: u64, source: KeySource) {
        self.spawn_blocking(move || Action::KeyRead {
            generation,
            result: source.load().map(Box::new),
        });
    }

    fn fetch_users(&mut self, name: String) {
        self.stop_users();
        let task = fetch_users(name, self.services.clone(), self.tx.clone());
        self.users = Some(tokio::spawn(task));
    }

    fn sort(&self, job: SortJob) {
        self.spawn_blocking(move || Action::UsersSorted(job.run()));
    }

    fn export(
        &self,
        rows: ShownUsers,
        format: ExportFormat,
        path: PathBuf,
        replace: Replace,
        entitlements: Option<Arc<Entitlements>>,
    ) {
        self.spawn_blocking(move || {
            Action::Exported(export(
                &rows,
                format,
                &path,
                replace,
                entitlements.as_deref(),
            ))
        });
    }

    fn probe_keyring(&self, kept: Option<ploy_core::secret::Backend>) {
        let services = self.services.clone();
        self.spawn(async move {
            // A keyring chosen for this run wins: a setup with a new secret moves it there.
            let result = services
                .vault
                .probe_for(services.vault.chosen().or(kept))
                .await
                .map_err(|e| AppError::store(e, "", None));
            Action::KeyringProbed(result)
        });
    }

    fn generate_key(&self, generation: u64, kind: KeyType) {
        self.spawn(async move {
            let result = setup::generate(kind).await.map(Box::new);
            Action::KeyGenerated { generation, result }
        });
    }

    fn stage(&self, name: String, kind: KeyType) {
        let services = self.services.clone();
        self.spawn(async move {
            let result = setup::stage(&services, &name, kind).await;
            Action::Staged { name, result }
        });
    }

    fn load_public_keys(&self, name: String) {
        let services = self.services.clone();
        self.spawn(async move {
            let result = setup::public_keys(&services, &name).await;
            Action::PublicKeys { name, result }
        });
    }

    /// A profile's public key from the keyring, handed back to be copied, written or added.
    fn stored_public_key(
        &self,
        action: PublicKeyAction,
        name: String,
        staged: bool,
        profile: String,
    ) {
        let services = self.services.clone();
        self.spawn(async move {
            let picked = match setup::public_keys(&services, &name).await {
                Ok(keys) if staged => keys.staged,
                Ok(keys) => keys.current,
                Err(e) => return Action::PublicKeyDone(Err(PublicKeyError::Keyring(e))),
            };
            match picked {
                Some(jwk) => Action::PublicKeyReady {
                    action,
                    jwk,
                    profile,
                },
                None => Action::PublicKeyDone(Err(PublicKeyError::Missing { staged })),
            }
        });
    }

    /// A public key in hand: copied here, on the loop's thread, so the terminal sequence never
    /// lands inside a frame being drawn; written or added on a task.
    fn public_key(&self, action: PublicKeyAction, jwk: serde_json::Value, profile: &str) {
        match action {
            PublicKeyAction::Copy => {
                let _ = self.tx.send(Action::PublicKeyDone(copy_to_clipboard(&jwk)));
            }
            PublicKeyAction::Write => {
                let path = public_key_file(profile, &jwk);
                self.spawn_blocking(move || {
                    let result = setup::write_public_key(&path, &jwk)
                        .map(PublicKeyDone::Wrote)
                        .map_err(|source| PublicKeyError::Write { path, source });
                    Action::PublicKeyDone(result)
                });
            }
            PublicKeyAction::DemoAdd => self.demo_add(jwk, profile.to_string(), None),
        }
    }

    /// The demo's Okta admin adds `jwk`, retiring `retire` first if given; an app that is full
    /// of keys in use comes back as a question.
    fn demo_add(&self, jwk: serde_json::Value, profile: String, retire: Option<String>) {
        let Some(add) = self.add_okta_key.clone() else {
            let _ = self
                .tx
                .send(Action::PublicKeyDone(Err(PublicKeyError::NoDemo)));
            return;
        };
        self.spawn_blocking(move || match add(&jwk, &profile, retire.as_deref()) {
            Ok(DemoAdded::Done(what)) => Action::PublicKeyDone(Ok(PublicKeyDone::Added(what))),
            Ok(DemoAdded::Full(full)) => Action::DemoOktaFull { jwk, profile, full },
            Err(e) => Action::PublicKeyDone(Err(PublicKeyError::Demo(e))),
        });
    }
}

/// Runs a test (`work`) whose step events stream to the app as they happen, and returns its
/// result once every event is delivered.
async fn with_events<T, F, W>(tx: UnboundedSender<Action>, run: RunId, work: W) -> T
where
    W: FnOnce(UnboundedSender<CheckEvent>) -> F,
    F: Future<Output = T>,
{
    let (events, mut events_rx) = mpsc::unbounded_channel::<CheckEvent>();
    let forward = tokio::spawn(async move {
        while let Some(event) = events_rx.recv().await {
            let _ = tx.send(Action::Check { run, event });
        }
    });
    let result = work(events).await;
    let _ = forward.await;
    result
}

fn copy_to_clipboard(jwk: &serde_json::Value) -> Result<PublicKeyDone, PublicKeyError> {
    let text = serde_json::to_string_pretty(jwk).unwrap_or_default();
    copy_text(&text)
        .map(|()| PublicKeyDone::Copied)
        .map_err(PublicKeyError::Copy)
}

/// `text` to the terminal's clipboard (OSC 52); whether it arrived, only the terminal knows.
fn copy_text(text: &str) -> std::io::Result<()> {
    use ratatui::crossterm::clipboard::CopyToClipboard;
    ratatui::crossterm::execute!(
        std::io::stdout(),
        CopyToClipboard::to_clipboard_from(text.as_bytes())
    )
}

/// "okta-public-key-corp-AbCd1234.json" in the working directory.
fn public_key_file(profile: &str, jwk: &serde_json::Value) -> PathBuf {
    let short: String = jwk
        .get("kid")
        .and_then(|k| k.as_str())
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect();
    PathBuf::from(format!("okta-public-key-{profile}-{short}.json"))
}

/// Writes an export: what it holds and where (absolute), or why not in the dialog's words.
pub fn export(
    rows: &ShownUsers,
    format: ExportFormat,
    path: &Path,
    replace: Replace,
    entitlements: Option<&Entitlements>,
) -> Result<Written, ExportFailure> {
    users::write_users_file(path, format, rows.iter(), replace, entitlements)
        .map(|written| Written {
            users: rows.len() as u64,
            deactivated: rows
                .iter()
                .filter(|u| u.status() == users::UserStatus::Deprovisioned)
                .count() as u64,
            grants: entitlements.map(|e| rows.iter().map(|u| e.count_of(u.id()) as u64).sum()),
            caveats: entitlements.map(|e| e.caveats()).unwrap_or_default(),
            path: written,
        })
        .map_err(|e| {
            let exists = e.kind() == std::io::ErrorKind::AlreadyExists;
            ExportFailure {
                exists,
                // "…/users.csv already exists" says it all; other errors get the path in front.
                message: if exists {
                    e.to_string()
                } else {
                    let shown = ploy_core::files::absolute(path);
                    format!("Cannot write {}: {e}", shown.display())
                },
            }
        })
}

/// A task that stops when its handle is dropped: the entitlements read beside the users stop
/// with them (the admin left the screen, or the users failed), never reading on unseen.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reads every profile named at once, each into a part of its own (text in memory, the
/// entitlements kept for the person's details), then joins them on the blocking pool.
async fn fetch_identities(names: Vec<String>, services: Services, tx: UnboundedSender<Action>) {
    use ploy_core::identities::{self, Part, ReadError, Rules};
    let profiles = match services.store.load() {
        Ok(p) => p,
        Err(e) => {
            let _ = tx.send(Action::IdentitiesFailed {
                profile: 0,
                error: e.into(),
            });
            return;
        }
    };
    let reads = names.iter().enumerate().map(|(i, name)| {
        let (tx, services, profiles) = (tx.clone(), &services, &profiles);
        async move {
            let profile = match profiles.get(name) {
                Ok(p) => p.clone(),
                Err(e) => {
                    let _ = tx.send(Action::IdentitiesFailed {
                        profile: i,
                        error: e.into(),
                    });
                    return None;
                }
            };
            let mut part = Part::in_memory(name, profile.integration);
            let failed = |f| AppError::Failed(Diagnosed::new(f, name, Some(profile.integration)));
            let source = SecretSource::Vault(&services.vault);
            let result = match session::open(name, &profile, &source, None).await {
                Err(f) => {
                    part.state.failure = Some(f.clone());
                    Err(failed(f))
                }
                Ok(mut opened) => {
                    let progress = tx.clone();
                    let mut step = move |p| {
                        let _ = progress.send(Action::IdentitiesRead {
                            profile: i,
                            progress: p,
                        });
                    };
                    identities::read_profile(&mut opened.connector, &mut part, true, &mut step)
                        .await
                        .map_err(|e| match e {
                            ReadError::Source(f) => failed(f),
                            ReadError::Local(e) => AppError::io("cannot keep the users read")(e),
                        })
                }
            };
            if let Err(error) = result {
                let _ = tx.send(Action::IdentitiesFailed { profile: i, error });
            }
            Some(part)
        }
    });
    let parts: Vec<Part> = futures_util::future::join_all(reads)
        .await
        .into_iter()
        .flatten()
        .collect();
    let rules = Rules::new(
        time::OffsetDateTime::now_utc(),
        identities::DEFAULT_DORMANT_DAYS,
    );
    if let Ok(ids) = tokio::task::spawn_blocking(move || identities::join(parts, rules)).await {
        let _ = tx.send(Action::IdentitiesJoined(Arc::new(ids)));
    }
}

async fn fetch_users(name: String, services: Services, tx: UnboundedSender<Action>) {
    let profile = match services.store.load().and_then(|p| p.get(&name).cloned()) {
        Ok(p) => p,
        Err(e) => {
            let _ = tx.send(Action::UsersDone(Err(e.into())));
            return;
        }
    };
    let failed = |f| AppError::Failed(Diagnosed::new(f, &name, Some(profile.integration)));
    let notify: Notify = {
        let tx = tx.clone();
        Arc::new(move |HttpNotice::Waiting { wait, .. }| {
            let _ = tx.send(Action::UsersWait(wait));
        })
    };
    let source = SecretSource::Vault(&services.vault);
    let mut opened = match session::open(&name, &profile, &source, Some(notify)).await {
        Ok(s) => s,
        Err(f) => {
            let _ = tx.send(Action::UsersDone(Err(failed(f))));
            return;
        }
    };
    // What users can do is read beside them (Okta's groups and apps have buckets of their
    // own), streaming in while the table fills.
    let reading = session::entitlement_reader(&opened.connector).map(|reader| {
        let progress = tx.clone();
        AbortOnDrop(tokio::spawn(async move {
            let mut step = move |p| {
                let _ = progress.send(Action::EntitlementsProgress(p));
            };
            reader.read(&mut step).await
        }))
    });
    // A few pages ahead of the table at most: the UI takes a page in between frames, and a
    // fast network must not pile a million users up in the channel.
    let gate = session::Gate::new(4);
    let result = session::for_each_page_gated(&mut opened.connector, &gate, |page, ticket| {
        let _ = tx.send(Action::UsersPage(page.users, ticket));
        Ok::<_, Failure>(())
    })
    .await;
    let read = result.is_ok();
    let _ = tx.send(Action::UsersDone(result.map_err(failed)));
    let Some(mut reading) = reading else {
        // OneTrust's users carry their own access levels.
        if read {
            let _ = tx.send(Action::EntitlementsDone(Ok(None)));
        }
        return;
    };
    if !read {
        return;
    }
    let entitlements = match (&mut reading.0).await {
        Ok(r) => r.map_err(failed),
        Err(e) => Err(AppError::Internal(format!(
            "reading entitlements stopped: {e}"
        ))),
    };
    let _ = tx.send(Action::EntitlementsDone(
        entitlements.map(|e| Some(Box::new(e))),
    ));
}
