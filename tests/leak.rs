//! A secret must never reach disk (outside the keyring), a log, stdout or stderr.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{Env, tenant};

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        // The keyring's own encrypted store is where the secret belongs.
        if p.ends_with("keyrings") {
            continue;
        }
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn secrets_appear_nowhere_but_the_keyring() {
    let Some(env) = Env::with_keyring() else {
        return;
    };
    let t = tenant(2500, &[]);
    let wrong = "Wr0ng-Secret-Value-That-Must-Not-Leak";
    let mut transcript: Vec<u8> = Vec::new();
    let mut run = |args: &[&str], stdin: Option<&str>, envs: &[(&str, &str)]| {
        let mut c = env.cmd();
        c.args(args).env("PLOY_CONNECT_LOG", "trace");
        for (k, v) in envs {
            c.env(k, v);
        }
        if let Some(s) = stdin {
            c.write_stdin(s.to_string());
        }
        let out = c.output().expect("run");
        transcript.extend_from_slice(&out.stdout);
        transcript.extend_from_slice(&out.stderr);
    };
    let export = env.home.path().join("export.json");
    let export_arg = export.to_string_lossy().to_string();
    run(
        &[
            "setup",
            "onetrust",
            "--profile",
            "acme",
            "--host",
            &t.host,
            "--client-id",
            &t.client_id,
            "--client-secret-stdin",
        ],
        Some(&t.client_secret),
        &[],
    );
    run(&["test", "acme"], None, &[]);
    run(&["test", "acme", "--json"], None, &[]);
    run(
        &["rotate", "acme", "--client-secret-stdin"],
        Some(wrong),
        &[],
    );
    run(&["test", "acme", "--json"], None, &[]);
    run(
        &["rotate", "acme"],
        None,
        &[("PLOY_CONNECT_CLIENT_SECRET", &t.client_secret)],
    );
    run(
        &["users", "acme", "--format", "json", "--output", &export_arg],
        None,
        &[],
    );
    run(&["users", "acme"], None, &[]);
    run(&["profiles", "show", "acme"], None, &[]);
    run(&["profiles", "list", "--verbose"], None, &[]);

    // Okta: the key from a file, from stdin, and from the environment.
    let pem_file = env.home.path().join("okta.pem");
    std::fs::write(&pem_file, &t.okta.private_key_pem).unwrap();
    let pem_arg = pem_file.to_string_lossy().to_string();
    let okta_setup = [
        "setup",
        "okta",
        "--profile",
        "corp",
        "--host",
        &t.okta.host,
        "--client-id",
        &t.okta.client_id,
        "--private-key-file",
        &pem_arg,
    ];
    run(&okta_setup, None, &[]);
    run(&["test", "corp", "--json"], None, &[]);
    run(
        &["rotate", "corp", "--private-key-stdin"],
        Some(&t.okta.private_key_jwk),
        &[],
    );
    run(
        &["rotate", "corp"],
        None,
        &[("PLOY_CONNECT_PRIVATE_KEY", &t.okta.private_key_pem)],
    );
    run(&["users", "corp", "--format", "json"], None, &[]);
    run(&["profiles", "show", "corp"], None, &[]);
    // The admin's own key file is the one place the key may be on disk.
    std::fs::remove_file(&pem_file).unwrap();

    let text = String::from_utf8_lossy(&transcript);
    // setup, test and rotate for OneTrust; setup and two rotates for Okta.
    assert_eq!(
        text.matches("Connection OK").count(),
        6,
        "every run that should pass did:\n{text}"
    );
    assert!(export.exists());
    let mut files = Vec::new();
    files_under(env.home.path(), &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("ploy-connect.log")),
        "the log file was written: {files:?}"
    );
    let jwk: serde_json::Value = serde_json::from_str(&t.okta.private_key_jwk).unwrap();
    let pem_line = t.okta.private_key_pem.lines().nth(3).unwrap().to_string();
    let d = jwk["d"].as_str().unwrap()[..40].to_string();
    for secret in [
        t.client_secret.as_str(),
        wrong,
        pem_line.as_str(),
        d.as_str(),
    ] {
        assert!(!text.contains(secret), "secret in stdout/stderr");
        for f in &files {
            let bytes = std::fs::read(f).unwrap_or_default();
            let hit = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!hit, "secret found in {}", f.display());
        }
    }
}
