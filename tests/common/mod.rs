//! Test harness. Two kinds of test share it:
//! - in-process (`lab`): the core's workflows over a `MemoryStore` against the emulator on
//!   loopback. They need no desktop and run on every platform.
//! - end to end: the real binary in a private home with its own D-Bus session and an unlocked
//!   gnome-keyring (a real Secret Service). Without `dbus-daemon` and `gnome-keyring-daemon`
//!   these are skipped, unless `PLOY_CONNECT_REQUIRE_TOOLS=1` (set by `.ci/run`) turns the skip
//!   into a failure.

#![allow(dead_code)] // each test file uses a different part

pub mod hostile;
pub mod lab;
pub mod tmux;
pub mod tui;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};

use assert_cmd::Command;
use ploy_emulator::{EmulatorConfig, EmulatorThread};

pub const BIN: &str = env!("CARGO_BIN_EXE_ploy-connect");

pub struct Env {
    pub home: tempfile::TempDir,
    bus: Option<Bus>,
}

struct Bus {
    address: String,
    daemon: Child,
}

/// Skips the calling test when the environment cannot run it.
#[allow(unused_macros)] // not every test file needs a keyring
macro_rules! env_or_skip {
    () => {
        match common::Env::with_keyring() {
            Some(env) => env,
            None => return,
        }
    };
}

fn program_exists(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}

/// Whether `programs` are installed; when not, the test is skipped, unless
/// `PLOY_CONNECT_REQUIRE_TOOLS=1` (CI), where a skip would hide a missing install step.
pub fn tools_available(programs: &[&str]) -> bool {
    let missing: Vec<_> = programs.iter().filter(|p| !program_exists(p)).collect();
    if missing.is_empty() {
        return true;
    }
    let required = std::env::var("PLOY_CONNECT_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "PLOY_CONNECT_REQUIRE_TOOLS=1 but {missing:?} missing"
    );
    eprintln!("skipping: {missing:?} not installed");
    false
}

impl Env {
    /// A home with a running, unlocked Secret Service; `None` means "skip this test".
    pub fn with_keyring() -> Option<Self> {
        if !tools_available(&["dbus-daemon", "gnome-keyring-daemon"]) {
            return None;
        }
        let mut env = Self::without_keyring();
        let runtime = env.runtime_dir();
        let socket = runtime.join("bus");
        let mut daemon = StdCommand::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .env("HOME", env.home.path())
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        // The daemon prints its address once it accepts connections: that is the sync point.
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("read bus address");
        let address = address.trim().to_string();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        let mut keyring = StdCommand::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets", "--daemonize"])
            .env("HOME", env.home.path())
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gnome-keyring-daemon");
        {
            use std::io::Write;
            let mut stdin = keyring.stdin.take().expect("stdin");
            stdin
                .write_all(b"test-keyring-password")
                .expect("unlock password");
        }
        // With --daemonize the parent exits once the daemon is on the bus.
        let status = keyring.wait().expect("gnome-keyring-daemon");
        assert!(status.success(), "gnome-keyring-daemon failed: {status}");
        env.bus = Some(Bus { address, daemon });
        Some(env)
    }

    /// A home with no Secret Service at all.
    pub fn without_keyring() -> Self {
        let home = tempfile::tempdir().expect("tempdir");
        let env = Self { home, bus: None };
        let runtime = env.runtime_dir();
        std::fs::create_dir_all(&runtime).expect("runtime dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                .expect("chmod runtime dir");
        }
        env
    }

    /// The private session bus, when this home has one.
    pub fn bus_address(&self) -> Option<&str> {
        self.bus.as_ref().map(|b| b.address.as_str())
    }

    pub fn runtime_dir(&self) -> PathBuf {
        self.home.path().join("run")
    }

    /// The platform config dir under this home (XDG on Linux).
    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join(".config").join("ploy-connect")
    }

    pub fn profiles_file(&self) -> PathBuf {
        self.config_dir().join("profiles.toml")
    }

    /// The real binary, inside this home.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// `cmd` as a plain `std::process::Command`, for a test that wires its standard streams.
    pub fn std_cmd(&self) -> StdCommand {
        let mut c = StdCommand::new(BIN);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("XDG_STATE_HOME", self.home.path().join(".local/state"))
            .env("XDG_DATA_HOME", self.home.path().join(".local/share"))
            .env("XDG_CACHE_HOME", self.home.path().join(".cache"));
        match &self.bus {
            Some(bus) => c.env("DBUS_SESSION_BUS_ADDRESS", &bus.address),
            // Point at a socket that does not exist, so the host's own bus is never used.
            None => c.env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", self.runtime_dir().join("no-bus").display()),
            ),
        };
        c
    }

    /// This home's environment as `env K=V …` for a shell command (tmux panes).
    pub fn shell_env(&self) -> String {
        let mut vars = vec![
            format!("HOME='{}'", self.home.path().display()),
            format!("XDG_RUNTIME_DIR='{}'", self.runtime_dir().display()),
            format!("XDG_CONFIG_HOME='{}/.config'", self.home.path().display()),
            format!(
                "XDG_STATE_HOME='{}/.local/state'",
                self.home.path().display()
            ),
        ];
        if let Some(bus) = &self.bus {
            vars.push(format!("DBUS_SESSION_BUS_ADDRESS='{}'", bus.address));
        }
        format!("env -u NO_COLOR {}", vars.join(" "))
    }

    /// `setup onetrust` against a tenant, secret on stdin.
    pub fn setup(
        &self,
        profile: &str,
        tenant: &Tenant,
        secret: &str,
    ) -> assert_cmd::assert::Assert {
        self.cmd()
            .args([
                "setup",
                "onetrust",
                "--profile",
                profile,
                "--host",
                &tenant.host,
            ])
            .args([
                "--client-id",
                &tenant.client_id,
                "--client-secret-stdin",
                "--no-test",
            ])
            .write_stdin(secret)
            .assert()
    }

    /// A OneTrust profile "acme" against a tenant with `scenarios`; its test must fail (exit 1)
    /// at `step` with `code`. Returns the report for further checks.
    pub fn onetrust_fails(&self, scenarios: &[&str], step: &str, code: &str) -> serde_json::Value {
        let t = tenant(10, scenarios);
        self.setup("acme", &t, &t.client_secret).success();
        self.expect_failure("acme", step, code)
    }

    /// The same for the Okta org's app, set up with `extra` flags.
    pub fn okta_fails(
        &self,
        scenarios: &[&str],
        extra: &[&str],
        step: &str,
        code: &str,
    ) -> serde_json::Value {
        let t = tenant(10, scenarios);
        self.setup_okta("corp", &t, extra).success();
        self.expect_failure("corp", step, code)
    }

    /// Runs `test NAME --json` and asserts it failed at `step` with `code`.
    pub fn expect_failure(&self, profile: &str, step: &str, code: &str) -> serde_json::Value {
        let (exit, report) = self.test_json(profile);
        assert_eq!(exit, 1, "{report:#}");
        assert_failed_at(&report, step, code);
        report
    }

    /// `test NAME --json`, parsed, with the exit code.
    pub fn test_json(&self, profile: &str) -> (i32, serde_json::Value) {
        let out = self
            .cmd()
            .args(["test", profile, "--json"])
            .output()
            .expect("run test");
        let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "test --json printed no JSON ({e}):\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), json)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(bus) = &mut self.bus {
            stop_keyring_daemons(&self.home.path().join("run"));
            let _ = bus.daemon.kill();
            let _ = bus.daemon.wait();
        }
    }
}

/// gnome-keyring-daemon outlives its bus and prints no pid: find ours by its runtime dir.
fn stop_keyring_daemons(runtime: &Path) {
    let needle = format!("XDG_RUNTIME_DIR={}", runtime.display()).into_bytes();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    for p in procs.flatten() {
        let Ok(pid) = p.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let comm = std::fs::read_to_string(p.path().join("comm")).unwrap_or_default();
        if !comm.starts_with("gnome-keyring") {
            continue;
        }
        let environ = std::fs::read(p.path().join("environ")).unwrap_or_default();
        if environ.split(|b| *b == 0).any(|kv| kv == needle.as_slice()) {
            let _ = StdCommand::new("kill").arg(pid.to_string()).status();
        }
    }
}

/// The emulated tenants as the tests see them (OneTrust fields at the top level).
pub struct Tenant {
    pub host: String,
    pub client_id: String,
    pub client_secret: String,
    pub okta: ploy_emulator::okta::Credential,
    pub emulator: EmulatorThread,
}

pub fn tenant(users: usize, scenarios: &[&str]) -> Tenant {
    tenant_over(users, scenarios, ploy_emulator::Network::default())
}

/// A tenant behind an emulated network (round-trip time, bandwidth).
pub fn tenant_over(users: usize, scenarios: &[&str], network: ploy_emulator::Network) -> Tenant {
    let emulator = EmulatorThread::start(EmulatorConfig {
        users,
        scenarios: scenarios
            .iter()
            .map(|s| s.parse().expect("scenario"))
            .collect(),
        seed: 7,
        network,
        ..EmulatorConfig::default()
    })
    .expect("start emulator");
    let c = emulator.credentials.onetrust.clone();
    Tenant {
        host: c.host,
        client_id: c.client_id,
        client_secret: c.client_secret,
        okta: emulator.credentials.okta.clone(),
        emulator,
    }
}

impl Env {
    /// Writes `text` to a file in this home and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.home.path().join(name);
        std::fs::write(&p, text).expect("write file");
        p
    }

    /// `setup okta` for the emulated org's app with its PEM key plus `extra` flags, no test.
    pub fn setup_okta(
        &self,
        profile: &str,
        t: &Tenant,
        extra: &[&str],
    ) -> assert_cmd::assert::Assert {
        let key = self.file("okta-key.pem", &t.okta.private_key_pem);
        self.cmd()
            .args([
                "setup",
                "okta",
                "--profile",
                profile,
                "--host",
                &t.okta.host,
            ])
            .args(["--client-id", &t.okta.client_id, "--private-key-file"])
            .arg(key)
            .arg("--no-test")
            .args(extra)
            .assert()
    }
}

/// The step with `id` in a `test --json` document.
pub fn step<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {report}"))
}

/// Asserts the run failed at `failed_step` with `code`, and everything after was skipped.
pub fn assert_failed_at(report: &serde_json::Value, failed_step: &str, code: &str) {
    assert_eq!(report["ok"], false, "{report:#}");
    let steps = report["steps"].as_array().expect("steps");
    let at = steps
        .iter()
        .position(|s| s["id"] == failed_step)
        .expect("step");
    for (i, s) in steps.iter().enumerate() {
        let want = match i.cmp(&at) {
            std::cmp::Ordering::Less => "passed",
            std::cmp::Ordering::Equal => "failed",
            std::cmp::Ordering::Greater => "skipped",
        };
        assert_eq!(s["status"], want, "step {} in {report:#}", s["id"]);
    }
    assert_eq!(steps[at]["diagnosis"]["code"], code, "{report:#}");
    assert!(
        !steps[at]["diagnosis"]["hint"]
            .as_str()
            .unwrap_or("")
            .is_empty(),
        "a failed step carries a fix"
    );
}

/// A loopback port with nothing listening.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}
/// A loopback TLS server whose certificate no trust store knows (like an HTTPS-inspecting
/// proxy without its root installed). It only completes handshakes; the client must refuse.
pub fn untrusted_tls_server() -> (u16, std::thread::JoinHandle<()>) {
    use std::sync::Arc;
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let key =
        tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der())
            .unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            // The test run makes one connection (the tls step); serve a few, then stop.
            for _ in 0..4 {
                let Ok(Ok((stream, _))) =
                    tokio::time::timeout(std::time::Duration::from_secs(20), listener.accept())
                        .await
                else {
                    return;
                };
                let _ = acceptor.accept(stream).await;
            }
        });
    });
    (port, handle)
}

/// Runs `cmd` with its standard output a pipe nobody reads any more (`| head -0`), and waits
/// for it for at most `limit` (a hang is a failure, not a stuck test run).
#[cfg(unix)]
pub fn with_stdout_closed(
    mut cmd: std::process::Command,
    limit: std::time::Duration,
) -> std::process::Output {
    use std::process::Stdio;
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = cmd
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            // SAFETY: kill(2) on the child we started and have not reaped.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("still running after {limit:?} with its reader gone");
        }
    }
}

#[cfg(unix)]
pub fn assert_ended_quietly(out: &std::process::Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert!(!stderr.contains("Broken pipe"), "{what}: {stderr}");
}

/// Fails unless `actual` has exactly the members the README and `--help` document for
/// `asked` (`ploy_connect::docs::JSON_DOCS`), all the way down; a documented object or array
/// may be null (the notes say when), and an array's first element stands for every element.
pub fn assert_documented(asked: &str, actual: &serde_json::Value) {
    use serde_json::Value;
    fn walk(doc: &Value, actual: &Value, at: &str) {
        match (doc, actual) {
            (_, Value::Null) => {}
            (Value::Object(d), Value::Object(a)) if d.contains_key("FIELD") => {
                // A map of the vendor's own fields: any names.
                assert!(a.values().all(Value::is_string), "{at}: {actual}");
            }
            (Value::Object(d), Value::Object(a)) => {
                let want: std::collections::BTreeSet<_> = d.keys().collect();
                let got: std::collections::BTreeSet<_> = a.keys().collect();
                assert_eq!(got, want, "{at}: members differ from the documented ones");
                for (k, v) in a {
                    walk(&d[k], v, &format!("{at}.{k}"));
                }
            }
            (Value::Array(d), Value::Array(a)) => {
                for v in a {
                    walk(&d[0], v, &format!("{at}[]"));
                }
            }
            (Value::Object(_) | Value::Array(_), other) => {
                panic!("{at}: documented as {doc}, got {other}")
            }
            _ => {}
        }
    }
    let doc = ploy_connect::docs::JSON_DOCS
        .iter()
        .find(|d| d.asked == asked)
        .unwrap_or_else(|| panic!("no documented JSON for {asked}"));
    let shape: Value = serde_json::from_str(doc.shape).unwrap();
    walk(&shape, actual, asked);
}
