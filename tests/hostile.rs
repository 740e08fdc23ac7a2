//! Hostile servers, one mode per finding of the attack run (`common::hostile`). In-process:
//! every read is bounded, paging always ends, and no secret or token survives in a failure.
//! End to end (real binary, real keyring): nothing secret and no escape byte reaches stdout,
//! stderr or the log, the previous export file stays, and memory stays bounded.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

#[macro_use]
mod common;

use std::sync::Arc;

use secrecy::SecretString;

use ploy_core::app::Services;
use ploy_core::diagnose::code;
use ploy_core::integration::Integration;
use ploy_core::profile::ProfileStore;
use ploy_core::secret::{MemoryStore, Vault};
use ploy_core::setup::{self, Draft, Intent};

use common::hostile::{DPOP_PAGES, DPOP_TOKEN, ESCAPES, Hostile, LIVE_TOKEN, LONG_LINKS, Mode};
use common::lab::Lab;

const SECRET: &str = "Ab+/Cd3f-OneTrust-Secret==Zq9";

struct Against {
    services: Services,
    _dir: tempfile::TempDir,
    server: Hostile,
}

/// A OneTrust (or Okta, DPoP off) profile "acme" pointing at a hostile server.
async fn against(mode: Mode, integration: Integration) -> Against {
    against_with(mode, integration, false).await
}

/// `against`, with DPoP on or off for Okta.
async fn against_with(mode: Mode, integration: Integration, dpop: bool) -> Against {
    let server = Hostile::start(mode);
    let dir = tempfile::tempdir().unwrap();
    let services = Services {
        store: ProfileStore::new(dir.path()).with_state_dir(dir.path().join("state")),
        vault: Vault::new(Arc::new(MemoryStore::new())),
    };
    let mut draft = Draft {
        name: "acme".into(),
        host: Some(server.host()),
        client_id: Some("client-id".into()),
        ..Draft::default()
    };
    match integration {
        Integration::OneTrust => draft.secret = Some(SecretString::from(SECRET.to_string())),
        Integration::Okta => {
            let lab = Lab::new(1, &[]).await;
            draft.key = Some(common::lab::parse_key(&lab.creds.okta.private_key_pem));
            draft.dpop = Some(dpop);
        }
    }
    let v = setup::prepare(&services, integration, Intent::Create, &draft)
        .await
        .unwrap();
    setup::save(&services, &v).await.unwrap();
    Against {
        services,
        _dir: dir,
        server,
    }
}

async fn export(a: &Against) -> Result<u64, ploy_core::diagnose::Failure> {
    let p = a
        .services
        .store
        .load()
        .unwrap()
        .get("acme")
        .unwrap()
        .clone();
    let source = ploy_core::session::SecretSource::Vault(&a.services.vault);
    let mut s = ploy_core::session::open("acme", &p, &source, None).await?;
    ploy_core::session::for_each_page(&mut s.connector, |_| {
        Ok::<_, ploy_core::diagnose::Failure>(())
    })
    .await
}

async fn test_report(a: &Against) -> serde_json::Value {
    ploy_core::check::run_and_remember(&a.services, "acme", None)
        .await
        .unwrap()
        .report
        .to_json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_token_body_is_cut_at_64_kib() {
    let a = against(Mode::EndlessToken, Integration::OneTrust).await;
    let r = test_report(&a).await;
    common::assert_failed_at(&r, "token", code::UNEXPECTED_RESPONSE);
    let detail = common::step(&r, "token")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains("64 KiB"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_page_is_cut_at_32_mib() {
    let a = against(Mode::EndlessPage, Integration::OneTrust).await;
    let f = export(&a).await.unwrap_err();
    assert_eq!(f.code, code::UNEXPECTED_RESPONSE);
    assert!(f.detail.contains("32 MiB"), "{}", f.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_always_ends() {
    for (mode, integration, says) in [
        (Mode::RepeatedLink, Integration::Okta, "sent before"),
        (Mode::NullIds, Integration::OneTrust, "ignores paging"),
        (
            Mode::EndlessDistinct,
            Integration::OneTrust,
            "said it has 3 pages",
        ),
    ] {
        let a = against(mode, integration).await;
        let f = export(&a).await.unwrap_err();
        assert_eq!(f.code, code::UNEXPECTED_RESPONSE, "{mode:?}");
        assert!(f.detail.contains(says), "{mode:?}: {}", f.detail);
        assert!(
            a.server.requests() < 12,
            "{mode:?}: {} requests",
            a.server.requests()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoed_secrets_and_tokens_are_redacted_in_every_failure() {
    let a = against(Mode::EchoUnauthorized, Integration::OneTrust).await;
    let r = test_report(&a).await.to_string();
    let form: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
    for leak in [SECRET, form.as_str(), &SECRET[..10]] {
        assert!(!r.contains(leak), "{leak} in {r}");
    }
    assert!(r.contains("[redacted]"), "{r}");

    let a = against(Mode::EchoBearer, Integration::OneTrust).await;
    let f = export(&a).await.unwrap_err();
    assert!(!f.detail.contains(LIVE_TOKEN), "{}", f.detail);
    let a = against(Mode::UndecodableToken, Integration::OneTrust).await;
    let r = test_report(&a).await.to_string();
    assert!(!r.contains(LIVE_TOKEN) && !r.contains("LIVE-ACCESS"), "{r}");
    assert!(r.contains("not shown"), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dpop_token_echoed_after_many_pages_is_still_redacted() {
    let a = against_with(Mode::DpopEchoLate, Integration::Okta, true).await;
    let f = export(&a).await.unwrap_err();
    assert!(
        a.server.requests() as u64 > DPOP_PAGES,
        "{} requests",
        a.server.requests()
    );
    assert!(f.detail.contains("rejected"), "{}", f.detail);
    assert!(!f.detail.contains(DPOP_TOKEN), "{}", f.detail);
    assert!(!f.detail.contains(&DPOP_TOKEN[..12]), "{}", f.detail);
    assert!(f.detail.contains("[redacted]"), "{}", f.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_sanely() {
    for mode in [Mode::RetryAfterShort, Mode::RetryAfterPast] {
        let a = against(mode, Integration::OneTrust).await;
        let started = std::time::Instant::now();
        let r = test_report(&a).await;
        assert_eq!(r["ok"], true, "{mode:?}: {r:#}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{mode:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_says_last_is_stopped_with_a_diagnosis() {
    let a = against(Mode::NotLastForever, Integration::OneTrust).await;
    let f = export(&a).await.unwrap_err();
    assert_eq!(f.code, code::UNEXPECTED_RESPONSE);
    assert!(
        f.detail.contains("never says which page is the last"),
        "{}",
        f.detail
    );
    assert!(a.server.requests() < 12, "{} requests", a.server.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_odd_token_lifetime_never_refuses_a_token() {
    for (raw, says) in [
        (r#""3600""#, Some("valid 60 min")),
        ("1e20", Some("valid 3650 days")),
        ("-5", None),
    ] {
        let a = against(Mode::OddLifetime(raw), Integration::OneTrust).await;
        let r = test_report(&a).await;
        assert_eq!(r["ok"], true, "{raw}: {r:#}");
        let detail = common::step(&r, "token")["detail"]
            .as_str()
            .unwrap()
            .to_string();
        match says {
            Some(says) => assert!(detail.contains(says), "{raw}: {detail}"),
            None => assert!(!detail.contains("valid"), "{raw}: {detail}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_names_are_cut_with_a_visible_mark() {
    let a = against(Mode::HugeNames, Integration::OneTrust).await;
    let source = ploy_core::session::SecretSource::Vault(&a.services.vault);
    let p = a
        .services
        .store
        .load()
        .unwrap()
        .get("acme")
        .unwrap()
        .clone();
    let mut s = ploy_core::session::open("acme", &p, &source, None)
        .await
        .unwrap();
    let mut names = Vec::new();
    let n = ploy_core::session::for_each_page(&mut s.connector, |page| {
        names.extend(page.users.iter().map(|u| u.name.len()));
        assert!(
            page.users
                .iter()
                .all(|u| u.name.ends_with(ploy_core::users::CUT))
        );
        Ok::<_, ploy_core::diagnose::Failure>(())
    })
    .await
    .unwrap();
    assert_eq!(n, 240);
    let longest = names.iter().max().copied().unwrap_or_default();
    assert!(longest <= ploy_core::users::FIELD_BYTES, "{longest} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_next_page_link_is_never_quoted_whole() {
    let a = against(Mode::LongLinks, Integration::Okta).await;
    let f = export(&a).await.unwrap_err();
    assert!(
        f.detail.len() < 1000,
        "{} bytes: {}…",
        f.detail.len(),
        f.detail.chars().take(300).collect::<String>()
    );
    assert!(f.detail.contains("after="), "{}", f.detail);
    assert!(
        a.server.requests() as usize > LONG_LINKS,
        "every page was read"
    );
}

// End to end: the real binary with a real keyring.

fn setup_binary(env: &common::Env, server: &Hostile) {
    env.cmd()
        .args([
            "setup",
            "onetrust",
            "--profile",
            "acme",
            "--host",
            &server.host(),
        ])
        .args([
            "--client-id",
            "client-id",
            "--client-secret-stdin",
            "--no-test",
        ])
        .write_stdin(SECRET)
        .assert()
        .success();
}

/// Runs the binary with `args` (debug logging on) and returns stdout + stderr + the log.
fn transcript(env: &common::Env, args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let out = env
        .cmd()
        .args(args)
        .env("PLOY_CONNECT_LOG", "trace")
        .output()
        .unwrap();
    let mut all = out.stdout.clone();
    all.extend_from_slice(&out.stderr);
    let log = env
        .home
        .path()
        .join(".local/state/ploy-connect/ploy-connect.log");
    all.extend(std::fs::read(log).unwrap_or_default());
    (out.status.code(), all)
}

fn assert_clean(all: &[u8], what: &str) {
    let text = String::from_utf8_lossy(all);
    for leak in [SECRET, LIVE_TOKEN, &SECRET[..10]] {
        assert!(!text.contains(leak), "{what}: {leak} leaked:\n{text}");
    }
    assert!(
        !all.contains(&0x1b),
        "{what}: an ESC byte reached the output:\n{text}"
    );
    assert!(
        !all.contains(&0x07),
        "{what}: a BEL byte reached the output"
    );
}

#[test]
fn the_binary_prints_no_secret_token_or_escape_byte() {
    let env = env_or_skip!();
    for (mode, args) in [
        (Mode::EchoUnauthorized, vec!["test", "acme"]),
        (Mode::EchoUnauthorized, vec!["users", "acme"]),
        (Mode::EchoBearer, vec!["users", "acme"]),
        (Mode::UndecodableToken, vec!["test", "acme", "--json"]),
        (Mode::EscapeError, vec!["test", "acme"]),
        (Mode::EscapeNames, vec!["users", "acme"]),
        (Mode::EscapeNames, vec!["users", "acme", "--format", "json"]),
    ] {
        let server = Hostile::start(mode);
        setup_binary(&env, &server);
        let (code, all) = transcript(&env, &args);
        assert!(code.is_some(), "{mode:?} {args:?} ended");
        assert_clean(&all, &format!("{mode:?} {args:?}"));
    }
    // A hand-edited profiles file with escape sequences in a name and a host.
    let evil = ESCAPES
        .replace('\u{1b}', "\\u001B")
        .replace('\u{7}', "\\u0007");
    let text = std::fs::read_to_string(env.profiles_file()).unwrap();
    let text = text.replace("[profiles.acme]", &format!("[profiles.\"acme{evil}\"]"));
    std::fs::write(env.profiles_file(), text).unwrap();
    for args in [vec!["profiles", "list"], vec!["profiles", "list", "--json"]] {
        let (_, all) = transcript(&env, &args);
        assert_clean(&all, &format!("{args:?}"));
    }
}

#[test]
fn an_endless_body_keeps_memory_bounded_and_the_old_export() {
    let env = env_or_skip!();
    let server = Hostile::start(Mode::EndlessPage);
    setup_binary(&env, &server);
    let target = env.home.path().join("users.csv");
    std::fs::write(&target, "previous export\n").unwrap();
    let out = env
        .cmd()
        .args(["users", "acme", "--output"])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("32 MiB"));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "previous export\n"
    );
    // SAFETY: getrusage with a valid pointer; RUSAGE_CHILDREN covers every waited-for child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    let peak_mib = usage.ru_maxrss / 1024;
    assert!(peak_mib < 200, "peak RSS of the children: {peak_mib} MiB");
}

fn setup_okta_binary(env: &common::Env, server: &Hostile) {
    env.cmd()
        .args([
            "setup",
            "okta",
            "--profile",
            "corp",
            "--host",
            &server.host(),
        ])
        .args(["--client-id", "client-id", "--generate-key", "--no-test"])
        .assert()
        .success();
}

/// Above this a run is stopped: it has failed already, and must not take the machine's memory.
const KILL_MIB: u64 = 1024;

/// The peak resident memory of the process `pid` so far (its `VmHWM`), in MiB, once it runs
/// the binary (before its `exec` it is a shell).
fn peak_mib(pid: u32) -> Option<u64> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    if comm.trim() != "ploy-connect" {
        return None;
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024)
}

/// Runs the binary with `args`: its exit code, its stderr, and its own peak memory in MiB.
/// The peak is read from /proc while it runs: `getrusage` would also count this test process,
/// whose hostile servers build 20 MB pages.
fn run_measured(env: &common::Env, args: &str) -> (Option<i32>, String, u64) {
    let err = env.home.path().join("run.err");
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("exec {} {} {args}", env.shell_env(), common::BIN))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        peak = peak.max(peak_mib(child.id()).unwrap_or(0));
        if peak > KILL_MIB {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        // How often the high-water mark is sampled (it only grows); nothing waits on it.
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    (
        status,
        std::fs::read_to_string(&err).unwrap_or_default(),
        peak,
    )
}

/// Peak memory of an export under each hostile mode of the memory findings; printed for the
/// record (`cargo test --test hostile hostile_exports -- --nocapture`).
#[test]
fn hostile_exports_keep_memory_bounded() {
    let env = env_or_skip!();
    for (mode, integration, says) in [
        (Mode::HugeNames, Integration::OneTrust, None),
        (
            Mode::TinyUsers,
            Integration::OneTrust,
            Some("more than 2000 entries in one list"),
        ),
        (Mode::LongLinks, Integration::Okta, Some("after=")),
        (
            Mode::NotLastForever,
            Integration::OneTrust,
            Some("never says which page is the last"),
        ),
    ] {
        let server = Hostile::start(mode);
        let profile = match integration {
            Integration::OneTrust => {
                setup_binary(&env, &server);
                "acme"
            }
            Integration::Okta => {
                setup_okta_binary(&env, &server);
                "corp"
            }
        };
        let out = env.home.path().join("users.csv");
        let _ = std::fs::remove_file(&out);
        let (code, stderr, peak) = run_measured(
            &env,
            &format!("users {profile} --output '{}'", out.display()),
        );
        println!("{mode:?}: export peak RSS {peak} MiB, exit {code:?}");
        assert!(peak <= 100, "{mode:?}: peak RSS {peak} MiB");
        assert!(
            stderr.len() < 4000,
            "{mode:?}: {} bytes on stderr",
            stderr.len()
        );
        match says {
            None => {
                assert_eq!(code, Some(0), "{mode:?}: {stderr}");
                let csv = std::fs::read_to_string(&out).unwrap();
                assert_eq!(csv.lines().count(), 241, "{mode:?}");
                assert!(csv.lines().skip(1).all(|l| l.contains("…")), "{mode:?}");
            }
            Some(says) => {
                assert_eq!(code, Some(1), "{mode:?}: {stderr}");
                assert!(stderr.contains(says), "{mode:?}: {stderr}");
            }
        }
    }
}

/// The TUI loading 240 users with 1 MB names: the table keeps them cut, and the reader takes
/// 20 MB pages one at a time (`cargo test --test hostile the_tui -- --nocapture` prints it).
#[test]
fn the_tui_keeps_memory_bounded_against_huge_names() {
    if !common::tools_available(&["tmux"]) {
        return;
    }
    let env = env_or_skip!();
    let server = Hostile::start(Mode::HugeNames);
    setup_binary(&env, &server);
    let t = common::tmux::Tmux::exec(&env.shell_env(), common::BIN);
    let pid = t.pane_pid();
    t.wait_for("acme");
    t.keys(&["u"]);
    let peak = std::cell::Cell::new(0);
    let screen = t.wait_until_within(
        "240 users loaded",
        |s| {
            peak.set(peak.get().max(peak_mib(pid).unwrap_or(0)));
            (s.contains("240 users") && !s.contains("Loading")) || peak.get() > KILL_MIB
        },
        std::time::Duration::from_secs(120),
    );
    let peak = peak.get().max(peak_mib(pid).unwrap_or(0));
    println!("HugeNames: TUI peak RSS {peak} MiB");
    assert!(peak <= 150, "TUI peak RSS {peak} MiB:\n{screen}");
    assert!(screen.contains("…"), "names are cut visibly:\n{screen}");
}

/// Characters of `FORGED` that must never reach a terminal or a JSON reader raw.
const INVISIBLE: [char; 8] = [
    '\u{7f}',
    '\u{85}',
    '\u{202e}',
    '\u{200b}',
    '\u{2028}',
    '\u{ad}',
    '\u{feff}',
    '\u{e0041}',
];

fn assert_no_forged_step(stdout: &str, what: &str) {
    for line in stdout.lines() {
        assert!(
            !(line.trim_start().starts_with("\u{2713} users") && line.contains("(forged)")),
            "{what}: a server's text printed a step of its own:\n{stdout}"
        );
    }
}

fn assert_nothing_invisible(all: &str, what: &str) {
    for c in INVISIBLE {
        assert!(
            !all.contains(c),
            "{what}: U+{:04X} reached the output raw:\n{all:?}",
            c as u32
        );
    }
}

#[test]
fn a_servers_text_cannot_forge_a_step_or_break_json() {
    let env = env_or_skip!();
    for mode in [Mode::ForgedError, Mode::ForgedTokenType] {
        let server = Hostile::start(mode);
        setup_binary(&env, &server);
        let out = env.cmd().args(["test", "acme"]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let all = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert_no_forged_step(&stdout, &format!("{mode:?}"));
        assert_nothing_invisible(&all, &format!("{mode:?}"));
        assert!(
            stdout.contains("(forged)"),
            "{mode:?}: shown, not hidden:\n{stdout}"
        );

        let out = env.cmd().args(["test", "acme", "--json"]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let report: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{mode:?}: test --json is not JSON ({e}):\n{stdout}"));
        assert_nothing_invisible(&stdout, &format!("{mode:?} --json"));
        // What the server said arrives intact for a program to read.
        let said = common::step(&report, "token")["detail"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            said.contains("\u{202e}") && said.contains("(forged)"),
            "{said:?}"
        );
        let code = out.status.code();
        assert!(code == Some(0) || code == Some(1), "{mode:?}: {code:?}");
    }
    let (_, all) = transcript(&env, &["status", "--json"]);
    let text = String::from_utf8_lossy(&all);
    let json_line = text.lines().next().unwrap_or_default();
    serde_json::from_str::<serde_json::Value>(json_line)
        .unwrap_or_else(|e| panic!("status --json is not JSON ({e}):\n{text}"));
}
