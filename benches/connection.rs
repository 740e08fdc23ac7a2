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
use ploy_connect::profile::{self, Profile};
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

    // 2. Export of 100k users, CSV, to a sink.
    let n = 100_000;
    let emulator = EmulatorThread::start(EmulatorConfig {
        users: n,
        ..EmulatorConfig::default()
    })
    .expect("emulator");
    let p = rt.block_on(profile_for(&emulator, &vault));
    for format in [ExportFormat::Csv, ExportFormat::Json] {
        let t = Instant::now();
        let count = rt.block_on(async {
            let mut s = session::open("bench", &p, &vault, None)
                .await
                .expect("open");
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
            "export {count} users as {format:?} (50 pages of 2000, emulator in-process): {secs:.2} s, {:.0} users/s",
            count as f64 / secs
        );
    }
}
