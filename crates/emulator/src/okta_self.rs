//! The org's records about itself and its app (issue 18): `/.well-known/okta-organization`
//! (unauthenticated, [SPEC] `getWellknownOrgMetadata`), the app's admin roles
//! (`listRolesForClient`, `okta.roles.read`) and its own record (`getApplication`,
//! `okta.apps.read`, with `settings.oauthClient.dpop_bound_access_tokens`); and the faults of
//! a host that is not (or no longer) the org's: a 404 HTML page for every path, or a redirect.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::okta::{Org, okta_error, with_date};
use super::okta_access::{Bucket, guarded};
use super::scenario::Scenario;

/// `/oauth2/v1/clients`: 100 a minute on Workforce (entitlements-wire §2.4); that
/// `listRolesForClient` counts there (longest prefix) is unconfirmed (§4.5).
const CLIENTS: Bucket = Bucket {
    name: "clients",
    limit: 100,
    scope: "okta.roles.read",
};
/// `/api/v1/apps/{id}` only: 500 a minute on Workforce (§2.4).
const APP: Bucket = Bucket {
    name: "app",
    limit: 500,
    scope: "okta.apps.read",
};

const CREATED: &str = "2024-03-01T10:00:00.000Z";
/// Not a vendor's: where the redirect scenarios (both tenants) point, counting whoever
/// follows (in the Okta org's stats: one sink for both).
pub const REDIRECTED_PATH: &str = "/emulator/admin/redirected";

pub fn routes() -> Router<Arc<Org>> {
    Router::new()
        .route("/.well-known/okta-organization", get(well_known))
        .route("/oauth2/v1/clients/{id}/roles", get(client_roles))
        .route("/api/v1/apps/{id}", get(app_record))
        .route(
            &format!("{REDIRECTED_PATH}/{{*rest}}"),
            get(redirected).post(redirected),
        )
}

/// The same port on `localhost`: the org's "other host" (its custom domain, or where a
/// redirect points), which reaches this emulator too.
fn localhost(org: &Org) -> String {
    let port = org.base().rsplit(':').next().unwrap_or_default();
    format!("http://localhost:{port}")
}

/// Faults of the host itself, before any route: a mistyped or deactivated org (404 with an
/// HTML page — what SDKs met as "Unexpected character ('<')", entitlements-wire §8), or a
/// redirect elsewhere. Counts requests that came to the org's custom domain.
pub async fn host_faults(State(org): State<Arc<Org>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/emulator/") {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if org
        .alternate()
        .is_some_and(|alt| alt.strip_prefix("http://") == Some(host))
    {
        org.stats
            .other_host_requests
            .fetch_add(1, Ordering::Relaxed);
    }
    let faults = org.faults();
    if faults.on(Scenario::OktaOrgNotFound) {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
            "<!DOCTYPE html><html><head><title>Not Found</title></head><body><h1>404</h1><p>The page you are looking for can't be found.</p></body></html>",
        )
            .into_response();
    }
    if faults.on(Scenario::OktaRedirect) {
        let to = format!("{}{REDIRECTED_PATH}{path}", localhost(&org));
        let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
        if let Ok(v) = HeaderValue::from_str(&to) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return r;
    }
    next.run(req).await
}

async fn redirected(State(org): State<Arc<Org>>) -> Response {
    org.stats.redirects_followed.fetch_add(1, Ordering::Relaxed);
    (StatusCode::OK, axum::Json(json!({}))).into_response()
}

/// The org's own record: its ID, its okta.com host and, with a custom domain, that too
/// ([SPEC] examples `WellKnownOrgMetadataResponseCustomUrlOie` / `…Classic`).
async fn well_known(State(org): State<Arc<Org>>) -> Response {
    let mut links = json!({"organization": {"href": org.base()}});
    if let Some(alt) = org.alternate() {
        links["alternate"] = json!({"href": alt});
    }
    let body = json!({"id": org.org_id, "pipeline": "idx", "_links": links});
    let mut r = (StatusCode::OK, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&super::data::random_token(27)) {
        r.headers_mut().insert("x-okta-request-id", v);
    }
    with_date(&org, r)
}

fn unknown_app(id: &str) -> Response {
    okta_error(
        StatusCode::NOT_FOUND,
        "E0000007",
        &format!("Not found: Resource not found: {id} (AppInstance)"),
        json!([]),
    )
}

/// A standard role assigned to the app ([SPEC] example `StandardRolesListResponseClient`).
fn client_role(org: &Org, kind: &str, label: &str) -> Value {
    json!({
        "id": format!("ir{}", super::data::random_token(18)), "label": label, "type": kind,
        "status": "ACTIVE", "created": CREATED, "lastUpdated": CREATED, "assignmentType": "CLIENT",
        "_links": {"assignee": {"href": format!("{}/oauth2/v1/clients/{}", org.base(), org.client_id())}},
    })
}

/// A custom role bound to a resource set ([SPEC] example `CustomRolesListResponseClient`).
fn custom_client_role(org: &Org) -> Value {
    let base = org.base();
    let (role, set) = ("cr0emulatorreviewer", "iamemulatoremptyset");
    let id = format!("irb{}", super::data::random_token(17));
    json!({
        "id": id, "label": "Access Reviewer", "type": "CUSTOM", "status": "ACTIVE",
        "created": CREATED, "lastUpdated": CREATED, "assignmentType": "CLIENT",
        "resource-set": set, "role": role,
        "_links": {
            "role": {"href": format!("{base}/api/v1/iam/roles/{role}")},
            "resource-set": {"href": format!("{base}/api/v1/iam/resource-sets/{set}")},
            "permissions": {"href": format!("{base}/api/v1/iam/roles/{role}/permissions")},
            "assignee": {"href": format!("{base}/oauth2/v1/clients/{}", org.client_id())},
        },
    })
}

async fn client_roles(
    State(org): State<Arc<Org>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    guarded(&org, &CLIENTS, &headers, &uri, || {
        if id != org.client_id() {
            return unknown_app(&id);
        }
        let faults = org.faults();
        if faults.on(Scenario::OktaRolesForbidden) {
            return okta_error(
                StatusCode::FORBIDDEN,
                "E0000006",
                "You do not have permission to perform the requested action",
                json!([]),
            );
        }
        let roles: Vec<Value> = if faults.on(Scenario::OktaNoAdminRole) {
            Vec::new()
        } else if faults.on(Scenario::OktaRoleSeesNoUsers) {
            vec![custom_client_role(&org)]
        } else if faults.on(Scenario::OktaSuperAdmin) {
            vec![client_role(
                &org,
                "SUPER_ADMIN",
                "Super Organization administrator",
            )]
        } else {
            vec![client_role(
                &org,
                "READ_ONLY_ADMIN",
                "Read-only Administrator",
            )]
        };
        (StatusCode::OK, axum::Json(roles)).into_response()
    })
}

/// The API Services app as `getApplication` shows it ([SPEC] `OpenIdConnectApplication`).
async fn app_record(
    State(org): State<Arc<Org>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    guarded(&org, &APP, &headers, &uri, || {
        if id != org.client_id() {
            return unknown_app(&id);
        }
        let base = org.base();
        let body = json!({
            "id": id, "name": "oidc_client", "label": "Ploy", "status": "ACTIVE",
            "created": CREATED, "lastUpdated": CREATED, "signOnMode": "OPENID_CONNECT",
            "credentials": {"oauthClient": {
                "autoKeyRotation": true, "client_id": id,
                "token_endpoint_auth_method": "private_key_jwt", "pkce_required": false,
            }},
            "settings": {"app": {}, "oauthClient": {
                "application_type": "service", "grant_types": ["client_credentials"],
                "response_types": ["token"],
                "dpop_bound_access_tokens": org.dpop_required(),
                "jwks": {"keys": org.public_keys()},
            }},
            "_links": {
                "appLinks": [], "users": {"href": format!("{base}/api/v1/apps/{id}/users")},
                "groups": {"href": format!("{base}/api/v1/apps/{id}/groups")},
            },
        });
        (StatusCode::OK, axum::Json(body)).into_response()
    })
}
