//! A secret must never reach disk (outside the keyring), a log, stdout or stderr.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

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

/// The private part of a PKCS#8 key as a JWK's "d" (base64url, no padding): the RSA private
/// exponent, or the EC private scalar.
fn private_d(pem_text: &str) -> String {
    use base64::Engine;
    use pkcs8::der::Decode;
    let block = pem::parse(pem_text).unwrap();
    let info = pkcs8::PrivateKeyInfo::from_der(block.contents()).unwrap();
    let d = match pkcs1::RsaPrivateKey::from_der(info.private_key) {
        Ok(rsa) => rsa.private_exponent.as_bytes().to_vec(),
        Err(_) => sec1::EcPrivateKey::from_der(info.private_key)
            .unwrap()
            .private_key
            .to_vec(),
    };
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d);
    // A prefix long enough to be unmistakable, short enough to survive any line wrapping.
    text[..40].to_string()
}

#[test]
fn secrets_appear_nowhere_but_the_keyring() {
    let Some(env) = Env::with_keyring() else {
        return;
    };
    // This test reads the keys made here back from its private keyring, in process. It is the
    // only test in this binary, and nothing else runs yet, so the environment is ours to set.
    unsafe {
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", env.bus_address().unwrap());
    }
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

    // Keys made here: a profile with one, its staged successor, promotion, and every command
    // that shows a public key. Their private halves are read back from the keyring below.
    let made_setup = [
        "setup",
        "okta",
        "--profile",
        "made",
        "--host",
        &t.okta.host,
        "--client-id",
        &t.okta.client_id,
        "--generate-key",
        "--key-type",
        "ec-p256",
    ];
    run(&made_setup, None, &[]);
    let private_keys = || -> Vec<String> {
        let all = ploy_core::profile::ProfileStore::new(env.config_dir())
            .load()
            .unwrap();
        let p = all.get("made").unwrap();
        let mut refs = vec![p.secret_ref.clone()];
        refs.extend(p.staged().map(|s| s.secret_ref.clone()));
        refs.iter()
            .map(|r| {
                let key = ploy_core::secret::SecretKey::new(
                    ploy_core::integration::Integration::Okta,
                    "made",
                    r,
                    ploy_core::secret::SecretKind::PrivateKey,
                );
                let value =
                    ploy_core::secret::SecretStore::get(&ploy_core::secret::KeyringStore, &key)
                        .unwrap()
                        .expect("the key made here is in the keyring");
                secrecy::ExposeSecret::expose_secret(&value).to_string()
            })
            .collect()
    };
    let mut made_keys = private_keys();
    let public = serde_json::from_str::<serde_json::Value>(&String::from_utf8_lossy(
        &env.cmd()
            .args(["keys", "show", "made", "--current"])
            .output()
            .unwrap()
            .stdout,
    ))
    .unwrap();
    t.emulator.okta.add_key(&public).unwrap();
    run(&["test", "made"], None, &[]);
    run(&["rotate", "made", "--generate-key"], None, &[]);
    made_keys.extend(private_keys());
    run(&["keys", "show", "made"], None, &[]);
    let staged = serde_json::from_str::<serde_json::Value>(&String::from_utf8_lossy(
        &env.cmd()
            .args(["keys", "show", "made", "--staged"])
            .output()
            .unwrap()
            .stdout,
    ))
    .unwrap();
    // The app holds two keys at most: the one Okta made ("corp", done above) goes.
    assert!(t.emulator.okta.remove_key(&t.okta.key_id));
    t.emulator.okta.add_key(&staged).unwrap();
    run(&["rotate", "made", "--promote"], None, &[]);
    run(&["status"], None, &[]);
    run(&["profiles", "show", "made", "--json"], None, &[]);
    // The admin's own key file is the one place the key may be on disk.
    std::fs::remove_file(&pem_file).unwrap();

    let text = String::from_utf8_lossy(&transcript);
    // setup, test and rotate for OneTrust; setup and two rotates for Okta; the key made here
    // once added, and its successor's promotion.
    assert_eq!(
        text.matches("Connection OK").count(),
        8,
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
    // The PEM body lines of every key made here, and its private scalar as a JWK would carry
    // it ("d", base64url): private key material in both of its shapes.
    let made_lines: Vec<String> = made_keys
        .iter()
        .flat_map(|pem| {
            let mut shapes: Vec<String> = pem
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .map(str::to_string)
                .collect();
            shapes.push(private_d(pem));
            shapes
        })
        .collect();
    assert!(made_lines.len() >= 4, "two keys were made and read back");
    let mut secrets = vec![
        t.client_secret.clone(),
        wrong.to_string(),
        pem_line.clone(),
        d.clone(),
    ];
    secrets.extend(made_lines);
    for secret in secrets.iter().map(String::as_str) {
        assert!(!text.contains(secret), "secret in stdout/stderr");
        for f in &files {
            let bytes = std::fs::read(f).unwrap_or_default();
            let hit = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!hit, "secret found in {}", f.display());
        }
    }
}
