//! Every failure becomes a `Diagnosis`: a stable code plus the words an admin needs (what
//! happened, why, the one fix, where the vendor guide covers it). The texts live in
//! `assets/hints.toml`; which vendor answer means which code lives in `assets/error-map.toml`.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::integration::Integration;

/// The codes the program itself produces (vendor answers get theirs from the error map).
pub mod code {
    pub const INPUT_INVALID: &str = "input.invalid";
    pub const HOST_INVALID: &str = "host.invalid";
    pub const HOST_NOT_FOUND: &str = "host.not_found";
    pub const HOST_UNREACHABLE: &str = "host.unreachable";
    pub const HOST_NO_ANSWER: &str = "host.no_answer";
    pub const TLS_FAILED: &str = "tls.failed";
    /// An `https://` address whose server answered in plain HTTP.
    pub const TLS_PLAIN_HTTP: &str = "tls.plain_http";
    pub const SECRET_MISSING: &str = "secret.missing";
    pub const SECRET_STORE_UNAVAILABLE: &str = "secret.store_unavailable";
    pub const SECRET_HOST_CHANGED: &str = "secret.host_changed";
    pub const ONETRUST_MISSING_USER_SCOPE: &str = "onetrust.missing_user_scope";
    pub const ONETRUST_NO_USERS: &str = "onetrust.no_users";
    pub const OKTA_INVALID_KEY: &str = "okta.invalid_key";
    /// The token endpoint's answers to a key it does not hold (error map).
    pub const OKTA_KID_INVALID: &str = "okta.kid_invalid";
    pub const OKTA_NO_JWKS: &str = "okta.no_jwks";
    /// A key made here that Okta does not know yet.
    pub const OKTA_KEY_NOT_REGISTERED: &str = "okta.key_not_registered";
    /// A key made here whose private half is no longer in the keyring: no copy exists.
    pub const OKTA_MADE_KEY_MISSING: &str = "okta.made_key_missing";
    pub const OKTA_MISSING_SCOPE: &str = "okta.missing_scope";
    /// Scopes typed without the one reading users needs.
    pub const OKTA_SCOPES_WITHOUT_USERS: &str = "okta.scopes_without_users";
    /// A typed scope that is not an Okta API scope.
    pub const OKTA_SCOPE_UNKNOWN: &str = "okta.scope_unknown";
    pub const OKTA_NO_ADMIN_ROLE: &str = "okta.no_admin_role";
    /// The users list is empty, yet the app holds an admin role: one limited to a group or
    /// resource set with no users (the app's own roles say so).
    pub const OKTA_ROLE_SEES_NO_USERS: &str = "okta.role_sees_no_users";
    pub const OKTA_DPOP_PROOF_REJECTED: &str = "okta.dpop_proof_rejected";
    /// Offers the one-key "turn DPoP on and re-test" in the TUI.
    pub const OKTA_DPOP_REQUIRED: &str = "okta.dpop_required";
    /// The host answers, but not as an Okta org: its `/.well-known/okta-organization` is not
    /// Okta's record (a mistyped or deactivated org behind Okta's wildcard certificate).
    pub const OKTA_ORG_NOT_FOUND: &str = "okta.org_not_found";
    /// Okta refused the DPoP proof's signing algorithm (its own diagnosis, entitlements-wire §6).
    pub const OKTA_DPOP_ALG_REFUSED: &str = "okta.dpop_alg_refused";
    /// The tenant answered with a redirect, which ploy-connect never follows.
    pub const HTTP_REDIRECTED: &str = "http.redirected";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const SERVER_ERROR: &str = "server_error";
    pub const UNEXPECTED_RESPONSE: &str = "unexpected_response";

    pub const ALL: &[&str] = &[
        INPUT_INVALID,
        HOST_INVALID,
        HOST_NOT_FOUND,
        HOST_UNREACHABLE,
        HOST_NO_ANSWER,
        TLS_FAILED,
        TLS_PLAIN_HTTP,
        SECRET_MISSING,
        SECRET_STORE_UNAVAILABLE,
        SECRET_HOST_CHANGED,
        ONETRUST_MISSING_USER_SCOPE,
        ONETRUST_NO_USERS,
        OKTA_INVALID_KEY,
        OKTA_KID_INVALID,
        OKTA_NO_JWKS,
        OKTA_KEY_NOT_REGISTERED,
        OKTA_MADE_KEY_MISSING,
        OKTA_MISSING_SCOPE,
        OKTA_SCOPES_WITHOUT_USERS,
        OKTA_SCOPE_UNKNOWN,
        OKTA_NO_ADMIN_ROLE,
        OKTA_ROLE_SEES_NO_USERS,
        OKTA_DPOP_PROOF_REJECTED,
        OKTA_DPOP_REQUIRED,
        OKTA_ORG_NOT_FOUND,
        OKTA_DPOP_ALG_REFUSED,
        HTTP_REDIRECTED,
        RATE_LIMITED,
        SERVER_ERROR,
        UNEXPECTED_RESPONSE,
    ];
}

/// The setting a diagnosis points at, so a UI can jump to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Host,
    ClientId,
    Secret,
    Dpop,
    Scopes,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub code: String,
    pub title: String,
    pub why: String,
    /// The fix in words, worded from the vendor guide's troubleshooting section.
    pub fix: String,
    /// Line mode: the command that does it.
    pub run: Option<String>,
    /// The TUI: the key that does it.
    pub key: Option<String>,
    /// The fix as line mode and `--json` give it: the words, then the command.
    pub hint: String,
    /// Where the vendor guide covers it; empty when it does not.
    pub step: String,
    pub field: Field,
}

/// What the admin was doing when a failure happened. A few fixes depend on it: a rotation's
/// new secret is not fixed by testing the stored one again, nor is a staged key, and a fix
/// must not name the command that just failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Doing {
    /// Testing a stored profile.
    #[default]
    Test,
    /// Setting up a profile that is not saved yet: its command sets it up.
    Setup,
    /// Trying a new secret or a pasted key before it replaces the stored one (`rotate`).
    Rotate,
    /// Testing a staged key before it becomes current (`rotate --promote`).
    Promote,
}

/// A part of a diagnosis as a face shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// "title  [code]".
    Title,
    Fix,
    /// The fix as the face does it: a command (`run`) in line mode, a key in the TUI.
    Command,
    Why,
    /// Where the vendor's guide covers it.
    Guide,
    /// What the tenant actually said.
    Said,
}

/// Who shows a diagnosis, for the one part that differs: how the fix is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Line,
    Tui,
    /// Where neither a command nor a key applies (a TUI box away from the test screen).
    None,
}

impl Diagnosis {
    /// The parts in the order an admin acts on them, for every face: what went wrong, the fix
    /// and how to do it, why, the guide's step, and last what the tenant said (`detail`).
    /// Empty parts are left out.
    pub fn parts(&self, face: Face, detail: &str) -> Vec<(Part, String)> {
        let command = match face {
            Face::Line => self.run.as_ref(),
            Face::Tui => self.key.as_ref(),
            Face::None => None,
        };
        [
            (Part::Title, format!("{}  [{}]", self.title, self.code)),
            (Part::Fix, self.fix.clone()),
            (Part::Command, command.cloned().unwrap_or_default()),
            (Part::Why, self.why.clone()),
            (Part::Guide, self.step.clone()),
            (Part::Said, detail.to_string()),
        ]
        .into_iter()
        .filter(|(part, text)| *part == Part::Fix || !text.is_empty())
        .collect()
    }

    /// The catalogue entry for `code`, worded for `integration` when the catalogue has a
    /// vendor-specific text, with `{profile}` filled in.
    pub fn for_code(code: &str, profile: &str, integration: Option<Integration>) -> Self {
        Self::build(code, profile, integration, Doing::Test)
    }

    /// The same for a profile that is not saved yet (a setup that failed): its command sets it
    /// up rather than changing it.
    pub fn for_new_profile(code: &str, profile: &str, integration: Option<Integration>) -> Self {
        Self::build(code, profile, integration, Doing::Setup)
    }

    /// The entry for `code` as said while `doing` that (see `Doing`).
    pub fn for_code_doing(
        code: &str,
        profile: &str,
        integration: Option<Integration>,
        doing: Doing,
    ) -> Self {
        Self::build(code, profile, integration, doing)
    }

    fn build(code: &str, profile: &str, integration: Option<Integration>, doing: Doing) -> Self {
        let Some(e) = CATALOG.diagnosis.get(code) else {
            // Only reachable if code and catalogue drift apart; a unit test guards that.
            return Diagnosis {
                code: code.to_string(),
                title: code.to_string(),
                why: String::new(),
                fix: String::new(),
                run: None,
                key: None,
                hint: String::new(),
                step: String::new(),
                field: Field::None,
            };
        };
        let vendor = match integration {
            Some(Integration::OneTrust) => e.onetrust.as_ref(),
            Some(Integration::Okta) => e.okta.as_ref(),
            None => None,
        };
        // What the admin was doing words a part first, then the vendor, then the entry.
        let during = match doing {
            Doing::Rotate => e.rotate.as_ref(),
            Doing::Promote => e.promote.as_ref(),
            Doing::Test | Doing::Setup => None,
        };
        let over = |part: fn(&Override) -> Option<&String>| {
            during.and_then(part).or_else(|| vendor.and_then(part))
        };
        let fill = |s: &str| s.replace("{profile}", profile);
        let pick = |base: &String, over: Option<&String>| fill(over.unwrap_or(base));
        let pick_opt =
            |base: &Option<String>, over: Option<&String>| over.or(base.as_ref()).map(|s| fill(s));
        // A command runs as printed: this run's --config-dir, the name quoted (`suggest`). A
        // run without a profile has no name a command could give.
        let command = |r: &str| {
            Some(r)
                .filter(|_| profile != crate::setup::this_run::NAME)
                .map(|r| crate::suggest::fill(r, profile))
        };
        let run_new = over(|o| o.run_new.as_ref()).or(e.run_new.as_ref());
        let run = match (doing, run_new) {
            (Doing::Setup, Some(r)) => command(r),
            _ => over(|o| o.run.as_ref())
                .or(e.run.as_ref())
                .map(|r| retest(r, doing))
                .and_then(|r| command(&r)),
        }
        // An empty command (a rotation's retest, an override's "") is none.
        .filter(|r| !r.is_empty());
        let fix = pick(&e.fix, over(|o| o.fix.as_ref()));
        let hint = match &run {
            Some(r) => format!("{fix} Run: {r}"),
            None => fix.clone(),
        };
        Diagnosis {
            code: code.to_string(),
            title: pick(&e.title, over(|o| o.title.as_ref())),
            why: pick(&e.why, over(|o| o.why.as_ref())),
            fix,
            run,
            key: pick_opt(&e.key, over(|o| o.key.as_ref())),
            hint,
            step: with_address(pick(&e.step, over(|o| o.step.as_ref()))),
            field: e.field,
        }
    }
}

/// A fix whose command only tests the stored profile again (`[retest] test`), said while a
/// new secret or a staged key is tried: that test would try the old one. A rotation's next
/// step is the one its own message gives; a promotion tries the staged key again.
fn retest(run: &str, doing: Doing) -> String {
    let r = &CATALOG.retest;
    match doing {
        Doing::Rotate if run == r.test => r.rotate.clone(),
        Doing::Promote if run == r.test => r.promote.clone(),
        _ => run.to_string(),
    }
}

/// Where a vendor's setup guide is read (`[[guide]]` in hints.toml): a diagnosis's guide step
/// carries it, and the wizard's guide panel names it.
pub fn guide_address(integration: Integration) -> Option<&'static str> {
    CATALOG
        .guide
        .iter()
        .find(|g| g.vendor == integration.id())
        .map(|g| g.address.as_str())
}

/// A guide step ("Okta guide, step 14") with the address of the guide it names.
fn with_address(step: String) -> String {
    match CATALOG.guide.iter().find(|g| step.starts_with(&g.name)) {
        Some(g) => format!("{step} — {}", g.address),
        None => step,
    }
}

/// The response headers whose value identifies a request for the vendor's support: Okta's
/// request ID (on every answer, okta-wire.md) and OneTrust's rate-limit event ID
/// (onetrust-wire.md). A failure's detail quotes them as "header: value".
pub const REQUEST_ID_HEADERS: [&str; 2] = ["x-okta-request-id", "ot-ratelimit-event-id"];

/// The request IDs a failure's detail quotes, as "header value".
pub fn request_ids(detail: &str) -> Vec<String> {
    let mut out = Vec::new();
    for h in REQUEST_ID_HEADERS {
        let mut rest = detail;
        while let Some(at) = rest.find(&format!("{h}: ")) {
            rest = &rest[at + h.len() + 2..];
            let value: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            if !value.is_empty() {
                out.push(format!("{h} {value}"));
            }
        }
    }
    out
}

/// A diagnosis as an admin pastes it into a support ticket: the code and title, `about` (the
/// face's lines: which profile, step, version), the request IDs, what the tenant said and the
/// guide's step. Scrubbed of secrets and made safe, like everything else that leaves.
pub fn ticket(d: &Diagnosis, detail: &str, about: &[(&str, String)]) -> String {
    let mut lines = vec![format!("{}: {}", d.code, d.title)];
    lines.extend(about.iter().map(|(k, v)| format!("{k}: {v}")));
    let ids = request_ids(detail);
    if !ids.is_empty() {
        lines.push(format!("Request ID: {}", ids.join(", ")));
    }
    if !detail.is_empty() {
        lines.push(format!("The tenant said: {detail}"));
    }
    if !d.step.is_empty() {
        lines.push(format!("Guide: {}", d.step));
    }
    let text = lines.join("\n");
    crate::text::safe(&text)
}

/// A failure: which diagnosis, plus the specific detail of this occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: &'static str,
    pub detail: String,
}

impl Failure {
    /// A failure whose detail is scrubbed of every registered secret: a detail is printed,
    /// logged and drawn, so it is made safe once, here.
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self {
            code,
            detail: crate::redact::scrub(&detail).into_owned(),
        }
    }
}

/// Every code the catalogue explains (the program's own and the vendor answers' alike).
pub fn catalogue() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = CATALOG.diagnosis.keys().map(String::as_str).collect();
    codes.sort_unstable();
    codes
}

/// Whether `code` is a failure on this machine rather than the vendor's answer.
pub fn is_local(code: &str) -> bool {
    CATALOG.diagnosis.get(code).is_some_and(|e| e.local)
}

/// An informational note by key (see `[note]` in hints.toml); the key itself if missing.
pub fn note(key: &str) -> &str {
    CATALOG.note.get(key).map_or(key, String::as_str)
}

/// A warning's words (`[warning."code"]` in hints.toml): a test that passed, but with a
/// credential broader than the setup guides ask for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningWords {
    pub title: String,
    pub why: String,
    /// What to remove or allow, and where in the vendor's console.
    pub fix: String,
}

/// The words of warning `code`, if the catalogue has them.
pub fn warning(code: &str) -> Option<&'static WarningWords> {
    CATALOG.warning.get(code)
}

/// Every warning code the catalogue explains, sorted.
pub fn warnings() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = CATALOG.warning.keys().map(String::as_str).collect();
    codes.sort_unstable();
    codes
}

/// A failure code's title in the catalogue (the code itself if it has none).
pub fn title(code: &str) -> &str {
    CATALOG
        .diagnosis
        .get(code)
        .map_or(code, |e| e.title.as_str())
}

/// What a vendor answered, in the terms the error map matches on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerFacts<'a> {
    pub vendor: &'a str,
    pub endpoint: &'a str,
    pub status: u16,
    pub error: Option<&'a str>,
    pub description: Option<&'a str>,
    pub error_code: Option<&'a str>,
    pub www_error: Option<&'a str>,
}

/// The code for a vendor answer, if a rule covers it.
pub fn code_for_answer(facts: &AnswerFacts<'_>) -> Option<&'static str> {
    CATALOG
        .rule
        .iter()
        .find(|r| r.matches(facts))
        .map(|r| r.code.as_str())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    title: String,
    why: String,
    fix: String,
    #[serde(default)]
    run: Option<String>,
    #[serde(default)]
    run_new: Option<String>,
    #[serde(default)]
    key: Option<String>,
    step: String,
    field: Field,
    /// The failure is on this machine (no keyring), not the vendor's answer: it exits 3 and
    /// never replaces a profile's last vendor result.
    #[serde(default)]
    local: bool,
    #[serde(default)]
    onetrust: Option<Override>,
    #[serde(default)]
    okta: Option<Override>,
    /// Its words while a rotation's new secret or key is tried (`Doing::Rotate`).
    #[serde(default)]
    rotate: Option<Override>,
    /// Its words while a staged key is tested (`Doing::Promote`).
    #[serde(default)]
    promote: Option<Override>,
}

/// The command that tests a profile again, and what it becomes while a rotation or a
/// promotion runs (see `retest`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Retest {
    test: String,
    rotate: String,
    promote: String,
}

/// A vendor's own wording for a shared diagnosis (its guide's step, its host examples).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Override {
    title: Option<String>,
    why: Option<String>,
    fix: Option<String>,
    run: Option<String>,
    run_new: Option<String>,
    key: Option<String>,
    step: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    vendor: Option<String>,
    endpoint: Option<String>,
    status: Option<u16>,
    status_from: Option<u16>,
    status_to: Option<u16>,
    error: Option<String>,
    description: Option<String>,
    error_code: Option<String>,
    www_error: Option<String>,
    code: String,
    #[allow(dead_code)] // documentation for humans reading the asset
    source: String,
}

impl Rule {
    fn matches(&self, f: &AnswerFacts<'_>) -> bool {
        fn eq(want: &Option<String>, got: Option<&str>) -> bool {
            want.as_deref().is_none_or(|w| got == Some(w))
        }
        eq(&self.vendor, Some(f.vendor))
            && eq(&self.endpoint, Some(f.endpoint))
            && self.status.is_none_or(|s| s == f.status)
            && self.status_from.is_none_or(|s| f.status >= s)
            && self.status_to.is_none_or(|s| f.status <= s)
            && eq(&self.error, f.error)
            && eq(&self.description, f.description)
            && eq(&self.error_code, f.error_code)
            && eq(&self.www_error, f.www_error)
    }
}

/// A vendor's setup guide: the name a step starts with, and where it is read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Guide {
    vendor: String,
    name: String,
    address: String,
}

#[derive(Debug, Deserialize)]
struct Catalog {
    diagnosis: HashMap<String, Entry>,
    #[serde(default)]
    warning: HashMap<String, WarningWords>,
    #[serde(default)]
    note: HashMap<String, String>,
    #[serde(default)]
    retest: Retest,
    #[serde(default)]
    guide: Vec<Guide>,
    #[serde(default)]
    rule: Vec<Rule>,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let hints = include_str!("../../../assets/hints.toml");
    let map = include_str!("../../../assets/error-map.toml");
    // Both files are compiled in and parsed by the unit tests below, so a failure here is a
    // build defect, never user input.
    #[derive(Deserialize)]
    struct Hints {
        diagnosis: HashMap<String, Entry>,
        warning: HashMap<String, WarningWords>,
        note: HashMap<String, String>,
        retest: Retest,
        guide: Vec<Guide>,
    }
    #[derive(Deserialize)]
    struct Rules {
        rule: Vec<Rule>,
    }
    let (diagnosis, warning, note, retest, guide) = toml::from_str::<Hints>(hints)
        .map(|h| (h.diagnosis, h.warning, h.note, h.retest, h.guide))
        .unwrap_or_default();
    let rule = toml::from_str::<Rules>(map)
        .map(|r| r.rule)
        .unwrap_or_default();
    Catalog {
        diagnosis,
        warning,
        note,
        retest,
        guide,
        rule,
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_face_shows_a_diagnosis_in_one_order() {
        let d = Diagnosis::for_code(code::OKTA_DPOP_REQUIRED, "corp", Some(Integration::Okta));
        let order = |face| {
            d.parts(face, "HTTP 400")
                .into_iter()
                .map(|(p, _)| p)
                .collect::<Vec<_>>()
        };
        let all = [
            Part::Title,
            Part::Fix,
            Part::Command,
            Part::Why,
            Part::Guide,
            Part::Said,
        ];
        assert_eq!(order(Face::Line), all);
        assert_eq!(order(Face::Tui), all);
        let parts = d.parts(Face::Line, "");
        assert!(parts.iter().all(|(p, _)| *p != Part::Said));
        assert_eq!(
            parts
                .iter()
                .find(|(p, _)| *p == Part::Command)
                .map(|(_, t)| t),
            d.run.as_ref()
        );
        assert!(
            d.parts(Face::None, "")
                .iter()
                .all(|(p, _)| *p != Part::Command)
        );
    }

    #[test]
    fn assets_parse() {
        toml::from_str::<Catalog>(&format!(
            "{}\n{}",
            include_str!("../../../assets/hints.toml"),
            include_str!("../../../assets/error-map.toml")
        ))
        .expect("assets parse");
        assert!(!CATALOG.diagnosis.is_empty());
        assert!(!CATALOG.rule.is_empty());
        assert_ne!(note("rotate.kept"), "rotate.kept");
    }

    #[test]
    fn every_code_has_words_and_speaks_both_faces() {
        let rule_codes = CATALOG.rule.iter().map(|r| r.code.as_str());
        for c in code::ALL.iter().copied().chain(rule_codes) {
            let e = CATALOG
                .diagnosis
                .get(c)
                .unwrap_or_else(|| panic!("{c} missing from hints.toml"));
            assert!(!e.title.is_empty() && !e.fix.is_empty(), "{c}");
            assert!(e.key.is_some(), "{c} has no TUI key");
            for i in [Some(Integration::OneTrust), Some(Integration::Okta)] {
                let d = Diagnosis::for_code(c, "p", i);
                if let Some(run) = &d.run {
                    assert!(
                        run.starts_with("ploy-connect") || run.starts_with("dbus-run-session"),
                        "{c}: {run}"
                    );
                }
            }
        }
    }

    #[test]
    fn profile_is_filled_in() {
        let d = Diagnosis::for_code(code::SECRET_MISSING, "acme", None);
        assert!(d.hint.contains("ploy-connect rotate acme"), "{}", d.hint);
        assert_eq!(d.run.as_deref(), Some("ploy-connect rotate acme"));
        assert!(d.key.unwrap().starts_with("Press r"));
    }

    #[test]
    fn a_profile_not_saved_yet_is_told_to_set_up_not_to_rotate() {
        let saved = Diagnosis::for_code(code::OKTA_INVALID_KEY, "corp", Some(Integration::Okta));
        assert!(saved.run.unwrap().contains("rotate corp"));
        let new =
            Diagnosis::for_new_profile(code::OKTA_INVALID_KEY, "corp", Some(Integration::Okta));
        assert!(new.run.unwrap().contains("setup okta --profile corp"));
    }

    /// Issue 20, item 6: what a failure suggests while a new secret or a staged key is tried.
    #[test]
    fn a_rotation_or_a_promotion_is_told_what_helps_then() {
        let okta = Some(Integration::Okta);
        let doing = |code, doing| Diagnosis::for_code_doing(code, "corp", okta, doing);
        // A staged key Okta does not know: its own public half, then promote again — not the
        // wrapper of both keys, nor a test of the current key.
        let d = doing(code::OKTA_KEY_NOT_REGISTERED, Doing::Promote);
        let run = d.run.unwrap();
        assert!(run.contains("keys show corp --staged"), "{run}");
        assert!(run.contains("rotate corp --promote"), "{run}");
        assert!(!run.contains("ploy-connect test"), "{run}");
        // A plain test shows the current key's public half, not the wrapper.
        let run = Diagnosis::for_code(code::OKTA_KEY_NOT_REGISTERED, "corp", okta)
            .run
            .unwrap();
        assert!(run.contains("keys show corp --current"), "{run}");
        // A pasted PEM without its kid: the kid goes with the new key.
        let run = doing(code::OKTA_KID_INVALID, Doing::Rotate).run.unwrap();
        assert!(run.starts_with("ploy-connect rotate corp"), "{run}");
        assert!(run.contains("--key-id"), "{run}");
        // Never the command that just failed, nor a test of the secret that was kept.
        let ot = Diagnosis::for_code_doing(
            "onetrust.invalid_client",
            "acme",
            Some(Integration::OneTrust),
            Doing::Rotate,
        );
        assert!(!ot.run.unwrap().contains("rotate acme"));
        assert!(doing("okta.invalid_client", Doing::Rotate).run.is_none());
        for c in code::ALL
            .iter()
            .copied()
            .chain(CATALOG.rule.iter().map(|r| r.code.as_str()))
        {
            let tested = Diagnosis::for_code(c, "corp", okta);
            let rotated = doing(c, Doing::Rotate);
            let promoted = doing(c, Doing::Promote);
            if tested.run.as_deref() == Some("ploy-connect test corp") {
                assert_eq!(rotated.run, None, "{c}");
                assert_eq!(
                    promoted.run.as_deref(),
                    Some("ploy-connect rotate corp --promote"),
                    "{c}"
                );
            }
            // A rotation's key is pasted, never "not registered" (that is a key made here).
            if c != code::OKTA_KEY_NOT_REGISTERED {
                assert!(!rotated.hint.contains("ploy-connect test corp"), "{c}");
            }
            assert!(!promoted.hint.contains("ploy-connect test corp"), "{c}");
        }
    }

    /// Issue 20, item 9: "Okta guide, step 14" says where that guide is read.
    #[test]
    fn every_guide_step_names_where_the_guide_is() {
        let mut steps = 0;
        for c in catalogue() {
            for i in Integration::ALL {
                let d = Diagnosis::for_code(c, "p", Some(i));
                if d.step.is_empty() {
                    continue;
                }
                steps += 1;
                // The guide the step names (an Okta-only code names Okta's guide).
                let guide = CATALOG.guide.iter().find(|g| d.step.starts_with(&g.name));
                let address = guide.map(|g| g.address.as_str()).unwrap_or("none");
                assert!(d.step.ends_with(address), "{c} ({i}): {}", d.step);
                assert!(address.starts_with("https://"), "{address}");
            }
        }
        assert!(steps > 20, "{steps} guide steps");
    }

    /// Issue 20, item 9: a support ticket carries the code, the request ID and what was said.
    #[test]
    fn a_ticket_names_the_code_the_request_id_and_what_the_tenant_said() {
        let d = Diagnosis::for_code(code::OKTA_DPOP_REQUIRED, "corp", Some(Integration::Okta));
        let detail = "HTTP 400 from POST /oauth2/v1/token: {\"error\":\"invalid_dpop_proof\"} (x-okta-request-id: aBc-123_x)";
        assert_eq!(request_ids(detail), ["x-okta-request-id aBc-123_x"]);
        let t = ticket(&d, detail, &[("Profile", "corp".into())]);
        assert!(
            t.starts_with("okta.dpop_required: This app requires DPoP"),
            "{t}"
        );
        assert!(t.contains("Profile: corp"), "{t}");
        assert!(t.contains("Request ID: x-okta-request-id aBc-123_x"), "{t}");
        assert!(t.contains("invalid_dpop_proof"), "{t}");
        assert!(t.contains("Guide: Okta guide, step 14 — https://"), "{t}");
        // A control sequence in what the tenant said is shown, not obeyed.
        let t = ticket(&d, "evil \u{1b}]52;c;AAAA\u{7}", &[]);
        assert!(!t.contains('\u{1b}'), "{t}");
    }

    #[test]
    fn shared_diagnoses_speak_the_vendors_language() {
        let okta = Diagnosis::for_code(code::HOST_NOT_FOUND, "corp", Some(Integration::Okta));
        assert!(okta.step.starts_with("Okta guide"), "{}", okta.step);
        assert!(!okta.hint.contains("onetrust"), "{}", okta.hint);
        let ot = Diagnosis::for_code(code::HOST_NOT_FOUND, "acme", Some(Integration::OneTrust));
        assert!(ot.step.starts_with("OneTrust guide"), "{}", ot.step);
        let fix = Diagnosis::for_code(code::INPUT_INVALID, "corp", Some(Integration::Okta)).hint;
        assert!(fix.contains("setup okta --profile corp"), "{fix}");
    }

    #[test]
    fn a_tls_failure_names_the_trust_store_and_ssl_cert_file() {
        for vendor in [None, Some(Integration::OneTrust), Some(Integration::Okta)] {
            let d = Diagnosis::for_code(code::TLS_FAILED, "acme", vendor);
            assert!(d.fix.contains("SSL_CERT_FILE"), "{}", d.fix);
            assert!(d.fix.contains("platform's trust store"), "{}", d.fix);
            assert!(d.why.contains("Keychain"), "{}", d.why);
        }
    }

    #[test]
    fn rules_match_first_hit() {
        let facts = AnswerFacts {
            vendor: "onetrust",
            endpoint: "token",
            status: 401,
            ..Default::default()
        };
        assert_eq!(code_for_answer(&facts), Some("onetrust.invalid_client"));
        let facts = AnswerFacts {
            vendor: "onetrust",
            endpoint: "users",
            status: 503,
            ..Default::default()
        };
        assert_eq!(code_for_answer(&facts), Some("server_error"));
        let facts = AnswerFacts {
            vendor: "onetrust",
            endpoint: "token",
            status: 400,
            ..Default::default()
        };
        assert_eq!(code_for_answer(&facts), None);
    }
}
