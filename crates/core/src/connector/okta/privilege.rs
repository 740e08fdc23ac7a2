//! What the Okta app can do beyond reading (entitlements-wire §4.5, §5, §10.7), checked on
//! every test after the users were read:
//! - write scopes: a probe token asks for the profile's scopes plus the `.manage` sibling of
//!   each read scope. Okta grants exactly the requested scopes it holds in the app's grants
//!   collection (§5.1, live evidence terraform-provider-okta#2375), so the answer names the
//!   write scopes without reading the grants (which would need `okta.appGrants.read`). It costs
//!   one token request and one System Log event (§5.5), and the token is dropped unused;
//! - admin roles: `GET /oauth2/v1/clients/{clientId}/roles` (`listRolesForClient`, needs
//!   `okta.roles.read`), judged by `privilege::okta_role`;
//! - DPoP: the app's own record, `GET /api/v1/apps/{clientId}` (`getApplication`, needs
//!   `okta.apps.read`): `settings.oauthClient.dpop_bound_access_tokens`.
//!
//! Nothing here fails a test: what could not be checked is said (a warning for the roles, a
//! note otherwise).

use serde::Deserialize;

use super::{Okta, TokenResponse};
use crate::connector::{ConnectorError, Limited, Text, decode, decode_token, excerpt, text};
use crate::privilege::{Privileges, RoleVerdict, code, manage_sibling, okta_role, satisfies};

/// At most this many role assignments of one app are read.
const MAX_ROLES: usize = 1000;

#[derive(Deserialize)]
struct ClientRole {
    #[serde(rename = "type")]
    kind: Option<Text>,
    label: Option<Text>,
    status: Option<Text>,
}

#[derive(Deserialize)]
struct AppRecord {
    #[serde(default)]
    settings: Option<AppSettings>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppSettings {
    #[serde(default)]
    oauth_client: Option<OAuthClientSettings>,
}

#[derive(Deserialize)]
struct OAuthClientSettings {
    dpop_bound_access_tokens: Option<bool>,
}

impl Okta {
    /// The privilege step: warnings and notes, and one line saying what was checked.
    pub async fn privileges(&mut self) -> (Privileges, String) {
        let mut p = Privileges::default();
        let scopes = self.probe_write_scopes(&mut p).await;
        let roles = self.check_roles(&mut p).await;
        let dpop = self.check_app_record(&mut p).await;
        (p, format!("{scopes}; {roles}; {dpop}"))
    }

    /// The request path of this app's own records, its client ID as one path segment.
    fn own(&self, prefix: &[&str], suffix: &[&str]) -> url::Url {
        let mut u = self.base.clone();
        if let Ok(mut segments) = u.path_segments_mut() {
            segments
                .clear()
                .extend(prefix)
                .push(&self.client_id)
                .extend(suffix);
        }
        u
    }

    /// Write scopes held: any `.manage` the run's token carries, plus what a probe for the
    /// `.manage` siblings of the read scopes gets back.
    async fn probe_write_scopes(&mut self, p: &mut Privileges) -> String {
        let held: Vec<String> = self
            .token
            .as_ref()
            .map(|t| t.scopes.clone())
            .unwrap_or_default();
        let mut write: Vec<String> = held
            .iter()
            .filter(|s| s.ends_with(".manage"))
            .cloned()
            .collect();
        let siblings: Vec<String> = self
            .scopes
            .iter()
            .filter_map(|s| manage_sibling(s))
            .filter(|m| !self.scopes.contains(m))
            .collect();
        let mut said = String::new();
        if !siblings.is_empty() {
            let asked = [self.scopes.clone(), siblings].concat().join(" ");
            let before = self.token_requests;
            let answer = self.request_token(&asked).await;
            let sent = self.token_requests - before;
            match answer {
                Ok(r) if r.status == 200 => {
                    let probe = decode_token::<TokenResponse>(&r);
                    let granted: Vec<String> = match probe {
                        Ok(b) => {
                            // A live token that can write: known to the redactor at once,
                            // then dropped with this body, never sent anywhere.
                            if let Some(t) = b.access_token.as_deref().filter(|t| !t.is_empty()) {
                                crate::redact::token(t);
                            }
                            b.scope
                                .unwrap_or_default()
                                .split_whitespace()
                                .map(str::to_string)
                                .collect()
                        }
                        Err(_) => Vec::new(),
                    };
                    for s in granted.into_iter().filter(|s| s.ends_with(".manage")) {
                        if !write.contains(&s) {
                            write.push(s);
                        }
                    }
                    let cost = if sent == 1 {
                        String::new()
                    } else {
                        format!("{sent} token requests, a DPoP nonce challenge among them")
                    };
                    p.note("okta.probe_cost", &cost);
                    said = format!(
                        "probe token: {sent} token request{}, dropped unused",
                        if sent == 1 { "" } else { "s" }
                    );
                }
                Ok(r) => {
                    let e = self.answer(
                        crate::connector::Endpoint::Token,
                        "POST",
                        super::TOKEN_PATH,
                        &r,
                    );
                    p.note("okta.probe_failed", &excerpt(&e.to_string(), 200));
                    said = "probe token refused: write scopes not checked".into();
                }
                Err(e) => {
                    p.note("okta.probe_failed", &excerpt(&e.to_string(), 200));
                    said = "probe token failed: write scopes not checked".into();
                }
            }
        }
        let verdict = if write.is_empty() {
            "no write scope".to_string()
        } else {
            let read_asked: Vec<&str> = self
                .scopes
                .iter()
                .map(String::as_str)
                .filter(|s| satisfies(&write, s) && s.ends_with(".read"))
                .collect();
            let mut detail = format!("Okta granted {}", write.join(", "));
            if !read_asked.is_empty() {
                detail.push_str(&format!(" (reading needs only {})", read_asked.join(", ")));
            }
            p.warn(code::OKTA_WRITE_SCOPES, detail);
            format!("write scopes: {}", write.join(", "))
        };
        if said.is_empty() {
            verdict
        } else {
            format!("{said}; {verdict}")
        }
    }

    /// The app's admin roles, when it may read them.
    async fn check_roles(&mut self, p: &mut Privileges) -> String {
        if !self.holds("okta.roles.read") {
            let why = if self.scopes.iter().any(|s| s.starts_with("okta.roles.")) {
                "okta.roles.read was requested but Okta did not grant it"
            } else {
                "this profile does not request okta.roles.read"
            };
            p.warn(code::OKTA_ROLES_NOT_VISIBLE, why);
            return "admin roles: not checked".into();
        }
        let roles = match self.own_roles().await {
            Ok(roles) => roles,
            Err(e) => {
                p.warn(code::OKTA_ROLES_NOT_VISIBLE, excerpt(&e.to_string(), 300));
                return "admin roles: not readable".into();
            }
        };
        let mut names = Vec::new();
        let mut broad = Vec::new();
        for (kind, shown) in roles {
            match okta_role(&kind) {
                RoleVerdict::Fine => {}
                RoleVerdict::Custom => p.note("okta.custom_role", &shown),
                RoleVerdict::TooBroad => broad.push(shown.clone()),
            }
            names.push(shown);
        }
        if !broad.is_empty() {
            p.warn(
                code::OKTA_ADMIN_ROLE_TOO_BROAD,
                format!("the app holds {}", broad.join(", ")),
            );
        }
        if names.is_empty() {
            "admin roles: none".into()
        } else {
            format!("admin roles: {}", names.join(", "))
        }
    }

    /// The app's active role assignments (`listRolesForClient`), as (type, "label (TYPE)").
    async fn own_roles(&mut self) -> Result<Vec<(String, String)>, ConnectorError> {
        let url = self.own(&["oauth2", "v1", "clients"], &["roles"]);
        let what = "GET /oauth2/v1/clients/{clientId}/roles";
        let roles = match self.get_once(&url, what).await? {
            Some(r) => decode::<Limited<ClientRole, MAX_ROLES>>(&r, what, "a list of roles")?,
            None => {
                return Err(ConnectorError::Unexpected(format!(
                    "Okta answered 403 to {what}: the app's admin role may not view role assignments"
                )));
            }
        };
        Ok(roles
            .0
            .into_iter()
            // An inactive assignment grants nothing (baton-okta skips them too).
            .filter(|r| {
                !r.status
                    .as_ref()
                    .is_some_and(|s| s.0.eq_ignore_ascii_case("INACTIVE"))
            })
            .map(|role| {
                let kind = text(role.kind).unwrap_or_default();
                let label = text(role.label).unwrap_or_else(|| kind.clone());
                let shown = if label == kind || kind.is_empty() {
                    label
                } else {
                    format!("{label} ({kind})")
                };
                (kind, shown)
            })
            .collect())
    }

    /// An empty first page of users reads as "no admin role" (okta-wire §3). When the app may
    /// read its own roles, they say whether that is so: an app that holds a role sees no users
    /// because its role is limited to a group or resource set without any.
    pub(super) async fn explain_empty(&mut self, e: ConnectorError) -> ConnectorError {
        if e.code() != crate::diagnose::code::OKTA_NO_ADMIN_ROLE || !self.holds("okta.roles.read") {
            return e;
        }
        match self.own_roles().await {
            Ok(roles) if !roles.is_empty() => {
                let names: Vec<String> = roles.into_iter().map(|(_, shown)| shown).collect();
                ConnectorError::Verdict {
                    code: crate::diagnose::code::OKTA_ROLE_SEES_NO_USERS,
                    detail: format!(
                        "GET /api/v1/users answered 200 with an empty list, yet the app holds {}: a role limited to a group or resource set with no users sees none",
                        names.join(", ")
                    ),
                }
            }
            Ok(_) => ConnectorError::Verdict {
                code: crate::diagnose::code::OKTA_NO_ADMIN_ROLE,
                detail: format!(
                    "{e}; the app's own role assignments (GET /oauth2/v1/clients/{{clientId}}/roles) are empty too"
                ),
            },
            Err(_) => e,
        }
    }

    /// Whether the app requires DPoP, from its own record.
    async fn check_app_record(&mut self, p: &mut Privileges) -> String {
        if !self.holds("okta.apps.read") {
            p.note("okta.app_record_not_read", "okta.apps.read is not granted");
            return "DPoP requirement: not read".into();
        }
        let url = self.own(&["api", "v1", "apps"], &[]);
        let what = "GET /api/v1/apps/{clientId}";
        let record = match self.get_once(&url, what).await {
            Ok(Some(r)) => decode::<AppRecord>(&r, what, "an app"),
            Ok(None) => Err(ConnectorError::Unexpected(format!(
                "Okta answered 403 to {what}"
            ))),
            Err(e) => Err(e),
        };
        let required = match record {
            Ok(a) => a
                .settings
                .and_then(|s| s.oauth_client)
                .and_then(|o| o.dpop_bound_access_tokens),
            Err(e) => {
                p.note("okta.app_record_not_read", &excerpt(&e.to_string(), 200));
                return "DPoP requirement: not read".into();
            }
        };
        match required {
            Some(true) => {
                p.note("okta.app_requires_dpop", "");
                "DPoP required".into()
            }
            Some(false) => {
                p.note("okta.app_dpop_optional", "");
                "DPoP not required".into()
            }
            None => "the app's record does not say whether DPoP is required".into(),
        }
    }
}
