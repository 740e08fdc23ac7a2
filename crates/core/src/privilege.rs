//! What a credential can do beyond reading (issue 18): the test proves it can read; this says
//! whether it can do more than the setup guides ask for. Anything broader is a **warning**
//! (the test still passes; `--strict` fails on it), other observations are **notes**. Both
//! faces and `test --json` show the same `Privileges`; the words live in hints.toml
//! (`[warning."…"]`, `[note]`).

use serde::Serialize;

/// The warning codes (`[warning."code"]` in hints.toml).
pub mod code {
    /// Okta granted `*.manage` scopes (a probe token asked for them; entitlements-wire §5).
    pub const OKTA_WRITE_SCOPES: &str = "okta.write_scopes_granted";
    /// The app holds an admin role beyond the read-only ones the guide asks for (§4.5, §5.7).
    pub const OKTA_ADMIN_ROLE_TOO_BROAD: &str = "okta.admin_role_too_broad";
    /// The app's own role assignments could not be read (no okta.roles.read, or a 403).
    pub const OKTA_ROLES_NOT_VISIBLE: &str = "okta.roles_not_visible";
    /// The OneTrust credential lists scopes beyond USER (§9.3).
    pub const ONETRUST_EXTRA_SCOPES: &str = "onetrust.extra_scopes";

    pub const ALL: &[&str] = &[
        OKTA_WRITE_SCOPES,
        OKTA_ADMIN_ROLE_TOO_BROAD,
        OKTA_ROLES_NOT_VISIBLE,
        ONETRUST_EXTRA_SCOPES,
    ];
}

/// Okta admin roles a reading app may hold without a warning: the ones that cannot change the
/// org, and the Group Membership Administrator the setup guide's step 13 asks for beside
/// Read-only Administrator. Every other standard role is broader than reading needs.
pub const OKTA_ROLES_WITHOUT_WARNING: &[&str] =
    &["READ_ONLY_ADMIN", "REPORT_ADMIN", "GROUP_MEMBERSHIP_ADMIN"];
/// Roles whose permissions come from a resource set or a custom definition ([SPEC]: these
/// deserialize as `CustomRole`): not judged here, only noted.
pub const OKTA_CUSTOM_ROLES: &[&str] = &[
    "CUSTOM",
    "WORKFLOWS_ADMIN",
    "ACCESS_CERTIFICATIONS_ADMIN",
    "ACCESS_REQUESTS_ADMIN",
];

/// A credential broader than the guides ask for: what, why, and how to narrow it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: String,
    pub title: String,
    pub why: String,
    /// What to remove (or allow) and where in the vendor's console.
    pub fix: String,
    /// This occurrence: which scopes, which role, what the tenant answered.
    pub detail: String,
}

/// An observation worth a second look that is no warning (`--strict` ignores it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub code: String,
    pub text: String,
}

/// What the privilege step found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Privileges {
    pub warnings: Vec<Warning>,
    pub notes: Vec<Note>,
}

impl Privileges {
    /// Adds warning `code` (its words from the catalogue) with this occurrence's `detail`.
    pub fn warn(&mut self, code: &str, detail: impl Into<String>) {
        let words = crate::diagnose::warning(code);
        let text = |f: fn(&crate::diagnose::WarningWords) -> &String| {
            words.map(f).cloned().unwrap_or_default()
        };
        self.warnings.push(Warning {
            code: code.to_string(),
            title: words.map_or_else(|| code.to_string(), |w| w.title.clone()),
            why: text(|w| &w.why),
            fix: text(|w| &w.fix),
            detail: crate::redact::scrub(&detail.into()).into_owned(),
        });
    }

    /// Adds note `code` (`[note]` in hints.toml), with `detail` after it when there is one.
    pub fn note(&mut self, code: &str, detail: &str) {
        let mut text = crate::diagnose::note(code).to_string();
        if !detail.is_empty() {
            text = format!("{text} ({detail})");
        }
        self.notes.push(Note {
            code: code.to_string(),
            text: crate::redact::scrub(&text).into_owned(),
        });
    }

    /// "no warnings", "1 warning", "2 warnings".
    pub fn count(&self) -> String {
        match self.warnings.len() {
            0 => "no warnings".into(),
            1 => "1 warning".into(),
            n => format!("{n} warnings"),
        }
    }

    /// The `"warnings"` and `"notes"` members of a JSON document.
    pub fn to_json(&self) -> (serde_json::Value, serde_json::Value) {
        (
            serde_json::to_value(&self.warnings).unwrap_or_default(),
            serde_json::to_value(&self.notes).unwrap_or_default(),
        )
    }
}

/// How an Okta admin role reads to a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleVerdict {
    /// Read-only, or what the guide asks for.
    Fine,
    /// Its permissions come from a definition this check does not read.
    Custom,
    /// Broader than reading needs.
    TooBroad,
}

/// The verdict on an Okta role `type` (`RoleType`, [SPEC]).
pub fn okta_role(kind: &str) -> RoleVerdict {
    if OKTA_ROLES_WITHOUT_WARNING.contains(&kind) {
        RoleVerdict::Fine
    } else if OKTA_CUSTOM_ROLES.contains(&kind) {
        RoleVerdict::Custom
    } else {
        RoleVerdict::TooBroad
    }
}

/// Read scopes Okta has no `.manage` sibling for: the management and OAuth specs (release
/// 2026.06.3) declare `okta.logs.read` alone. A probe never asks for a scope that does not
/// exist (which Okta's answer to is unconfirmed, okta-wire §1).
pub const OKTA_READ_ONLY_SCOPES: &[&str] = &["okta.logs.read"];

/// The `.manage` sibling of a `.read` scope ("okta.users.read" → "okta.users.manage"), when
/// Okta has one.
pub fn manage_sibling(scope: &str) -> Option<String> {
    if OKTA_READ_ONLY_SCOPES.contains(&scope) {
        return None;
    }
    scope
        .strip_suffix(".read")
        .map(|base| format!("{base}.manage"))
}

/// Whether `granted` satisfies the need for `scope`: the scope itself, or for a `.read` scope
/// its `.manage` sibling ("the manage scopes can do everything that the read scopes do").
pub fn satisfies(granted: &[String], scope: &str) -> bool {
    granted.iter().any(|g| g == scope)
        || manage_sibling(scope).is_some_and(|m| granted.contains(&m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_warning_has_words_with_a_console_fix() {
        for c in code::ALL {
            let w = crate::diagnose::warning(c).unwrap_or_else(|| panic!("{c} not in hints.toml"));
            assert!(!w.title.is_empty() && !w.why.is_empty(), "{c}");
            assert!(w.fix.len() > 40, "{c}: {}", w.fix);
        }
        assert_eq!(crate::diagnose::warnings(), {
            let mut all = code::ALL.to_vec();
            all.sort_unstable();
            all
        });
        for n in [
            "okta.probe_cost",
            "okta.app_requires_dpop",
            "okta.app_dpop_optional",
            "okta.custom_role",
            "onetrust.user_scope_writes",
        ] {
            assert_ne!(crate::diagnose::note(n), n, "{n} has no words");
        }
    }

    #[test]
    fn a_manage_scope_satisfies_its_read_need() {
        let granted = vec!["okta.users.manage".to_string()];
        assert!(satisfies(&granted, "okta.users.read"));
        assert!(satisfies(&granted, "okta.users.manage"));
        assert!(!satisfies(&granted, "okta.groups.read"));
        assert_eq!(
            manage_sibling("okta.roles.read").as_deref(),
            Some("okta.roles.manage")
        );
        assert_eq!(manage_sibling("okta.roles.manage"), None);
        assert_eq!(
            manage_sibling("okta.logs.read"),
            None,
            "no such scope to probe"
        );
    }

    #[test]
    fn roles_are_judged_by_type() {
        assert_eq!(okta_role("READ_ONLY_ADMIN"), RoleVerdict::Fine);
        assert_eq!(okta_role("SUPER_ADMIN"), RoleVerdict::TooBroad);
        assert_eq!(okta_role("ORG_ADMIN"), RoleVerdict::TooBroad);
        assert_eq!(okta_role("CUSTOM"), RoleVerdict::Custom);
        assert_eq!(okta_role("SOMETHING_NEW"), RoleVerdict::TooBroad);
    }

    #[test]
    fn a_warning_takes_its_words_from_the_catalogue() {
        let mut p = Privileges::default();
        p.warn(code::OKTA_WRITE_SCOPES, "okta.users.manage");
        p.note("okta.probe_cost", "");
        assert_eq!(
            p.warnings[0].title,
            "The app is granted scopes that can change Okta"
        );
        assert!(p.warnings[0].fix.contains("Okta API Scopes"));
        assert_eq!(p.count(), "1 warning");
        let (w, n) = p.to_json();
        assert_eq!(w[0]["code"], "okta.write_scopes_granted");
        assert_eq!(w[0]["detail"], "okta.users.manage");
        assert_eq!(n[0]["code"], "okta.probe_cost");
    }
}
