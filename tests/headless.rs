//! Where admins work without a desktop: no D-Bus session at all (a jump host over SSH, a CI
//! job). The real binary, with the desktop keyring unreachable: Linux's kernel keyring as the
//! store, and secrets given for one run that nothing keeps.

// Test code throughout, helpers included: clippy.toml's test allowances apply to all of it.
#![cfg(test)]

mod common;

use common::{Env, tenant};

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Whether this machine lets processes use the kernel keyring (a container's seccomp
/// profile may not); CI requires it.
fn keyutils_usable() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: KEYCTL_GET_KEYRING_ID (0) of the user keyring (-4), without creating it.
        let id = unsafe { libc::syscall(libc::SYS_keyctl, 0, -4, 0) };
        if id >= 0 {
            return true;
        }
    }
    let required = std::env::var("PLOY_CONNECT_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "PLOY_CONNECT_REQUIRE_TOOLS=1 but the kernel keyring is not usable here"
    );
    eprintln!("skipping: the kernel keyring is not usable here");
    false
}

#[test]
fn with_no_dbus_the_kernel_keyring_keeps_the_secret_for_test_users_and_status() {
    if !keyutils_usable() {
        return;
    }
    let env = Env::without_keyring();
    let t = tenant(30, &[]);
    // The desktop keyring is not there: the failure names both ways out.
    let (code, _, err) = run(env
        .cmd()
        .args(["setup", "onetrust", "--profile", "jump", "--host", &t.host])
        .args([
            "--client-id",
            &t.client_id,
            "--client-secret-stdin",
            "--no-test",
        ])
        .write_stdin(t.client_secret.clone()));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("--secret-store keyutils"), "{err}");
    assert!(err.contains("PLOY_CONNECT_CLIENT_SECRET"), "{err}");

    let (code, _, err) = run(env
        .cmd()
        .args(["setup", "onetrust", "--profile", "jump", "--host", &t.host])
        .args([
            "--client-id",
            &t.client_id,
            "--client-secret-stdin",
            "--no-test",
        ])
        .args(["--secret-store", "keyutils"])
        .write_stdin(t.client_secret.clone()));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Linux kernel keyring") && err.contains("restarts"),
        "the lifetime is said where the store is chosen: {err}"
    );
    let file = std::fs::read_to_string(env.profiles_file()).unwrap();
    assert!(file.contains("secret_store = \"keyutils\""), "{file}");
    assert!(!file.contains(&t.client_secret));

    // Later runs find it without being told where it is.
    let (code, out, err) = run(env.cmd().args(["test", "jump"]));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(env.cmd().args(["users", "jump", "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    let users: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(users["users"].as_array().unwrap().len(), 30);
    let (code, out, err) = run(env.cmd().args(["status"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Linux kernel keyring"), "{out}");
    let (_, out, _) = run(env.cmd().args(["profiles", "show", "jump", "--json"]));
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["secret"], "stored");
    assert_eq!(shown["secret_store"], "keyutils");

    // Entering the host again (how a changed host is confirmed) re-binds the secret where it
    // is kept, the kernel keyring, not in the desktop keyring that is not there.
    let (code, _, err) = run(env.cmd().args([
        "setup",
        "onetrust",
        "--profile",
        "jump",
        "--host",
        &t.host,
        "--no-test",
    ]));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(env.cmd().args(["test", "jump"]));
    assert_eq!(code, 0, "{out}{err}");

    // Removing the profile removes the kernel key too.
    let (code, _, err) = run(env.cmd().args(["profiles", "remove", "jump", "--yes"]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(env
        .cmd()
        .args(["setup", "onetrust", "--profile", "jump", "--host", &t.host])
        .args([
            "--client-id",
            &t.client_id,
            "--no-test",
            "--secret-store",
            "keyutils",
        ]));
    assert_eq!(code, 2, "no secret given and none kept: {err}");
}

#[test]
fn a_secret_for_this_run_only_is_used_and_nothing_is_kept() {
    let env = Env::without_keyring();
    let t = tenant(12, &[]);
    let flags = [
        "--vendor",
        "onetrust",
        "--host",
        &t.host,
        "--client-id",
        &t.client_id,
    ];
    let (code, out, err) = run(env
        .cmd()
        .args(["test", "--json"])
        .args(flags)
        .env("PLOY_CONNECT_CLIENT_SECRET", &t.client_secret));
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["ok"], true);
    let input = common::step(&report, "input")["detail"].as_str().unwrap();
    assert!(input.contains("this run only"), "{input}");

    let (code, out, err) = run(env
        .cmd()
        .args(["users", "--format", "json"])
        .args(flags)
        .env("PLOY_CONNECT_CLIENT_SECRET", &t.client_secret));
    assert_eq!(code, 0, "{err}");
    let users: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(users["users"].as_array().unwrap().len(), 12);

    // From a file (a CI secret mount), and from standard input.
    let secret_file = env.home.path().join("secret");
    std::fs::write(&secret_file, format!("{}\n", t.client_secret)).unwrap();
    let (code, out, err) = run(env
        .cmd()
        .arg("test")
        .args(flags)
        .arg("--client-secret-file")
        .arg(&secret_file));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(env
        .cmd()
        .args(["test", "--client-secret-stdin"])
        .args(flags)
        .write_stdin("wrong-secret-value-123"));
    assert_eq!(code, 1, "a wrong secret fails as a test: {out}{err}");
    assert!(out.contains("onetrust.invalid_client"), "{out}");
    assert!(!out.contains("wrong-secret-value-123") && !err.contains("wrong-secret-value-123"));

    // Nothing was written anywhere: no profiles file, no keyring was even reachable.
    assert!(!env.profiles_file().exists());
    let config = env.home.path().join(".config");
    let written: Vec<_> = walk(&config);
    assert!(written.is_empty(), "{written:?}");

    // Without a secret, or with the other vendor's, it says what to give.
    let (code, _, err) = run(env.cmd().arg("test").args(flags));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("PLOY_CONNECT_CLIENT_SECRET"), "{err}");
    let (code, _, err) = run(env.cmd().arg("test").args(["--host", &t.host]));
    assert_eq!(code, 2, "{err}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() { walk(&p) } else { vec![p] }
        })
        .collect()
}

/// Issue 20, item 6: each failed rotation says what helps next, never the command just run,
/// a test of the old key, or a command that sets the key ID of a key that was not stored.
#[test]
fn a_failed_rotation_says_what_helps_next() {
    if !keyutils_usable() {
        return;
    }
    let env = Env::without_keyring();
    let t = tenant(5, &[]);
    // Every command keeps its secrets in the kernel keyring.
    let cmd = || {
        let mut c = env.cmd();
        c.env("PLOY_CONNECT_SECRET_STORE", "keyutils");
        c
    };

    // OneTrust: a wrong new secret. Rotating again with it would fail again.
    let (code, _, err) = run(cmd()
        .args(["setup", "onetrust", "--profile", "ot", "--host", &t.host])
        .args(["--client-id", &t.client_id, "--client-secret-stdin"])
        .arg("--no-test")
        .write_stdin(t.client_secret.clone()));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(cmd()
        .args(["rotate", "ot", "--client-secret-stdin"])
        .write_stdin("a-wrong-new-secret-1234"));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("onetrust.invalid_client"), "{out}");
    assert!(!out.contains("Run: ploy-connect rotate ot"), "{out}");
    assert!(out.contains("--client-id"), "{out}");
    assert!(err.contains("Kept the current secret"), "{err}");

    // Okta: nothing staged is said before anything is tested.
    env.setup_okta("corp", &t, &["--secret-store", "keyutils"])
        .success();
    let (code, out, err) = run(cmd().args(["rotate", "corp", "--promote"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(!out.contains("Testing the staged key"), "{out}");
    assert!(err.contains("no staged key"), "{err}");

    // A PEM (no kid) while the app holds two keys: the key ID goes with the new key, as
    // rotate takes it; `setup --key-id` would name the key that was kept.
    let other = ploy_core::keys::generate(ploy_core::keys::KeyType::Rsa2048).unwrap();
    t.emulator.okta.add_key(&other.public_jwk).unwrap();
    let pem = env.file("new.pem", &t.okta.private_key_pem);
    let (code, out, err) = run(cmd()
        .args(["rotate", "corp", "--private-key-file"])
        .arg(&pem));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("okta.kid_invalid"), "{out}");
    assert!(!out.contains("setup okta"), "{out}");
    assert!(
        out.contains("rotate corp --private-key-file KEY --key-id KID"),
        "{out}"
    );
    assert!(err.contains("Kept the current key"), "{err}");
    assert!(
        t.emulator
            .okta
            .remove_key(other.public_jwk["kid"].as_str().unwrap())
    );

    // A staged key Okta does not know yet: its public half and promote again, not `keys
    // show` (both keys in a wrapper) nor `test` (the current key).
    let (code, _, err) = run(cmd().args(["rotate", "corp", "--generate-key"]));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(cmd().args(["rotate", "corp", "--promote"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("okta.key_not_registered"), "{out}");
    assert!(out.contains("keys show corp --staged"), "{out}");
    assert!(out.contains("rotate corp --promote"), "{out}");
    assert!(!out.contains("ploy-connect test corp"), "{out}");
    assert!(err.contains("Nothing changed"), "{err}");

    for name in ["ot", "corp"] {
        let (code, _, err) = run(cmd().args(["profiles", "remove", name, "--yes"]));
        assert_eq!(code, 0, "{err}");
    }
}
