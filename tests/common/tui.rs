//! The TUI without a terminal: an `App` with three profiles, key presses, and rendering into
//! ratatui's `TestBackend`.

use std::collections::BTreeMap;

use ploy_connect::tui::app::App;
use ploy_connect::tui::msg::{Action, Effect};
use ploy_connect::tui::view;
use ploy_core::check::{StepId, StepResult, StepStatus};
use ploy_core::diagnose::Diagnosis;
use ploy_core::integration::Integration;
use ploy_core::profile::{LastTest, OktaSettings, Profile, Profiles};
use ploy_core::users::{User, UserStatus};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::OffsetDateTime;

pub const SECRET: &str = "s3cr3t-Value-That-Must-Not-Render";

pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap()
}

pub fn profile(integration: Integration, host: &str, last: Option<LastTest>) -> Profile {
    Profile {
        integration,
        host: host.into(),
        client_id: "3d8efc3b94ed49628482eb2ab5e3bc8g".into(),
        secret_ref: "ref".into(),
        created: now(),
        updated: now(),
        secret_stored: None,
        last_test: last,
        okta: (integration == Integration::Okta).then(|| OktaSettings {
            key_id: None,
            dpop: false,
            scopes: vec!["okta.users.read".into()],
            dpop_nonce: None,
            key_origin: Default::default(),
            staged: None,
        }),
        secret_store: None,
    }
}

pub fn profiles() -> Profiles {
    let mut p = BTreeMap::new();
    p.insert(
        "acme".to_string(),
        profile(
            Integration::OneTrust,
            "acme.my.onetrust.com",
            Some(LastTest {
                ok: true,
                at: now() - time::Duration::minutes(5),
                code: None,
                users_seen: Some(250),
                users_total: Some(250),
                users_deactivated: None,
            }),
        ),
    );
    p.insert(
        "corp".to_string(),
        profile(
            Integration::Okta,
            "corp.okta.com",
            Some(LastTest {
                ok: false,
                at: now() - time::Duration::hours(2),
                code: Some("okta.dpop_required".into()),
                users_seen: None,
                users_total: None,
                users_deactivated: None,
            }),
        ),
    );
    p.insert(
        "new".to_string(),
        profile(Integration::OneTrust, "app-eu.onetrust.com", None),
    );
    Profiles {
        schema_version: 1,
        store_id: None,
        store_dir: None,
        max_secret_age: None,
        profiles: p,
    }
}

pub fn app() -> App {
    let mut a = App::new(profiles(), (80, 24));
    a.now = now();
    a.color = false;
    a
}

pub fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(app, f)).unwrap();
    t.backend().to_string()
}

pub fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// Runs the effects that read keys, as the runtime does, and feeds the answers back.
pub fn settle(app: &mut App, effects: Vec<Effect>) -> Vec<Effect> {
    let mut rest = Vec::new();
    for e in effects {
        match e {
            Effect::ReadKey { generation, source } => {
                // On a thread, as the runtime does: a read that blocks fails the test.
                let (tx, rx) = std::sync::mpsc::channel();
                std::thread::spawn(move || {
                    let _ = tx.send(source.load().map(Box::new));
                });
                let result = rx
                    .recv_timeout(std::time::Duration::from_secs(5))
                    .expect("a key read blocked");
                app.update(Action::KeyRead { generation, result });
            }
            Effect::GenerateKey { generation, kind } => {
                let result = ploy_core::keys::generate(kind)
                    .map(Box::new)
                    .map_err(|e| ploy_core::app::AppError::Internal(e.to_string()));
                app.update(Action::KeyGenerated { generation, result });
            }
            other => rest.push(other),
        }
    }
    rest
}

pub fn press(app: &mut App, action: Action) -> Vec<Effect> {
    let effects = app.update(action);
    settle(app, effects)
}

pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, key(KeyCode::Char(c)));
    }
}

pub fn user(i: usize, status: UserStatus) -> User {
    let first = ["Ada", "Grace", "Alan", "Edsger", "Radia"][i % 5];
    let last = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Perlman"][i % 5];
    User {
        id: format!("00u{i:05}"),
        login: format!(
            "{}.{}{i}@acme.example",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        email: format!(
            "{}.{}{i}@acme.example",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        name: format!("{first} {last}"),
        first_name: first.into(),
        last_name: last.into(),
        status,
        created: Some("2024-01-02T03:04:05.000Z".into()),
        last_login: (!i.is_multiple_of(3))
            .then(|| format!("2025-0{}-1{}T09:30:00.000Z", i % 9 + 1, i % 10)),
        source: Integration::Okta,
        extra: [("user type", "default".to_string())].into_iter().collect(),
        access: Vec::new(),
    }
}

pub fn step(
    id: StepId,
    status: StepStatus,
    ms: u64,
    detail: &str,
    code: Option<&str>,
) -> StepResult {
    StepResult {
        id,
        status,
        ms,
        detail: detail.into(),
        diagnosis: code.map(|c| Diagnosis::for_code(c, "corp", Some(Integration::Okta))),
    }
}

/// The TUI in-process against the demo's emulated tenants: keys go into `App::update`, its
/// effects run through the real `Runner` and the core, and the actions they send come back
/// into `App::update` — the loop of `tui::run` without a terminal.
pub struct Harness {
    pub app: App,
    pub demo: ploy_connect::demo::Demo,
    runner: ploy_connect::tui::runner::Runner,
    rx: tokio::sync::mpsc::UnboundedReceiver<Action>,
}

impl Harness {
    /// The demo's three profiles over an emulator with `users` users, on a 100×30 screen.
    pub async fn demo(users: usize) -> Self {
        let demo = ploy_connect::demo::prepare(users).await.unwrap();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let runner = ploy_connect::tui::runner::Runner::new(
            demo.services.clone(),
            tx,
            Some(demo.okta_admin()),
        );
        let mut app = App::new(demo.services.store.load().unwrap(), (100, 30));
        app.demo_okta = true;
        app.color = false;
        Self {
            app,
            demo,
            runner,
            rx,
        }
    }

    /// An action into the app, its effects to the runner.
    pub fn send(&mut self, action: Action) {
        for effect in self.app.update(action) {
            self.runner.run(effect);
        }
    }

    pub fn press(&mut self, code: KeyCode) {
        self.send(key(code));
    }

    /// Feeds the runner's answers back until `done` holds (`what` names it if it never does;
    /// the timeout only ends a hung test, it decides nothing).
    pub async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        while !done(&self.app) {
            let action = tokio::time::timeout(std::time::Duration::from_secs(60), self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("{what}: nothing came\n{}", self.screen()))
                .expect("the runner's channel closed");
            self.send(action);
        }
    }

    pub fn screen(&self) -> String {
        render(&self.app, 100, 30)
    }

    /// Home's selection moved onto `name`.
    pub fn select(&mut self, name: &str) {
        self.press(KeyCode::Home);
        while self.app.selected_profile().is_some_and(|(n, _)| n != name) {
            let before = self.app.selected;
            self.press(KeyCode::Down);
            assert_ne!(before, self.app.selected, "no profile {name}");
        }
    }
}
