//! Emulated tenants on loopback for `demo`, the tests and the benchmarks. They validate as
//! strictly as the real services (where the wire docs and the emulator disagree, the emulator
//! is wrong) and can be switched into every failure the hints cover.

pub mod access;
pub mod data;
pub mod jose;
pub mod okta;
mod okta_access;
mod okta_self;
pub mod onetrust;
pub mod record;
pub mod scenario;
pub mod stats;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::sync::oneshot;

pub use scenario::{SCENARIOS, Scenario};

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub users: usize,
    pub scenarios: Vec<Scenario>,
    pub seed: u64,
    /// A network between client and tenant: each request's round trip, and a bandwidth.
    pub network: Network,
    /// Groups, apps and memberships; `None` scales them with `users` (`Shape::for_users`).
    pub shape: Option<access::Shape>,
    /// Seconds in an Okta rate-limit window: 60 as Okta's; benchmarks compress time.
    pub rate_window_secs: u64,
    /// How the people are mixed: statuses, orphans, leavers, address variants, sign-ins.
    pub mix: data::Mix,
    /// The day dates are made relative to (Unix seconds, rounded down to the day); `None`:
    /// today. A test that compares dates pins it.
    pub anchor: Option<i64>,
}

impl EmulatorConfig {
    /// The entitlements this config's tenants hold: the record tests compare with.
    pub fn access(&self) -> access::Access {
        access::Access::new(
            self.directory(),
            self.shape
                .unwrap_or_else(|| access::Shape::for_users(self.users)),
            self.seed,
        )
    }

    /// The people this config's tenants hold.
    pub fn directory(&self) -> data::Directory {
        data::Directory::with(
            self.users,
            self.seed,
            self.mix,
            self.anchor.unwrap_or_else(data::today),
        )
    }

    /// The expected-record API: what this config's tenants hold, person by person and in
    /// total, for tests to compare a client's result with.
    pub fn record(&self) -> record::Record {
        record::Record::new(self.access())
    }

    /// Issue 17's benchmark tenant: 100k users, 2,000 groups, about eight memberships a
    /// person, 200 apps.
    pub fn bench() -> Self {
        Self {
            users: 100_000,
            shape: Some(access::Shape::bench()),
            ..Self::default()
        }
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            users: 250,
            scenarios: Vec::new(),
            seed: 42,
            network: Network::default(),
            shape: None,
            rate_window_secs: 60,
            mix: data::Mix::default(),
            anchor: None,
        }
    }
}

/// What a real network adds to every request (the emulator's own admin endpoint excepted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Network {
    /// Round-trip time added to every answer.
    pub latency: std::time::Duration,
    /// Plus or minus up to this much, at random.
    pub jitter: std::time::Duration,
    /// Bytes per second of answer body; `None` is unlimited.
    pub bandwidth: Option<u64>,
}

impl Network {
    /// The delay of one request: the latency, jitter applied.
    fn round_trip(&self) -> std::time::Duration {
        use rand::RngExt;
        let jitter = self.jitter.as_micros() as i64;
        if jitter == 0 {
            return self.latency;
        }
        let delta = rand::rng().random_range(-jitter..=jitter);
        let micros = (self.latency.as_micros() as i64 + delta).max(0) as u64;
        std::time::Duration::from_micros(micros)
    }
}

/// Delays every answer by a round trip, and its body by the bandwidth.
async fn network(
    axum::extract::State(net): axum::extract::State<Network>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if req.uri().path().starts_with("/emulator/admin") {
        return next.run(req).await;
    }
    tokio::time::sleep(net.round_trip()).await;
    let response = next.run(req).await;
    let Some(rate) = net.bandwidth.filter(|r| *r > 0) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            let transfer = std::time::Duration::from_secs_f64(bytes.len() as f64 / rate as f64);
            tokio::time::sleep(transfer).await;
            axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
        }
        Err(_) => axum::response::Response::from_parts(parts, axum::body::Body::empty()),
    }
}

/// Request counts of both tenants, for benchmarks: what the client asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requests {
    pub onetrust: stats::StatsSnapshot,
    pub okta: stats::StatsSnapshot,
}

/// Not any vendor's API: the counts so far (GET `STATS_PATH`).
pub const STATS_PATH: &str = "/emulator/admin/stats";

/// What `--credentials-out` writes: one entry per tenant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credentials {
    pub onetrust: onetrust::Credential,
    pub okta: okta::Credential,
}

#[derive(Debug, Error)]
pub enum EmulatorError {
    #[error("the emulator only listens on loopback addresses (127.0.0.0/8, ::1), not {0}")]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot set up the emulated tenants: {0}")]
    Setup(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// A running emulator; dropping it stops the server.
pub struct Running {
    pub addr: SocketAddr,
    pub credentials: Credentials,
    pub okta_stats: Arc<stats::Stats>,
    /// The emulated Okta org, for playing its admin (adding a public key to the app).
    pub okta: Arc<okta::Org>,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.done).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `addr` (loopback only) and serves both tenants until stopped.
pub async fn start(addr: SocketAddr, config: &EmulatorConfig) -> Result<Running, EmulatorError> {
    if !addr.ip().is_loopback() {
        return Err(EmulatorError::NotLoopback(addr));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| EmulatorError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind { addr, source })?;
    let host = match addr {
        SocketAddr::V4(a) => a.to_string(),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    };
    let access = config.access();
    let people = access.people().clone();
    let faults = scenario::Faults::new(&config.scenarios);
    let onetrust = Arc::new(onetrust::Tenant::new(access.clone(), faults.clone()));
    let window = i64::try_from(config.rate_window_secs).unwrap_or(60);
    let okta = Arc::new(
        okta::Org::new(&host, people, access, faults, window).map_err(EmulatorError::Setup)?,
    );
    let credentials = Credentials {
        onetrust: onetrust.credential(&host),
        okta: okta.credential(),
    };
    let okta_stats = Arc::clone(&okta.stats);
    let org = Arc::clone(&okta);
    let (ot_stats, okta_counts) = (Arc::clone(&onetrust.stats), Arc::clone(&okta.stats));
    let stats = move || async move {
        axum::Json(Requests {
            onetrust: ot_stats.snapshot(),
            okta: okta_counts.snapshot(),
        })
    };
    let app = Router::new()
        .route("/", get(|| async { "ploy-connect emulator\n" }))
        .route(STATS_PATH, get(stats))
        .merge(onetrust.router())
        .merge(okta.router())
        .layer(axum::middleware::from_fn_with_state(
            config.network,
            network,
        ));
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("emulator stopped: {e}");
        }
    });
    Ok(Running {
        addr,
        credentials,
        okta_stats,
        okta: org,
        stop: Some(stop),
        done,
    })
}

/// Writes the credentials file atomically, so a reader never sees half of it.
pub fn write_credentials(path: &Path, credentials: &Credentials) -> Result<(), EmulatorError> {
    let err = |source| EmulatorError::Write {
        path: path.display().to_string(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Never replace a link, a device or a pipe with this file.
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_file() => {
            return Err(err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file; give a new file name",
            )));
        }
        _ => {}
    }
    let text = serde_json::to_string_pretty(credentials).map_err(|e| err(e.into()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// An emulator on its own thread and runtime, for synchronous callers (tests, benches).
pub struct EmulatorThread {
    pub addr: SocketAddr,
    pub credentials: Credentials,
    pub okta_stats: Arc<stats::Stats>,
    pub okta: Arc<okta::Org>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EmulatorThread {
    pub fn start(config: EmulatorConfig) -> Result<Self, EmulatorError> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(EmulatorError::Bind {
                        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
                        source: e,
                    }));
                    return;
                }
            };
            rt.block_on(async move {
                match start(SocketAddr::from(([127, 0, 0, 1], 0)), &config).await {
                    Ok(running) => {
                        let _ = ready_tx.send(Ok((
                            running.addr,
                            running.credentials.clone(),
                            Arc::clone(&running.okta_stats),
                            Arc::clone(&running.okta),
                        )));
                        let _ = stop_rx.await;
                        running.stop().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        });
        let (addr, credentials, okta_stats, okta) =
            ready_rx.recv().map_err(|_| EmulatorError::Bind {
                addr: SocketAddr::from(([127, 0, 0, 1], 0)),
                source: std::io::Error::other("emulator thread ended"),
            })??;
        Ok(Self {
            addr,
            credentials,
            okta_stats,
            okta,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for EmulatorThread {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
