//! Large tenants: every target of "a million users browsed in little memory, and fetches that
//! beat the network's floor", measured and printed as one table.
//!
//!     cargo bench --bench large            # everything (about five minutes)
//!     cargo bench --bench large -- --quick # a tenth of the users, to try it out
//!     cargo bench --bench large -- --only fetch|table|tui|export|entitlements|identities [--scale N] [--no-okta-export]
//!
//! `--only identities` (issue 19: a million Okta and a million OneTrust users joined, the
//! `identities` export and the TUI's Identities screen) runs only when asked for.
//!
//! Fetch times are in process against the emulator over an emulated network; memory is the
//! real binary's: the TUI driven in tmux, the `users` export as a child process. Those two
//! need tmux, dbus-daemon and gnome-keyring (as the end-to-end tests do) and are skipped,
//! with a line saying so, without them. Nothing here asserts: the figures are the result.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark that cannot set up has nothing to measure: it stops, loudly"
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::lab::Lab;
use common::tmux::Tmux;
use ploy_core::connector::Connector;
use ploy_core::diagnose::Failure;
use ploy_core::secret::{MemoryStore, Vault};
use ploy_core::session::{self, SecretSource};
use ploy_core::users::{Column, UserTable};
use ploy_emulator::{Network, Requests};

struct Row {
    what: String,
    target: String,
    measured: String,
    met: Option<bool>,
}

#[derive(Default)]
struct Report {
    rows: Vec<Row>,
}

impl Report {
    fn add(&mut self, what: &str, target: &str, measured: String, met: Option<bool>) {
        println!("  {what}: {measured}");
        self.rows.push(Row {
            what: what.into(),
            target: target.into(),
            measured,
            met,
        });
    }

    fn print(&self) {
        println!("\n| what | target | measured | met |\n|---|---|---|---|");
        for r in &self.rows {
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            };
            println!("| {} | {} | {} | {met} |", r.what, r.target, r.measured);
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The emulator's request counts (its admin endpoint; not any vendor's API).
fn requests(addr: SocketAddr) -> Requests {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {} HTTP/1.0\r\nHost: {addr}\r\n\r\n",
        ploy_emulator::STATS_PATH
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("{}");
    serde_json::from_str(body).unwrap()
}

async fn start_lab(users: usize, network: Network) -> Lab {
    start_lab_with(ploy_emulator::EmulatorConfig {
        users,
        seed: 7,
        network,
        ..ploy_emulator::EmulatorConfig::default()
    })
    .await
}

/// Both tenants as `config` makes them, with a profile each (acme: OneTrust, corp: Okta).
async fn start_lab_with(config: ploy_emulator::EmulatorConfig) -> Lab {
    let lab = Lab::of(Vault::new(Arc::new(MemoryStore::new())), config).await;
    lab.onetrust("acme", &lab.creds.onetrust.client_secret)
        .await;
    lab.okta("corp", |_| {}).await;
    lab
}

/// Reads every page of `name` into `each`: the time of the paging alone (the token is
/// fetched before the clock starts) and the pages read.
async fn fetch(
    lab: &Lab,
    name: &str,
    mut each: impl FnMut(Vec<ploy_core::users::User>),
) -> (Duration, u64, u64) {
    let profile = lab
        .services
        .store
        .load()
        .unwrap()
        .get(name)
        .unwrap()
        .clone();
    let source = SecretSource::Vault(&lab.services.vault);
    let mut s = session::open(name, &profile, &source, None).await.unwrap();
    s.connector.authenticate().await.unwrap();
    let mut pages = 0u64;
    let started = Instant::now();
    let users = session::for_each_page(&mut s.connector, |page| {
        pages += 1;
        each(page.users);
        Ok::<_, Failure>(())
    })
    .await
    .unwrap();
    (started.elapsed(), pages, users)
}

fn fetches(rt: &tokio::runtime::Runtime, scale: usize, report: &mut Report) {
    let rtt = Duration::from_millis(100);
    let network = Network {
        latency: rtt,
        ..Network::default()
    };
    let users = 100_000 / scale;
    let lab = rt.block_on(start_lab(users, network));
    let before = requests(lab.emulator.addr);
    let (concurrent, pages, _) = rt.block_on(fetch(&lab, "acme", |_| {}));
    let after = requests(lab.emulator.addr);
    let in_flight = session::pages_in_flight() as u64;
    // SAFETY: set before any other thread reads the environment for this fetch; the runtime's
    // workers are idle between `block_on` calls.
    unsafe { std::env::set_var("PLOY_CONNECT_PAGES_IN_FLIGHT", "1") };
    let (sequential, _, _) = rt.block_on(fetch(&lab, "acme", |_| {}));
    unsafe { std::env::remove_var("PLOY_CONNECT_PAGES_IN_FLIGHT") };
    let floor = rtt * pages.div_ceil(in_flight) as u32;
    let speedup = sequential.as_secs_f64() / concurrent.as_secs_f64();
    report.add(
        &format!("{users} OneTrust users, 100 ms RTT: {in_flight} pages in flight vs one"),
        "≥ 4× faster",
        format!(
            "{:.0} ms vs {:.0} ms ({pages} pages): {speedup:.1}×",
            ms(concurrent),
            ms(sequential)
        ),
        Some(speedup >= 4.0),
    );
    // What the same export costs with no network at all: the CPU of the emulator making and
    // this client reading the pages, which no number of pages in flight hides on two cores.
    let local = rt.block_on(async {
        let lab = start_lab(users, Network::default()).await;
        let took = fetch(&lab, "acme", |_| {}).await.0;
        lab.emulator.stop().await;
        took
    });
    let ratio = concurrent.as_secs_f64() / floor.as_secs_f64();
    report.add(
        "the same, against RTT × ⌈pages / in flight⌉",
        "≤ 1.3×",
        format!(
            "{:.0} ms vs {:.0} ms: {ratio:.2}× (the first page alone: +{:.0} ms; the same export at 0 ms RTT: {:.0} ms)",
            ms(concurrent),
            ms(floor),
            ms(rtt),
            ms(local)
        ),
        Some(ratio <= 1.3),
    );
    let ot = (
        after.onetrust.users_requests - before.onetrust.users_requests,
        after.onetrust.token_requests - before.onetrust.token_requests,
        after.onetrust.rate_limited - before.onetrust.rate_limited,
    );
    report.add(
        "OneTrust requests for that export",
        "one per page, no 429",
        format!(
            "{} users requests for {pages} pages, {} tokens, {} answered 429",
            ot.0, ot.1, ot.2
        ),
        Some(ot.0 as u64 == pages && ot.2 == 0),
    );

    let before = requests(lab.emulator.addr);
    let (okta, pages, read) = rt.block_on(fetch(&lab, "corp", |_| {}));
    let after = requests(lab.emulator.addr);
    let floor = rtt * pages as u32;
    let ratio = okta.as_secs_f64() / floor.as_secs_f64();
    report.add(
        &format!("{read} Okta users, 100 ms RTT, limit=200"),
        "≤ 1.1 × pages × RTT",
        format!(
            "{:.0} ms for {pages} pages vs {:.0} ms: {ratio:.2}×",
            ms(okta),
            ms(floor)
        ),
        Some(ratio <= 1.1),
    );
    let okta_requests = after.okta.users_requests - before.okta.users_requests;
    report.add(
        "Okta requests for that export",
        "one per page",
        format!("{okta_requests} users requests for {pages} pages"),
        Some(okta_requests as u64 == pages),
    );
    rt.block_on(lab.emulator.stop());
}

/// Issue 17's tenant: 100k Okta users, 2,000 groups, about eight memberships a person, 200
/// apps, over a 100 ms network, with Okta's rate limits in windows of `WINDOW` seconds
/// instead of 60 (the limits a window are Okta's). Users and entitlements are read at once,
/// as the TUI reads them, then one after the other, as a `users` export does (each user is
/// written once, with everything it holds). The floor: no bucket can do better than its
/// requests allow a window, and the users' pages follow one another's links.
fn entitlements(rt: &tokio::runtime::Runtime, scale: usize, report: &mut Report) {
    const WINDOW: u64 = 10;
    let rtt = Duration::from_millis(100);
    let users = 100_000 / scale;
    let shape = ploy_emulator::access::Shape {
        groups: 2_000 / scale,
        apps: (200 / scale).max(6),
        memberships: 8,
    };
    let config = ploy_emulator::EmulatorConfig {
        users,
        seed: 7,
        network: Network {
            latency: rtt,
            ..Network::default()
        },
        shape: Some(shape),
        rate_window_secs: WINDOW,
        ..ploy_emulator::EmulatorConfig::default()
    };
    for together in [true, false] {
        let lab = rt.block_on(async {
            let lab = Lab::of(Vault::new(Arc::new(MemoryStore::new())), config.clone()).await;
            lab.okta("corp", |_| {}).await;
            lab
        });
        let (took, pages, read, grants) = rt.block_on(async {
            let profile = lab.profile("corp");
            let source = SecretSource::Vault(&lab.services.vault);
            let mut s = session::open("corp", &profile, &source, None)
                .await
                .unwrap();
            s.connector.authenticate().await.unwrap();
            let started = Instant::now();
            let reader = session::entitlement_reader(&s.connector).unwrap();
            let mut pages = 0u64;
            let (read, e) = if together {
                let beside = tokio::spawn(async move { reader.read(&mut |_| {}).await });
                let read = session::for_each_page(&mut s.connector, |_| {
                    pages += 1;
                    Ok::<_, Failure>(())
                })
                .await
                .unwrap();
                (read, beside.await.unwrap().unwrap())
            } else {
                let e = reader.read(&mut |_| {}).await.unwrap();
                let read = session::for_each_page(&mut s.connector, |_| {
                    pages += 1;
                    Ok::<_, Failure>(())
                })
                .await
                .unwrap();
                (read, e)
            };
            (started.elapsed(), pages, read, e.total())
        });
        let window = Duration::from_secs(lab.emulator.okta.window() as u64);
        let buckets = lab.emulator.okta.bucket_totals();
        // A bucket's last request cannot leave before the window it falls in opens; the
        // users' pages are a chain of round trips.
        let chain = rtt * pages as u32;
        let (slowest, floor) = buckets
            .iter()
            .map(|(name, limit, total)| {
                let windows = total.saturating_sub(1) / u64::from((*limit).max(1));
                (*name, window * windows as u32 + rtt)
            })
            .chain(std::iter::once(("users pages", chain)))
            .max_by_key(|(_, f)| *f)
            .unwrap();
        let ratio = took.as_secs_f64() / floor.as_secs_f64();
        let stats = lab.emulator.okta_stats.snapshot();
        let counts: Vec<String> = buckets
            .iter()
            .map(|(n, l, t)| format!("{n} {t}/{l}"))
            .collect();
        let how = if together {
            "read at once (TUI)"
        } else {
            "entitlements, then users (`users` export)"
        };
        report.add(
            &format!(
                "{read} Okta users + {} entitlements ({} groups, {} apps), 100 ms RTT, {WINDOW} s windows, {how}",
                ploy_core::text::thousands(grants),
                shape.groups,
                shape.apps
            ),
            "≤ 1.2 × floor, 0 × 429",
            format!(
                "{:.1} s vs floor {:.1} s ({slowest}): {ratio:.2}×; {} answered 429; requests/limit a window: {}",
                took.as_secs_f64(),
                floor.as_secs_f64(),
                stats.rate_limited,
                counts.join(", ")
            ),
            Some(ratio <= 1.2 && stats.rate_limited == 0),
        );
        rt.block_on(lab.emulator.stop());
    }
}

fn p(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn table(rt: &tokio::runtime::Runtime, scale: usize, report: &mut Report) {
    let users = 1_000_000 / scale;
    let lab = rt.block_on(start_lab(users, Network::default()));
    let mut t = UserTable::default();
    // OneTrust's access levels come with each user: kept beside the table, as the TUI does.
    let mut held = ploy_core::entitlements::Entitlements::default();
    let (took, _, n) = rt.block_on(fetch(&lab, "acme", |mut page| {
        for u in &mut page {
            let access = std::mem::take(&mut u.access);
            held.grant_all(&u.id, &access);
        }
        t.push(page)
    }));
    report.add(
        &format!("{n} OneTrust users read into the table, loopback"),
        "—",
        format!(
            "{:.1} s, {:.0} users/s",
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64()
        ),
        None,
    );
    rt.block_on(lab.emulator.stop());

    // What an admin types: narrowing letter by letter, deleting back, a name, an email
    // fragment, a status, and text nobody has.
    let mut filters: Vec<String> = Vec::new();
    for word in ["jennifer", "smith.", "0000042", "locked", "zqxv", "@acme"] {
        for i in 1..=word.len() {
            filters.push(word[..i].into());
        }
        for i in (0..word.len()).rev() {
            filters.push(word[..i].into());
        }
    }
    let mut times = Vec::new();
    let mut slowest = Vec::new();
    for f in &filters {
        let started = Instant::now();
        t.set_filter(f);
        let took = started.elapsed();
        times.push(took);
        slowest.push((took, f.clone(), t.shown()));
    }
    slowest.sort();
    for (took, f, shown) in slowest.iter().rev().take(6) {
        println!("    {:.2} ms for {f:?} ({shown} shown)", ms(*took));
    }
    times.sort();
    let (p50, p99, max) = (p(&times, 0.5), p(&times, 0.99), times[times.len() - 1]);
    report.add(
        &format!("filter keystroke at {n} users ({} keystrokes)", times.len()),
        "p99 ≤ 16 ms",
        format!(
            "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(p50),
            ms(p99),
            ms(max)
        ),
        Some(p99 <= Duration::from_millis(16)),
    );

    // "Who holds this?": the entitlements view's Enter, for the most held access level and
    // for a rare one, and a typed `access:` term.
    let counts = held.counts();
    let mut by_count: Vec<(u32, u32)> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i as u32))
        .collect();
    by_count.sort();
    let started = Instant::now();
    t.set_entitlements(Arc::new(held));
    let indexed = started.elapsed();
    let mut asks = vec![(
        Duration::ZERO,
        format!("holders indexed once in {:.0} ms", ms(indexed)),
    )];
    if let (Some(&(_, rare)), Some(&(_, common))) = (by_count.first(), by_count.last()) {
        for filter in [
            ploy_core::users::holders_filter(common),
            ploy_core::users::holders_filter(rare),
            "access:admin".to_string(),
        ] {
            t.set_filter("");
            let started = Instant::now();
            t.set_filter(&filter);
            let took = started.elapsed();
            asks.push((
                took,
                format!("{filter}: {} shown in {:.1} ms", t.shown(), ms(took)),
            ));
        }
    }
    t.set_filter("");
    let worst_ask = asks.iter().map(|(d, _)| *d).max().unwrap_or_default();
    report.add(
        &format!("who holds an access level, {n} OneTrust users with 1–3 each"),
        "≤ 50 ms",
        asks.into_iter()
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join("; "),
        Some(worst_ask <= Duration::from_millis(50)),
    );

    let mut worst = Duration::ZERO;
    let mut each = Vec::new();
    for c in Column::ALL {
        let started = Instant::now();
        t.sort_by(c);
        while let Some(job) = t.sort_job() {
            t.sorted(job.run());
        }
        let took = started.elapsed();
        worst = worst.max(took);
        each.push(format!("{} {:.0}", c.title(), ms(took)));
    }
    report.add(
        &format!("sort at {n} users, each column (ms; on a worker thread in the TUI)"),
        "≤ 300 ms",
        each.join(", "),
        Some(worst <= Duration::from_millis(300)),
    );
}

/// The peak and current resident memory of a process, in KiB.
fn memory(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

fn setup_profiles(env: &common::Env, lab: &Lab) {
    let ot = &lab.creds.onetrust;
    env.cmd()
        .args(["setup", "onetrust", "--profile", "acme", "--host", &ot.host])
        .args([
            "--client-id",
            &ot.client_id,
            "--client-secret-stdin",
            "--no-test",
        ])
        .write_stdin(ot.client_secret.clone())
        .assert()
        .success();
    let key = env.file("okta-key.pem", &lab.creds.okta.private_key_pem);
    env.cmd()
        .args([
            "setup",
            "okta",
            "--profile",
            "corp",
            "--host",
            &lab.creds.okta.host,
        ])
        .args([
            "--client-id",
            &lab.creds.okta.client_id,
            "--private-key-file",
        ])
        .arg(key)
        .arg("--no-test")
        .assert()
        .success();
}

/// `users` of `profile` to a file, as a child process: its peak memory (KiB), the time, and
/// whether it worked.
fn export(env: &common::Env, profile: &str, out: &Path) -> (u64, Duration, bool) {
    child_peak(env, &format!("users {profile} -o '{}'", out.display()))
}

/// The user count on a users screen that has finished loading.
fn loaded(screen: &str) -> Option<String> {
    screen
        .lines()
        .filter(|l| !l.contains("Loading…"))
        .find_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words.windows(2).find_map(|w| {
                // "97,061 users": the count with its thousands separators.
                (!w[0].is_empty()
                    && w[0].chars().all(|c| c.is_ascii_digit() || c == ',')
                    && w[1] == "users")
                    .then(|| w[0].replace(',', ""))
            })
        })
}

/// The TUI browsing `profile`: loaded, filtered, sorted by two columns. Peak memory (KiB)
/// and how long loading took.
fn tui(env: &common::Env, profile_key: &str, limit: Duration) -> (u64, u64, Duration, String) {
    // `exec`, so the pane's process is the TUI.
    let wrapped = format!("{} {}", wrapper(), common::BIN);
    let t = Tmux::exec(&env.shell_env(), &wrapped);
    let pid = t.pane_pid();
    t.wait_until_within("home", |s| s.contains("corp") || s.contains("acme"), limit);
    if profile_key == "j" {
        t.keys(&["j"]);
    }
    let started = Instant::now();
    t.keys(&["u"]);
    let screen = t.wait_until_within("the users loaded", |s| loaded(s).is_some(), limit);
    // And what they hold: the header says "N entitlements" once all are in.
    t.wait_until_within(
        "the entitlements loaded",
        |s| s.contains(" entitlements") && !s.contains("entitlements:") && !s.contains("loading"),
        limit,
    );
    let took = started.elapsed();
    let count = loaded(&screen).unwrap_or_default();
    t.keys(&["/"]);
    t.type_text("ann");
    t.keys(&["Enter"]);
    t.wait_until_within("the filter", |s| s.contains("match \"ann\""), limit);
    for column in ["Name ▲", "Email / login ▲"] {
        t.keys(&["s"]);
        t.wait_until_within(
            column,
            |s| s.contains(column) && !s.contains("sorting…"),
            limit,
        );
    }
    // Back to every user: the widest view, sorted again.
    t.keys(&["/"]);
    t.keys(&["Escape"]);
    t.wait_until_within(
        "the filter cleared",
        |s| !s.contains("match \"ann\"") && !s.contains("sorting…"),
        limit,
    );
    let (peak, now) = memory(pid).unwrap_or_default();
    (peak, now, took, count)
}

fn binaries(
    scale: usize,
    report: &mut Report,
    rt: &tokio::runtime::Runtime,
    runs: impl Fn(&str) -> bool,
) {
    let Some(env) = common::Env::with_keyring() else {
        report.add(
            "TUI and export memory",
            "—",
            "skipped: needs dbus-daemon and gnome-keyring".into(),
            None,
        );
        return;
    };
    if !common::tools_available(&["tmux"]) {
        report.add("TUI memory", "—", "skipped: needs tmux".into(), None);
        return;
    }
    if runs("tui") {
        // 100k: issue 17's Okta org (2,000 groups, about eight memberships a person, 200
        // apps), its rate-limit windows shortened to a second so the bench waits seconds.
        let lab100 = rt.block_on(start_lab_with(ploy_emulator::EmulatorConfig {
            users: 100_000 / scale,
            seed: 7,
            shape: Some(ploy_emulator::access::Shape::bench()),
            rate_window_secs: 1,
            ..ploy_emulator::EmulatorConfig::default()
        }));
        setup_profiles(&env, &lab100);
        let (peak, _, took, count) = tui(&env, "j", Duration::from_secs(300));
        report.add(
            &format!(
                "TUI peak RSS, {count} Okta users with their groups, apps and roles, filtered, sorted twice"
            ),
            "≤ 80 MB",
            format!("{:.1} MB (loaded in {:.1} s)", mb(peak), took.as_secs_f64()),
            Some(mb(peak) <= 80.0),
        );
        rt.block_on(lab100.emulator.stop());
    }

    // Issue 17's shape at a million (about eight memberships a person), rate-limit windows
    // of a second: the Okta export below is a million users × their entitlements in minutes.
    let lab1m = rt.block_on(start_lab_with(ploy_emulator::EmulatorConfig {
        users: 1_000_000 / scale,
        seed: 7,
        shape: Some(ploy_emulator::access::Shape::bench()),
        rate_window_secs: 1,
        ..ploy_emulator::EmulatorConfig::default()
    }));
    let env = common::Env::with_keyring().unwrap();
    setup_profiles(&env, &lab1m);
    if runs("tui") {
        let (peak, _, took, count) = tui(&env, "k", Duration::from_secs(900));
        report.add(
            &format!(
                "TUI peak RSS, {count} OneTrust users with 1–3 access levels, filtered, sorted twice"
            ),
            "≤ 300 MB",
            format!("{:.1} MB (loaded in {:.1} s)", mb(peak), took.as_secs_f64()),
            Some(mb(peak) <= 300.0),
        );
    }
    if !runs("export") {
        rt.block_on(lab1m.emulator.stop());
        return;
    }

    let out = env.home.path().join("users.csv");
    let rows_in = |out: &Path| {
        std::fs::read(out)
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
            .saturating_sub(1)
    };
    let (peak, took, ok) = export(&env, "acme", &out);
    let rows = if ok { rows_in(&out) } else { 0 };
    let rate = rows as f64 / took.as_secs_f64();
    report.add(
        &format!("`users acme -o users.csv`, {rows} OneTrust users, loopback"),
        "RSS ≤ 40 MB, ≥ 50k users/s",
        format!(
            "{:.1} MB peak, {:.1} s, {rate:.0} users/s{}",
            mb(peak),
            took.as_secs_f64(),
            if ok { "" } else { " (failed)" }
        ),
        Some(ok && mb(peak) <= 40.0 && rate >= 50_000.0),
    );
    if std::env::args().any(|a| a == "--no-okta-export") {
        rt.block_on(lab1m.emulator.stop());
        return;
    }
    // Entitlements first (each user is written once, with all it holds), then the users,
    // each bucket at its limit a (one-second) window.
    let (peak, took, ok) = export(&env, "corp", &out);
    let rows = if ok { rows_in(&out) } else { 0 };
    let last = std::fs::read_to_string(env.home.path().join("export.err")).unwrap_or_default();
    report.add(
        &format!(
            "`users corp -o users.csv`, {rows} Okta users with their entitlements, 1 s windows"
        ),
        "RSS ≤ 60 MB",
        format!(
            "{:.1} MB peak, {:.1} s{} — {}",
            mb(peak),
            took.as_secs_f64(),
            if ok { "" } else { " (failed)" },
            last.lines().last().unwrap_or("").trim()
        ),
        Some(ok && mb(peak) <= 60.0),
    );
    rt.block_on(lab1m.emulator.stop());
}

/// Issue 19: a million Okta and a million OneTrust users (the emulator's overlapping
/// tenants, issue 17's default shape scaled to them, one-second rate-limit windows) read in
/// process and joined: the join's time after both are read, and what the parts hold. Then the
/// real binary: `identities` exported as a child process (its peak RSS), and the TUI's
/// Identities screen in tmux holding both and the join (its peak RSS).
fn identities(rt: &tokio::runtime::Runtime, scale: usize, report: &mut Report) {
    use ploy_core::identities::{self, Part, Rules};
    let users = 1_000_000 / scale;
    let config = ploy_emulator::EmulatorConfig {
        users,
        seed: 7,
        rate_window_secs: 1,
        ..ploy_emulator::EmulatorConfig::default()
    };
    let lab = rt.block_on(start_lab_with(config));
    let (read_took, parts) = rt.block_on(async {
        let started = Instant::now();
        let read = |name: &'static str| {
            let lab = &lab;
            async move {
                let profile = lab.profile(name);
                let source = SecretSource::Vault(&lab.services.vault);
                let mut s = session::open(name, &profile, &source, None).await.unwrap();
                let mut part = Part::in_memory(name, profile.integration);
                identities::read_profile(&mut s.connector, &mut part, false, &mut |_| {})
                    .await
                    .unwrap();
                part
            }
        };
        let (corp, acme) = tokio::join!(read("corp"), read("acme"));
        (started.elapsed(), vec![corp, acme])
    });
    let held: usize = parts.iter().map(Part::bytes).sum();
    let accounts: usize = parts.iter().map(Part::len).sum();
    let rules = Rules::new(
        time::OffsetDateTime::now_utc(),
        identities::DEFAULT_DORMANT_DAYS,
    );
    let started = Instant::now();
    let ids = identities::join(parts, rules);
    let took = started.elapsed();
    let c = ids.counts();
    report.add(
        &format!(
            "join of {} accounts (Okta + OneTrust) into {} people, after both were read ({:.1} s)",
            ploy_core::text::thousands(accounts as u64),
            ploy_core::text::thousands(ids.len() as u64),
            read_took.as_secs_f64()
        ),
        "≤ 2 s",
        format!(
            "{:.0} ms; parts hold {:.0} MB (numbers, digests, text); flags: {}",
            ms(took),
            held as f64 / 1048576.0,
            ploy_core::identities::Flag::ALL
                .iter()
                .map(|f| format!("{} {}", c.of(*f), f.id()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(took <= Duration::from_secs(2)),
    );
    drop(ids);

    let Some(env) = common::Env::with_keyring() else {
        report.add(
            "identities export and TUI memory",
            "—",
            "skipped: needs dbus-daemon and gnome-keyring".into(),
            None,
        );
        rt.block_on(lab.emulator.stop());
        return;
    };
    setup_profiles(&env, &lab);
    let out = env.home.path().join("identities.csv");
    let (peak, took, ok) = child_peak(&env, &format!("identities -o '{}'", out.display()));
    let rows = std::fs::read(&out)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        .saturating_sub(1);
    let last = std::fs::read_to_string(env.home.path().join("export.err")).unwrap_or_default();
    report.add(
        &format!("`identities -o identities.csv`, {rows} accounts of both tenants"),
        "RSS ≤ 120 MB",
        format!(
            "{:.1} MB peak, {:.1} s{} — {}",
            mb(peak),
            took.as_secs_f64(),
            if ok { "" } else { " (failed)" },
            last.lines().last().unwrap_or("").trim()
        ),
        Some(ok && mb(peak) <= 120.0),
    );
    if common::tools_available(&["tmux"]) {
        let wrapped = format!(
            "{} {}",
            std::env::var("PLOY_BENCH_WRAP").unwrap_or_default(),
            common::BIN
        );
        let t = Tmux::exec(&env.shell_env(), &wrapped);
        let pid = t.pane_pid();
        let limit = Duration::from_secs(1800);
        t.wait_until_within("home", |s| s.contains("corp") || s.contains("acme"), limit);
        let started = Instant::now();
        t.keys(&["I"]);
        t.wait_until_within("the join", |s| s.contains(" people · "), limit);
        let took = started.elapsed();
        t.keys(&["/"]);
        t.type_text("flag:orphan");
        t.keys(&["Enter"]);
        t.wait_until_within(
            "the filter",
            |s| s.contains(" people") && s.contains(" of "),
            limit,
        );
        let (peak, _) = memory(pid).unwrap_or_default();
        report.add(
            "TUI Identities screen holding both tenants and the join, filtered by flag:orphan",
            "peak RSS ≤ 450 MB",
            format!(
                "{:.1} MB (read and joined in {:.1} s)",
                mb(peak),
                took.as_secs_f64()
            ),
            Some(mb(peak) <= 450.0),
        );
    }
    rt.block_on(lab.emulator.stop());
}

/// `ploy-connect ARGS` as a child process: its own peak memory (KiB), the time, and whether
/// it worked (stderr in `export.err`). The peak is the process's own `VmHWM`, read every
/// 10 ms until it exits: `wait4`'s `ru_maxrss` would also count the pages this (large)
/// process shared with it at `fork`, before its `exec`. `exec` all the way down: the child's
/// pid is the command's.
/// A profiler to run the binary under (`PLOY_BENCH_WRAP=heaptrack`): its figures then measure
/// the profiler too, but its report says where the memory went.
fn wrapper() -> String {
    std::env::var("PLOY_BENCH_WRAP").unwrap_or_default()
}

fn child_peak(env: &common::Env, args: &str) -> (u64, Duration, bool) {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "exec {} {} {} {args}",
            env.shell_env(),
            wrapper(),
            common::BIN
        ))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(env.home.path().join("export.err")).unwrap());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        let image =
            std::fs::read_to_string(format!("/proc/{}/comm", child.id())).unwrap_or_default();
        if image.trim() == "ploy-connect" {
            peak = peak.max(memory(child.id()).map_or(0, |m| m.0));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = started.elapsed();
    if !status.success() {
        let err = std::fs::read_to_string(env.home.path().join("export.err")).unwrap_or_default();
        println!("  `{args}` failed:\n{err}");
    }
    (peak, took, status.success())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scale = args
        .iter()
        .position(|a| a == "--scale")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(if args.iter().any(|a| a == "--quick") {
            10
        } else {
            1
        });
    // `--only fetch|table|tui|export` runs one part.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).cloned());
    let runs = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut report = Report::default();
    if runs("fetch") {
        println!("Fetching over an emulated 100 ms network…");
        fetches(&rt, scale, &mut report);
    }
    if runs("entitlements") {
        println!("Okta users and entitlements over an emulated 100 ms network…");
        entitlements(&rt, scale, &mut report);
    }
    if only.as_deref() == Some("identities") {
        println!("Identities: a million Okta and a million OneTrust users joined…");
        identities(&rt, scale, &mut report);
    }
    if runs("table") {
        println!("The users table at a million users…");
        table(&rt, scale, &mut report);
    }
    if runs("tui") || runs("export") {
        println!("The real binary: TUI and export memory…");
        let only = only.clone();
        let part = move |p: &str| only.as_deref().is_none_or(|o| o == p);
        binaries(scale, &mut report, &rt, part);
    }
    report.print();
}
