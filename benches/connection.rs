//! Connection-test latency and user-export throughput against the emulator on loopback.
//!
//!     cargo bench --bench connection
//!
//! Prints figures; asserts nothing (timing belongs in reports, not in tests).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ploy_connect::check;
use ploy_connect::emulator::{EmulatorConfig, EmulatorThread};
use ploy_connect::integration::Integration;
use ploy_connect::profile::{self, CachedNonce, OktaSettings, Profile};
use ploy_connect::secret::{MemoryStore, Vault};
use ploy_connect::session;
use ploy_connect::users::{ExportFormat, Exporter};
use secrecy::SecretString;
use time::OffsetDateTime;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn profile_for(emulator: &EmulatorThread, vault: &Vault) -> Profile {
    let c = &emulator.credentials.onetrust;
    let now = OffsetDateTime::now_utc();
    let p = Profile {
        integration: Integration::OneTrust,
        host: c.host.clone(),
        client_id: c.client_id.clone(),
        secret_ref: profile::new_secret_ref(),
        created: now,
        updated: now,
        last_test: None,
        okta: None,
    };
    vault
        .set(
            &session::secret_key("bench", &p),
            SecretString::from(c.client_secret.clone()),
        )
        .await
        .expect("store secret");
    p
}

async fn okta_profile(emulator: &EmulatorThread, vault: &Vault) -> Profile {
    let c = &emulator.credentials.okta;
    let now = OffsetDateTime::now_utc();
    let p = Profile {
        integration: Integration::Okta,
        host: c.host.clone(),
        client_id: c.client_id.clone(),
        secret_ref: profile::new_secret_ref(),
        created: now,
        updated: now,
        last_test: None,
        okta: Some(OktaSettings {
            key_id: None,
            dpop: true,
            scopes: vec!["okta.users.read".into()],
            dpop_nonce: None,
        }),
    };
    vault
        .set(
            &session::secret_key("bench", &p),
            SecretString::from(c.private_key_pem.clone()),
        )
        .await
        .expect("store key");
    p
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
    let vault = Vault::new(Arc::new(MemoryStore::new()));

    // 1. A full six-step connection test (250 users, the emulator's default).
    let emulator = EmulatorThread::start(EmulatorConfig::default()).expect("emulator");
    let p = rt.block_on(profile_for(&emulator, &vault));
    let runs = 200;
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let report = rt.block_on(check::run("bench", &p, &vault, None));
            assert!(report.ok, "{:?}", report.failure());
            t.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "connection test (6 steps, OneTrust, 250 users): n={runs} p50={:.2} ms p99={:.2} ms max={:.2} ms",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
    drop(emulator);

    // 2. Okta with DPoP: a cold run (no cached nonce) and a warm one (nonce from the last run).
    let emulator = EmulatorThread::start(EmulatorConfig::default()).expect("emulator");
    let cold_profile = rt.block_on(okta_profile(&emulator, &vault));
    let runs = 100;
    let mut nonce = None;
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    let mut cold_requests = 0;
    let mut warm_requests = 0;
    for _ in 0..runs {
        let before = emulator.okta_stats.snapshot();
        let t = Instant::now();
        let r = rt.block_on(check::run("bench", &cold_profile, &vault, None));
        cold.push(t.elapsed());
        assert!(r.ok, "{:?}", r.failure());
        let after = emulator.okta_stats.snapshot();
        cold_requests = after.token_requests - before.token_requests;
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
        let before = emulator.okta_stats.snapshot();
        let t = Instant::now();
        let r = rt.block_on(check::run("bench", &warm_profile, &vault, None));
        warm.push(t.elapsed());
        assert!(r.ok, "{:?}", r.failure());
        warm_requests = emulator.okta_stats.snapshot().token_requests - before.token_requests;
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
    drop(emulator);

    // 3. Export of 100k users to a sink, both vendors.
    let n = 100_000;
    let emulator = EmulatorThread::start(EmulatorConfig {
        users: n,
        ..EmulatorConfig::default()
    })
    .expect("emulator");
    let onetrust = rt.block_on(profile_for(&emulator, &vault));
    let okta = rt.block_on(okta_profile(&emulator, &vault));
    for (p, format, pages) in [
        (&onetrust, ExportFormat::Csv, "50 pages of 2000"),
        (&onetrust, ExportFormat::Json, "50 pages of 2000"),
        (&okta, ExportFormat::Csv, "pages of 200, DPoP"),
    ] {
        let t = Instant::now();
        let count = rt.block_on(async {
            let mut s = session::open("bench", p, &vault, None).await.expect("open");
            let mut out = Exporter::new(format, std::io::sink()).expect("exporter");
            let count = session::for_each_page(&mut s.connector, |page| {
                out.write(&page.users)
                    .map_err(|e| ploy_connect::diagnose::Failure::new("io", e.to_string()))
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
