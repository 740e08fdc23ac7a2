//! Connection-test latency and user-export throughput against the emulator on loopback.
//!
//!     cargo bench --bench connection
//!
//! Prints figures; asserts nothing (timing belongs in reports, not in tests).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark that cannot set up has nothing to measure: it stops, loudly"
)]

use std::time::{Duration, Instant};

use ploy_connect::demo;
use ploy_core::check;
use ploy_core::profile::CachedNonce;
use ploy_core::session::{self, SecretSource};
use ploy_core::users::{ExportFormat, Exporter};
use time::OffsetDateTime;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label}: n={} p50={:.2} ms p99={:.2} ms",
        times.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // 1. A full six-step connection test (250 users).
    let small = rt.block_on(demo::prepare(250)).expect("demo");
    let vault = &SecretSource::Vault(&small.services.vault);
    let profiles = small.services.store.load().expect("profiles");
    let onetrust = profiles.get("acme-onetrust").expect("profile").clone();
    let times: Vec<Duration> = (0..200)
        .map(|_| {
            let t = Instant::now();
            let report = rt.block_on(check::run("acme-onetrust", &onetrust, vault, None));
            assert!(report.ok, "{:?}", report.failure());
            t.elapsed()
        })
        .collect();
    report("connection test (6 steps, OneTrust, 250 users)", times);

    // 2. Okta with DPoP: a cold run (no cached nonce) and a warm one (nonce from the last run).
    let cold_profile = profiles.get("corp-okta").expect("profile").clone();
    let stats = &small.emulator.okta_stats;
    let runs = 100;
    let mut nonce = None;
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    let (mut cold_requests, mut warm_requests) = (0, 0);
    for _ in 0..runs {
        let before = stats.snapshot().token_requests;
        let t = Instant::now();
        let r = rt.block_on(check::run("corp-okta", &cold_profile, vault, None));
        cold.push(t.elapsed());
        assert!(r.ok, "{:?}", r.failure());
        cold_requests = stats.snapshot().token_requests - before;
        nonce = r.carry.dpop_nonce.clone();
    }
    let mut warm_profile = cold_profile.clone();
    if let Some(o) = warm_profile.okta.as_mut() {
        o.dpop_nonce = nonce.map(|value| CachedNonce {
            value,
            at: OffsetDateTime::now_utc(),
        });
    }
    for _ in 0..runs {
        let before = stats.snapshot().token_requests;
        let t = Instant::now();
        let r = rt.block_on(check::run("corp-okta", &warm_profile, vault, None));
        warm.push(t.elapsed());
        assert!(r.ok, "{:?}", r.failure());
        warm_requests = stats.snapshot().token_requests - before;
    }
    // Per run: GET / (tls step) + token requests + one users page.
    report(
        &format!(
            "okta DPoP test, cold: {cold_requests} token requests, {} HTTP requests",
            cold_requests + 2
        ),
        cold,
    );
    report(
        &format!(
            "okta DPoP test, warm: {warm_requests} token request, {} HTTP requests",
            warm_requests + 2
        ),
        warm,
    );
    drop(small);

    // 3. Export of 100k users to a sink, both vendors.
    let n = 100_000;
    let big = rt.block_on(demo::prepare(n)).expect("demo");
    let profiles = big.services.store.load().expect("profiles");
    for (name, format, pages) in [
        ("acme-onetrust", ExportFormat::Csv, "50 pages of 2000"),
        ("acme-onetrust", ExportFormat::Json, "50 pages of 2000"),
        ("corp-okta", ExportFormat::Csv, "pages of 200, DPoP"),
    ] {
        let p = profiles.get(name).expect("profile");
        let t = Instant::now();
        let count = rt.block_on(async {
            let mut s = session::open(name, p, &SecretSource::Vault(&big.services.vault), None)
                .await
                .expect("open");
            let mut out = Exporter::new(format, std::io::sink()).expect("exporter");
            let count = session::for_each_page(&mut s.connector, |page| {
                out.write(&page.users)
                    .map_err(|e| ploy_core::diagnose::Failure::new("io", e.to_string()))
            })
            .await
            .expect("export");
            out.finish().expect("finish");
            count
        });
        let secs = t.elapsed().as_secs_f64();
        println!(
            "export {count} {} users as {format:?} ({pages}, emulator in-process): {secs:.2} s, {:.0} users/s",
            p.integration,
            count as f64 / secs
        );
    }
}
