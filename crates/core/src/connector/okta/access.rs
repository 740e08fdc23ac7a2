//! What Okta users can do, read for the whole org the cheap way (entitlements-wire §2–4, §10):
//! per group and per app, never per user. Groups with their members (`Everyone` is reported as
//! implicit, not enumerated; empty groups are skipped by their `usersCount`), active apps with
//! their own user lists (which say whether a user holds the app directly or through a group —
//! never inferred from group membership) and group assignments, admin roles of the users that
//! hold any plus the roles of admin groups. Requests go one at a time, each waiting out a spent
//! rate-limit window the headers announced, so a bucket is never pushed into a 429.

use std::collections::HashSet;

use futures_util::StreamExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{Okta, next_link_in, okta_error_code};
use crate::connector::{Connector, ConnectorError, Endpoint, Limited, Text, text};
use crate::entitlements::{Entitlement, Entitlements, Kind, NotVisible};

/// No list is read past this many pages: the paging of a tenant that never ends stops.
const MAX_LIST_PAGES: usize = 200_000;
/// The most items one page of any of these lists may hold (groups allow `limit` 10,000).
const MAX_ITEMS: usize = 10_000;
/// Lists read at once; each rate-limit bucket bounds its own share further (`pace`).
const IN_FLIGHT: usize = 16;

/// Progress from the parts read at once (groups beside apps), to one callback.
type ProgressSink<'a> = std::sync::Mutex<&'a mut (dyn FnMut(Progress) + Send)>;

fn report(sink: &ProgressSink<'_>, kind: Kind, done: u64, total: u64) {
    if let Ok(mut f) = sink.lock() {
        (*f)(Progress { kind, done, total });
    }
}

/// An active app and what its own lists say.
struct AppRead {
    app: Entitlement,
    groups: Listed<IdOnly>,
    rows: Listed<AppUser>,
}

enum AppsRead {
    Hidden(NotVisible),
    Read(Vec<AppRead>),
}

/// How far reading entitlements has got, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub kind: Kind,
    pub done: u64,
    pub total: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OktaGroup {
    id: Option<Text>,
    #[serde(rename = "type")]
    kind: Option<Text>,
    #[serde(default)]
    profile: GroupProfile,
    #[serde(rename = "_embedded", default)]
    embedded: GroupEmbedded,
}

#[derive(Deserialize, Default)]
struct GroupProfile {
    name: Option<Text>,
}

#[derive(Deserialize, Default)]
struct GroupEmbedded {
    stats: Option<GroupStats>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupStats {
    users_count: Option<u64>,
    /// Okta's spelling ([SPEC] `_embedded.stats`).
    has_admin_privlege: Option<bool>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<Text>,
}

#[derive(Deserialize)]
struct OktaApp {
    id: Option<Text>,
    label: Option<Text>,
    status: Option<Text>,
}

#[derive(Deserialize)]
struct AppUser {
    id: Option<Text>,
    /// `USER`: assigned directly; `GROUP`: by group membership ([SPEC] `AppUser.scope`).
    scope: Option<Text>,
}

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Assignees<T> {
    #[serde(default)]
    value: Limited<T, MAX_ITEMS>,
    #[serde(rename = "_links", default)]
    links: Links,
}

#[derive(Deserialize, Default)]
struct Links {
    next: Option<Href>,
    assignee: Option<Href>,
}

#[derive(Deserialize)]
struct Href {
    href: Option<Text>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OktaRole {
    id: Option<Text>,
    label: Option<Text>,
    #[serde(rename = "type")]
    kind: Option<Text>,
    status: Option<Text>,
    assignment_type: Option<Text>,
    #[serde(rename = "_links", default)]
    links: Links,
}

/// A list's answer: its items, or "this credential may not read it" (403).
enum Listed<T> {
    Items(Vec<T>),
    Forbidden,
}

impl Okta {
    /// Whether the token carries `scope` (or its `.manage` sibling, which includes it).
    pub(super) fn holds(&self, scope: &str) -> bool {
        let manage = scope.replace(".read", ".manage");
        self.token
            .as_ref()
            .is_some_and(|t| t.scopes.iter().any(|s| *s == scope || *s == manage))
    }

    /// A GET that leaves only when its rate-limit bucket has room (`pace`), and tells the
    /// bucket what the answer's headers say.
    async fn paced_get(
        &mut self,
        url: &url::Url,
    ) -> Result<crate::http::HttpResponse, ConnectorError> {
        let permit = self.pacer.acquire(url.path()).await;
        let r = self.get_users(url).await?.read().await?;
        permit.read(&r.headers);
        Ok(r)
    }

    /// One GET of an entitlement endpoint: the answer, after one fresh token for a dead one.
    pub(super) async fn get_once(
        &mut self,
        url: &url::Url,
        what: &str,
    ) -> Result<Option<crate::http::HttpResponse>, ConnectorError> {
        if self.token.is_none() {
            self.authenticate().await?;
        }
        let mut r = self.paced_get(url).await?;
        if r.status == 401 && okta_error_code(&r).as_deref() == Some("E0000011") {
            self.authenticate().await?;
            r = self.paced_get(url).await?;
        }
        match r.status {
            200 => Ok(Some(r)),
            403 => Ok(None),
            _ => Err(self.answer(Endpoint::Users, "GET", what, &r)),
        }
    }

    /// Every item of a list paged by `Link` headers (or, for the role assignees, by the
    /// body's `_links.next`): next links are followed only within the org.
    async fn list<T: DeserializeOwned>(
        &mut self,
        first: url::Url,
        what: &str,
        body_paged: bool,
    ) -> Result<Listed<T>, ConnectorError> {
        let mut items = Vec::new();
        let mut url = first;
        let mut seen = HashSet::new();
        for _ in 0..MAX_LIST_PAGES {
            let Some(r) = self.get_once(&url, what).await? else {
                return Ok(Listed::Forbidden);
            };
            let (page, body_next) = if body_paged {
                let a: Assignees<T> = super::decode(&r, what, "a list of role assignees")?;
                (a.value.0, a.links.next.and_then(|h| text(h.href)))
            } else {
                let l: Limited<T, MAX_ITEMS> = super::decode(&r, what, "a list")?;
                (l.0, None)
            };
            items.extend(page);
            let Some(next) = body_next.or_else(|| next_link_in(&r.headers)) else {
                return Ok(Listed::Items(items));
            };
            if !seen.insert(next.clone()) {
                return Err(ConnectorError::Unexpected(format!(
                    "{what} sent a next-page link it had sent before: it is not paging, so ploy-connect stopped"
                )));
            }
            url = self.page_url(Some(&crate::connector::Cursor(next)))?;
        }
        Err(ConnectorError::Unexpected(format!(
            "{what}: more than {MAX_LIST_PAGES} pages, stopped so the export cannot run forever"
        )))
    }

    fn api(&self, path: &str, query: &[(&str, &str)]) -> url::Url {
        let mut u = self.url(path);
        if !query.is_empty() {
            u.query_pairs_mut().extend_pairs(query);
        }
        u
    }

    /// Groups, apps and admin roles of every user, with how each is held. What the credential
    /// may not read is said in `not_visible`, never a failure.
    pub async fn entitlements(
        &mut self,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<Entitlements, ConnectorError> {
        if self.token.is_none() {
            self.authenticate().await?;
        }
        let mut out = Entitlements::default();
        let progress: ProgressSink = std::sync::Mutex::new(progress);
        // Groups and apps have rate-limit buckets of their own: both at once.
        let mut apps_reader = self.sibling();
        // Roles name the group they come through: they follow the groups, beside the apps.
        let (groups_and_roles, apps) = tokio::join!(
            async {
                let admin_groups = self.read_groups(&mut out, &progress).await?;
                self.read_roles(&mut out, &admin_groups, &progress).await
            },
            apps_reader.fetch_apps(&progress)
        );
        groups_and_roles?;
        Self::apply_apps(&mut out, apps?);
        Ok(out)
    }

    async fn read_groups(
        &mut self,
        out: &mut Entitlements,
        progress: &ProgressSink<'_>,
    ) -> Result<Vec<(u32, String)>, ConnectorError> {
        let mut admin_groups = Vec::new();
        if !self.holds("okta.groups.read") {
            out.not_visible.push(NotVisible {
                what: Kind::Group,
                fix: "grant okta.groups.read".into(),
            });
            return Ok(admin_groups);
        }
        let url = self.api("/api/v1/groups", &[("limit", "200"), ("expand", "stats")]);
        let groups: Vec<OktaGroup> = match self.list(url, "GET /api/v1/groups", false).await? {
            Listed::Items(g) => g,
            Listed::Forbidden => {
                out.not_visible.push(NotVisible {
                    what: Kind::Group,
                    fix: "the app's admin role may not read groups".into(),
                });
                return Ok(admin_groups);
            }
        };
        // The catalogue first, in the tenant's order; then the member lists, several at once.
        let mut lists = Vec::new();
        for g in groups {
            let Some(id) = text(g.id) else { continue };
            let kind = text(g.kind).unwrap_or_default();
            let name = text(g.profile.name).unwrap_or_else(|| id.clone());
            let stats = g.embedded.stats;
            let Some(gi) = out.intern(Entitlement {
                kind: Kind::Group,
                id: id.clone(),
                name: name.clone(),
                organization: None,
                detail: Some(kind.clone()),
            }) else {
                continue;
            };
            if stats.as_ref().and_then(|s| s.has_admin_privlege) == Some(true) {
                admin_groups.push((gi, id.clone()));
            }
            // Everyone holds every user: said once instead of listing the whole org again.
            if kind == "BUILT_IN" && name == "Everyone" {
                out.implicit.push(name);
                continue;
            }
            if stats.as_ref().and_then(|s| s.users_count) == Some(0) {
                continue;
            }
            lists.push((gi, format!("/api/v1/groups/{id}/users")));
        }
        let total = lists.len() as u64;
        let mut done = 0;
        report(progress, Kind::Group, done, total);
        let mut reads = futures_util::stream::iter(lists.into_iter().map(|(gi, path)| {
            let mut o = self.sibling();
            async move {
                let url = o.api(&path, &[("limit", "200")]);
                let what = format!("GET {path}");
                (gi, o.list::<IdOnly>(url, &what, false).await)
            }
        }))
        .buffer_unordered(IN_FLIGHT);
        while let Some((gi, members)) = reads.next().await {
            if let Listed::Items(members) = members? {
                for m in members {
                    if let Some(user) = text(m.id) {
                        out.grant(&user, gi, None);
                    }
                }
            }
            done += 1;
            report(progress, Kind::Group, done, total);
        }
        Ok(admin_groups)
    }

    /// Every active app with its group assignments and its users, read beside the groups
    /// (another rate-limit bucket); `apply_apps` takes them in once the groups are.
    async fn fetch_apps(
        &mut self,
        progress: &ProgressSink<'_>,
    ) -> Result<AppsRead, ConnectorError> {
        if !self.holds("okta.apps.read") {
            return Ok(AppsRead::Hidden(NotVisible {
                what: Kind::App,
                fix: "grant okta.apps.read".into(),
            }));
        }
        let url = self.api(
            "/api/v1/apps",
            &[("limit", "200"), ("filter", r#"status eq "ACTIVE""#)],
        );
        let apps: Vec<OktaApp> = match self.list(url, "GET /api/v1/apps", false).await? {
            Listed::Items(a) => a,
            Listed::Forbidden => {
                return Ok(AppsRead::Hidden(NotVisible {
                    what: Kind::App,
                    fix: "the app's admin role may not read apps".into(),
                }));
            }
        };
        let apps: Vec<Entitlement> = apps
            .into_iter()
            .filter_map(|app| {
                let id = text(app.id)?;
                Some(Entitlement {
                    kind: Kind::App,
                    name: text(app.label).unwrap_or_else(|| id.clone()),
                    id,
                    organization: None,
                    detail: text(app.status),
                })
            })
            .collect();
        let total = apps.len() as u64;
        let mut done = 0;
        report(progress, Kind::App, done, total);
        // Each app's group assignments, then its users (whose rows say only *that* a group
        // gives it): the two lists of one app in turn, several apps at once.
        let mut reads = futures_util::stream::iter(apps.into_iter().map(|app| {
            let mut o = self.sibling();
            async move {
                let path = format!("/api/v1/apps/{}/groups", app.id);
                let url = o.api(&path, &[("limit", "200")]);
                let groups = o.list::<IdOnly>(url, &format!("GET {path}"), false).await?;
                let path = format!("/api/v1/apps/{}/users", app.id);
                let url = o.api(&path, &[("limit", "500")]);
                let rows = o
                    .list::<AppUser>(url, &format!("GET {path}"), false)
                    .await?;
                Ok::<_, ConnectorError>(AppRead { app, groups, rows })
            }
        }))
        .buffer_unordered(IN_FLIGHT);
        let mut read = Vec::new();
        while let Some(app) = reads.next().await {
            read.push(app?);
            done += 1;
            report(progress, Kind::App, done, total);
        }
        Ok(AppsRead::Read(read))
    }

    /// The apps into `out`, after the groups: an app held through a group names the group.
    fn apply_apps(out: &mut Entitlements, apps: AppsRead) {
        let apps = match apps {
            AppsRead::Hidden(why) => {
                out.not_visible.push(why);
                return;
            }
            AppsRead::Read(apps) => apps,
        };
        out.notes.push("apps: active apps only".into());
        let everyone = out
            .all()
            .iter()
            .position(|e| {
                e.kind == Kind::Group
                    && e.detail.as_deref() == Some("BUILT_IN")
                    && e.name == "Everyone"
            })
            .and_then(|i| u32::try_from(i).ok());
        for AppRead { app, groups, rows } in apps {
            let Some(ai) = out.intern(app) else {
                continue;
            };
            let groups: Vec<u32> = match groups {
                Listed::Items(g) => g
                    .into_iter()
                    .filter_map(|g| text(g.id))
                    .filter_map(|g| out.find(Kind::Group, &g))
                    .collect(),
                Listed::Forbidden => Vec::new(),
            };
            let Listed::Items(rows) = rows else {
                continue;
            };
            for row in rows {
                let Some(user) = text(row.id) else { continue };
                let via = match text(row.scope).as_deref() {
                    Some("GROUP") => {
                        let held = out.grants_of(&user);
                        groups
                            .iter()
                            .copied()
                            .find(|g| held.iter().any(|h| h.entitlement == *g && h.via.is_none()))
                            .or_else(|| everyone.filter(|e| groups.contains(e)))
                            .or_else(|| groups.first().copied())
                    }
                    _ => None,
                };
                out.grant(&user, ai, via);
            }
        }
    }

    async fn read_roles(
        &mut self,
        out: &mut Entitlements,
        admin_groups: &[(u32, String)],
        progress: &ProgressSink<'_>,
    ) -> Result<(), ConnectorError> {
        let not_visible = || NotVisible {
            what: Kind::Role,
            fix: "grant okta.roles.read (and an admin role that may view role assignments)".into(),
        };
        if !self.holds("okta.roles.read") {
            out.not_visible.push(NotVisible {
                what: Kind::Role,
                fix: "grant okta.roles.read".into(),
            });
            return Ok(());
        }
        let url = self.api("/api/v1/iam/assignees/users", &[("limit", "100")]);
        let users: Vec<IdOnly> = match self
            .list(url, "GET /api/v1/iam/assignees/users", true)
            .await?
        {
            Listed::Items(u) => u,
            Listed::Forbidden => {
                out.not_visible.push(not_visible());
                return Ok(());
            }
        };
        let total = (users.len() + admin_groups.len()) as u64;
        let mut done = 0;
        let mut reads =
            futures_util::stream::iter(users.into_iter().filter_map(|u| text(u.id)).map(|user| {
                let mut o = self.sibling();
                async move {
                    let path = format!("/api/v1/users/{user}/roles");
                    let what = format!("GET {path}");
                    let url = o.api(&path, &[]);
                    let read = match o.get_once(&url, &what).await {
                        Ok(Some(r)) => super::decode::<Limited<OktaRole, MAX_ITEMS>>(
                            &r,
                            &what,
                            "a list of roles",
                        )
                        .map(|roles| Some(roles.0)),
                        Ok(None) => Ok(None),
                        Err(e) => Err(e),
                    };
                    (user, read)
                }
            }))
            .buffer_unordered(IN_FLIGHT);
        while let Some((user, read)) = reads.next().await {
            done += 1;
            report(progress, Kind::Role, done, total);
            let Some(roles) = read? else {
                out.not_visible.push(not_visible());
                return Ok(());
            };
            for mut role in roles {
                let via = match text(role.assignment_type.take()).as_deref() {
                    Some("GROUP") => role
                        .links
                        .assignee
                        .take()
                        .and_then(|h| text(h.href))
                        .and_then(|h| h.rsplit('/').next().map(str::to_string))
                        .and_then(|g| out.find(Kind::Group, &g)),
                    _ => None,
                };
                if let Some(ri) = role_entitlement(out, role) {
                    out.grant(&user, ri, via);
                }
            }
        }
        drop(reads);
        for (k, (gi, gid)) in admin_groups.iter().enumerate() {
            report(
                progress,
                Kind::Role,
                (total as usize - admin_groups.len() + k) as u64,
                total,
            );
            let path = format!("/api/v1/groups/{gid}/roles");
            let what = format!("GET {path}");
            let url = self.api(&path, &[]);
            let Some(r) = self.get_once(&url, &what).await? else {
                continue;
            };
            let roles: Limited<OktaRole, MAX_ITEMS> = super::decode(&r, &what, "a list of roles")?;
            let members: Vec<String> = out
                .holders(*gi)
                .into_iter()
                .filter(|(_, via)| via.is_none())
                .map(|(u, _)| u.to_string())
                .collect();
            for role in roles.0 {
                if let Some(ri) = role_entitlement(out, role) {
                    for m in &members {
                        out.grant(m, ri, Some(*gi));
                    }
                }
            }
        }
        report(progress, Kind::Role, total, total);
        Ok(())
    }
}

/// A role assignment as an entitlement: standard roles by their type (the same role held by
/// two people is one entitlement), custom roles by their ID; INACTIVE ones are not held.
fn role_entitlement(out: &mut Entitlements, role: OktaRole) -> Option<u32> {
    if text(role.status).as_deref() == Some("INACTIVE") {
        return None;
    }
    let kind = text(role.kind).unwrap_or_else(|| "CUSTOM".into());
    let id = if kind == "CUSTOM" {
        text(role.id).unwrap_or_else(|| kind.clone())
    } else {
        kind.clone()
    };
    let name = text(role.label).unwrap_or_else(|| kind.clone());
    out.intern(Entitlement {
        kind: Kind::Role,
        id,
        name,
        organization: None,
        detail: Some(kind),
    })
}
