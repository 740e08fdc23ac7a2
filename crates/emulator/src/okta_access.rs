//! The Okta org's entitlement endpoints (entitlements-wire §2–4): groups and their members,
//! apps with their user and group assignments, admin roles. Each checks its scope, counts in
//! its own rate-limit bucket and pages with `Link` headers (the role assignees in the body),
//! with the limits the spec gives.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use super::access::{Held, Role};
use super::okta::{
    Org, authorize, decode_cursor, encode_cursor, okta_error, request_htu, with_common_headers,
};

/// Buckets as the last published numbers give them (Workforce; entitlements-wire §2.4): the
/// `/api/v1/apps/*` family is the tightest.
pub(crate) struct Bucket {
    pub(crate) name: &'static str,
    pub(crate) limit: u32,
    pub(crate) scope: &'static str,
}

const GROUPS: Bucket = Bucket {
    name: "groups",
    limit: 500,
    scope: "okta.groups.read",
};
const APPS: Bucket = Bucket {
    name: "apps",
    limit: 100,
    scope: "okta.apps.read",
};
const IAM: Bucket = Bucket {
    name: "iam",
    limit: 100,
    scope: "okta.roles.read",
};
const USER_ROLES: Bucket = Bucket {
    name: "user-roles",
    limit: 600,
    scope: "okta.roles.read",
};
const GROUP_ROLES: Bucket = Bucket {
    name: "groups",
    limit: 500,
    scope: "okta.roles.read",
};

pub fn routes() -> Router<Arc<Org>> {
    Router::new()
        .route("/api/v1/groups", get(groups))
        .route("/api/v1/groups/{id}/users", get(group_users))
        .route("/api/v1/groups/{id}/roles", get(group_roles))
        .route("/api/v1/apps", get(apps))
        .route("/api/v1/apps/{id}/users", get(app_users))
        .route("/api/v1/apps/{id}/groups", get(app_groups))
        .route("/api/v1/iam/assignees/users", get(role_assignees))
        .route("/api/v1/users/{id}/roles", get(user_roles))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    limit: Option<String>,
    after: Option<String>,
    filter: Option<String>,
    expand: Option<String>,
}

/// Counts the request in its bucket, answers 429 when it is spent, checks the token and
/// scope; then `answer` makes the body. Every answer carries the bucket's headers and `Date`.
pub(crate) fn guarded(
    org: &Org,
    bucket: &Bucket,
    headers: &HeaderMap,
    uri: &Uri,
    answer: impl FnOnce() -> Response,
) -> Response {
    org.stats
        .entitlement_requests
        .fetch_add(1, Ordering::Relaxed);
    let rate = org.bucket(bucket.name, bucket.limit, org.window(), true);
    let r = if rate.1 == 0 && org.over(bucket.name, bucket.limit) {
        org.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
        okta_error(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
            json!([]),
        )
    } else {
        match authorize(org, headers, &request_htu(headers, uri), bucket.scope) {
            Ok(()) => answer(),
            Err(r) => r,
        }
    };
    let mut r = with_common_headers(r, rate);
    if let Ok(v) = HeaderValue::from_str(&httpdate(org)) {
        r.headers_mut().insert(header::DATE, v);
    }
    r
}

/// The org's clock as an HTTP date (the rate-limit reset is measured against it).
pub(crate) fn httpdate(org: &Org) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(org.now())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        [t.weekday().number_days_from_monday() as usize];
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][u8::from(t.month()) as usize - 1];
    format!(
        "{day}, {:02} {month} {} {:02}:{:02}:{:02} GMT",
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn invalid_paging(what: &str) -> Response {
    okta_error(
        StatusCode::BAD_REQUEST,
        "E0000029",
        "Invalid paging request.",
        json!([{ "errorSummary": what }]),
    )
}

fn not_found(what: &str) -> Response {
    okta_error(
        StatusCode::NOT_FOUND,
        "E0000007",
        &format!("Not found: Resource not found: {what} (UserGroup)"),
        json!([]),
    )
}

/// `limit` within `min..=max` (`default` when absent) and the cursor's index.
// The error is the handler's own answer, returned at once; boxing it buys nothing.
#[allow(clippy::result_large_err)]
fn paging(
    q: &PageQuery,
    default: usize,
    min: usize,
    max: usize,
) -> Result<(usize, usize), Response> {
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => default,
        Some(Ok(l)) if l >= min => l.min(max),
        Some(_) => return Err(invalid_paging("Invalid limit.")),
    };
    let start = match q.after.as_deref().map(decode_cursor) {
        None => 0,
        Some(Some(i)) => i,
        Some(None) => return Err(invalid_paging("Invalid cursor.")),
    };
    Ok((limit, start))
}

/// A page of `total` items from `start`, with `Link` headers to this and the next page.
fn page(
    org: &Org,
    path: &str,
    extra: &str,
    total: usize,
    start: usize,
    limit: usize,
    item: impl Fn(usize) -> Value,
) -> Response {
    let end = start.saturating_add(limit).min(total);
    let items: Vec<Value> = (start.min(end)..end).map(item).collect();
    let mut r = (StatusCode::OK, axum::Json(items)).into_response();
    let mut links = vec![format!(
        "<{}{path}?limit={limit}{extra}>; rel=\"self\"",
        org.link_base()
    )];
    if end < total {
        links.push(format!(
            "<{}{path}?after={}&limit={limit}{extra}>; rel=\"next\"",
            org.link_base(),
            encode_cursor(end)
        ));
    }
    for l in links {
        if let Ok(v) = HeaderValue::from_str(&l) {
            r.headers_mut().append(header::LINK, v);
        }
    }
    r
}

const CREATED: &str = "2024-01-15T09:00:00.000Z";

fn group_json(org: &Org, g: usize, stats: bool) -> Value {
    let group = org.access.group(g);
    let mut v = json!({
        "id": group.id, "created": CREATED, "lastUpdated": CREATED,
        "lastMembershipUpdated": CREATED, "objectClass": ["okta:user_group"],
        "type": group.kind.as_str(),
        "profile": {"name": group.name, "description": null},
        "_links": {"users": {"href": format!("{}/api/v1/groups/{}/users", org.base(), group.id)},
                   "apps": {"href": format!("{}/api/v1/groups/{}/apps", org.base(), group.id)}},
    });
    if stats {
        let apps = (0..org.access.apps())
            .filter(|a| org.access.app(*a).groups.contains(&g))
            .count();
        v["_embedded"] = json!({"stats": {
            "usersCount": org.access.members(g).len(), "appsCount": apps,
            "groupPushMappingsCount": 0, "hasAdminPrivlege": group.admin,
        }});
    }
    v
}

async fn groups(
    State(org): State<Arc<Org>>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    guarded(&org, &GROUPS, &headers, &uri, || {
        // The spec's maximum; it recommends 200 and gives no default.
        let (limit, start) = match paging(&q, 10_000, 1, 10_000) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let stats = q
            .expand
            .as_deref()
            .is_some_and(|e| e.split(',').any(|x| x == "stats"));
        let extra = if stats { "&expand=stats" } else { "" };
        page(
            &org,
            "/api/v1/groups",
            extra,
            org.access.groups(),
            start,
            limit,
            |g| group_json(&org, g, stats),
        )
    })
}

fn group_index(org: &Org, id: &str) -> Option<usize> {
    org.access.group_by_id(id).map(|g| g.index)
}

async fn group_users(
    State(org): State<Arc<Org>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    guarded(&org, &GROUPS, &headers, &uri, || {
        let Some(g) = group_index(&org, &id) else {
            return not_found(&id);
        };
        // "The default user limit is set to a very high number due to historical reasons".
        let (limit, start) = match paging(&q, 1_000, 1, 1_000) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let members = org.access.members(g);
        let path = format!("/api/v1/groups/{id}/users");
        page(&org, &path, "", members.len(), start, limit, |k| {
            let i = members.get(k).unwrap_or_default();
            super::okta::user_json(&org, i)
        })
    })
}

fn role_json(org: &Org, role: Role, held: Held, holder: u64, assignee: &str) -> Value {
    let (kind, link) = match held {
        Held::Directly => ("USER", format!("{}/api/v1/users/{assignee}", org.base())),
        Held::Via(g) => (
            "GROUP",
            format!("{}/api/v1/groups/{}", org.base(), org.access.group(g).id),
        ),
    };
    json!({
        "id": org.access.role_id(role, holder), "label": role.label, "type": role.kind,
        "status": "ACTIVE", "created": CREATED, "lastUpdated": CREATED, "assignmentType": kind,
        "_links": {"assignee": {"href": link}},
    })
}

async fn group_roles(
    State(org): State<Arc<Org>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    guarded(&org, &GROUP_ROLES, &headers, &uri, || {
        let Some(g) = org.access.group_by_id(&id) else {
            return not_found(&id);
        };
        let roles: Vec<Value> = if g.admin {
            vec![role_json(
                &org,
                super::access::GROUP_ROLE,
                Held::Via(g.index),
                g.index as u64,
                &id,
            )]
        } else {
            Vec::new()
        };
        (StatusCode::OK, axum::Json(roles)).into_response()
    })
}

fn app_json(org: &Org, a: usize) -> Value {
    let app = org.access.app(a);
    json!({
        "id": app.id, "name": app.label.to_lowercase().replace(' ', "_"), "label": app.label,
        "status": if app.active { "ACTIVE" } else { "INACTIVE" },
        "created": CREATED, "lastUpdated": CREATED, "signOnMode": "SAML_2_0",
        "_links": {"users": {"href": format!("{}/api/v1/apps/{}/users", org.base(), app.id)},
                   "groups": {"href": format!("{}/api/v1/apps/{}/groups", org.base(), app.id)}},
    })
}

async fn apps(
    State(org): State<Arc<Org>>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    guarded(&org, &APPS, &headers, &uri, || {
        let only_active = match q.filter.as_deref() {
            None => false,
            Some(r#"status eq "ACTIVE""#) => true,
            Some(_) => {
                return okta_error(
                    StatusCode::BAD_REQUEST,
                    "E0000031",
                    "Invalid search criteria.",
                    json!([]),
                );
            }
        };
        let (limit, start) = match paging(&q, 200, 1, 200) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let shown: Vec<usize> = (0..org.access.apps())
            .filter(|a| !only_active || org.access.app(*a).active)
            .collect();
        let extra = if only_active {
            "&filter=status+eq+%22ACTIVE%22"
        } else {
            ""
        };
        page(
            &org,
            "/api/v1/apps",
            extra,
            shown.len(),
            start,
            limit,
            |k| app_json(&org, shown[k]),
        )
    })
}

fn app_index(org: &Org, id: &str) -> Option<usize> {
    org.access.app_by_id(id).map(|a| a.index)
}

fn app_not_found(id: &str) -> Response {
    okta_error(
        StatusCode::NOT_FOUND,
        "E0000007",
        &format!("Not found: Resource not found: {id} (AppInstance)"),
        json!([]),
    )
}

async fn app_users(
    State(org): State<Arc<Org>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    guarded(&org, &APPS, &headers, &uri, || {
        let Some(a) = app_index(&org, &id) else {
            return app_not_found(&id);
        };
        let (limit, start) = match paging(&q, 50, 1, 500) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let rows = org.access.app_rows(a);
        let path = format!("/api/v1/apps/{id}/users");
        page(&org, &path, "", rows.len(), start, limit, |k| {
            let (i, held) = rows[k];
            let person = org.access.people().person(i as usize);
            let user = super::data::okta_user_id(&person.id);
            json!({
                "id": user, "externalId": null, "created": CREATED, "lastUpdated": CREATED,
                "scope": if held == Held::Directly { "USER" } else { "GROUP" },
                "status": "ACTIVE", "statusChanged": CREATED, "passwordChanged": null,
                "syncState": "DISABLED", "credentials": {"userName": person.okta_email},
                "profile": {},
                "_links": {"app": {"href": format!("{}/api/v1/apps/{id}", org.base())},
                           "user": {"href": format!("{}/api/v1/users/{user}", org.base())}},
            })
        })
    })
}

async fn app_groups(
    State(org): State<Arc<Org>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    guarded(&org, &APPS, &headers, &uri, || {
        let Some(a) = app_index(&org, &id) else {
            return app_not_found(&id);
        };
        let (limit, start) = match paging(&q, 20, 20, 200) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let groups = org.access.app(a).groups;
        let path = format!("/api/v1/apps/{id}/groups");
        page(&org, &path, "", groups.len(), start, limit, |k| {
            let g = org.access.group(groups[k]);
            json!({
                "id": g.id, "lastUpdated": CREATED, "priority": k, "profile": {},
                "_links": {"app": {"href": format!("{}/api/v1/apps/{id}", org.base())},
                           "group": {"href": format!("{}/api/v1/groups/{}", org.base(), g.id)}},
            })
        })
    })
}

/// `listUsersWithRoleAssignments`: an object, with the next page in the body.
async fn role_assignees(
    State(org): State<Arc<Org>>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    guarded(&org, &IAM, &headers, &uri, || {
        let (limit, start) = match paging(&q, 100, 1, 100) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let all: Vec<usize> = org.access.role_assignees().collect();
        let end = start.saturating_add(limit).min(all.len());
        let value: Vec<Value> = all[start.min(end)..end]
            .iter()
            .map(|i| {
                let id = org.access.people().okta_id(*i);
                json!({"id": id, "orn": format!("orn:okta:00oemulator:users:{id}"),
                       "_links": {"self": {"href": format!("{}/api/v1/users/{id}", org.base())},
                                  "roles": {"href": format!("{}/api/v1/users/{id}/roles", org.base())}}})
            })
            .collect();
        let mut body = json!({"value": value, "_links": {}});
        if end < all.len() {
            body["_links"]["next"] = json!({"href": format!(
                "{}/api/v1/iam/assignees/users?after={}&limit={limit}",
                org.link_base(),
                encode_cursor(end)
            )});
        }
        (StatusCode::OK, axum::Json(body)).into_response()
    })
}

async fn user_roles(
    State(org): State<Arc<Org>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    guarded(&org, &USER_ROLES, &headers, &uri, || {
        let roles: Vec<Value> = match org.role_person(&id) {
            Some(i) => org
                .access
                .roles_of(i)
                .into_iter()
                .map(|(role, held)| role_json(&org, role, held, i as u64, &id))
                .collect(),
            // Someone who holds no role: an empty list.
            None => Vec::new(),
        };
        (StatusCode::OK, axum::Json(roles)).into_response()
    })
}
