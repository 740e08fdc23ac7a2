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

/// Each active app's groups (by ID), or why apps were not read.
enum AppsRead {
    Hidden(NotVisible),
    Read(Vec<(u32, Vec<String>)>),
}

/// The shared entitlements, whoever left the lock (nothing here panics while holding it).
fn locked(shared: &std::sync::Mutex<Entitlements>) -> std::sync::MutexGuard<'_, Entitlements> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

/// Each role assignee's roles.
enum RolesRead {
    Hidden(NotVisible),
    Read(Vec<(String, Vec<OktaRole>)>),
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
        Ok(
            if self
                .list_each(first, what, body_paged, |page| items.extend(page))
                .await?
            {
                Listed::Items(items)
            } else {
                Listed::Forbidden
            },
        )
    }

    /// `list`, each page handed to `each` as it comes: a member list of a million users is
    /// never held whole. `false`: the list is forbidden.
    async fn list_each<T: DeserializeOwned>(
        &mut self,
        first: url::Url,
        what: &str,
        body_paged: bool,
        mut each: impl FnMut(Vec<T>),
    ) -> Result<bool, ConnectorError> {
        let mut url = first;
        let mut seen = HashSet::new();
        for _ in 0..MAX_LIST_PAGES {
            let Some(r) = self.get_once(&url, what).await? else {
                return Ok(false);
            };
            let (page, body_next) = if body_paged {
                let a: Assignees<T> = super::decode(&r, what, "a list of role assignees")?;
                (a.value.0, a.links.next.and_then(|h| text(h.href)))
            } else {
                let l: Limited<T, MAX_ITEMS> = super::decode(&r, what, "a list")?;
                (l.0, None)
            };
            each(page);
            let Some(next) = body_next.or_else(|| next_link_in(&r.headers)) else {
                return Ok(true);
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
        let shared = std::sync::Mutex::new(Entitlements::default());
        let progress: ProgressSink = std::sync::Mutex::new(progress);
        // Groups, apps and roles have rate-limit buckets of their own: all three at once.
        // Apps are taken in as they arrive, the group each is held through settled once the
        // groups are in; roles wait for the groups (they name them).
        let mut apps_reader = self.sibling();
        let mut roles_reader = self.sibling();
        let (admin_groups, apps, roles) = tokio::join!(
            self.read_groups(&shared, &progress),
            apps_reader.read_apps(&shared, &progress),
            roles_reader.fetch_user_roles(&progress)
        );
        let admin_groups = admin_groups?;
        let mut out = shared.into_inner().unwrap_or_else(|p| p.into_inner());
        Self::settle_apps(&mut out, apps?);
        if Self::apply_user_roles(&mut out, roles?) {
            self.read_group_roles(&mut out, &admin_groups).await?;
        }
        out.finish();
        Ok(out)
    }

    async fn read_groups(
        &mut self,
        shared: &std::sync::Mutex<Entitlements>,
        progress: &ProgressSink<'_>,
    ) -> Result<Vec<(u32, String)>, ConnectorError> {
        let mut admin_groups = Vec::new();
        if !self.holds("okta.groups.read") {
            locked(shared).not_visible.push(NotVisible {
                what: Kind::Group,
                fix: "grant okta.groups.read".into(),
            });
            return Ok(admin_groups);
        }
        let url = self.api("/api/v1/groups", &[("limit", "200"), ("expand", "stats")]);
        let groups: Vec<OktaGroup> = match self.list(url, "GET /api/v1/groups", false).await? {
            Listed::Items(g) => g,
            Listed::Forbidden => {
                locked(shared).not_visible.push(NotVisible {
                    what: Kind::Group,
                    fix: "the app's admin role may not read groups".into(),
                });
                return Ok(admin_groups);
            }
        };
        // The catalogue first, in the tenant's order; then the member lists, several at once.
        let mut lists = Vec::new();
        {
            let mut out = locked(shared);
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
        }
        let total = lists.len() as u64;
        let mut done = 0;
        report(progress, Kind::Group, done, total);
        let mut reads = futures_util::stream::iter(lists.into_iter().map(|(gi, path)| {
            let mut o = self.sibling();
            async move {
                let url = o.api(&path, &[("limit", "200")]);
                let what = format!("GET {path}");
                o.list_each::<IdOnly>(url, &what, false, |members| {
                    let mut out = locked(shared);
                    for m in members {
                        if let Some(user) = text(m.id) {
                            out.grant(&user, gi, None);
                        }
                    }
                })
                .await
            }
        }))
        .buffer_unordered(IN_FLIGHT);
        while let Some(read) = reads.next().await {
            read?;
            done += 1;
            report(progress, Kind::Group, done, total);
        }
        Ok(admin_groups)
    }

    /// Every active app, its group assignments and its users, read beside the groups
    /// (another rate-limit bucket) and taken in as each arrives: a user who holds it through
    /// a group is granted it with the group to be settled (`settle_apps`) once the groups are
    /// in. Answers each app's groups (by ID).
    async fn read_apps(
        &mut self,
        shared: &std::sync::Mutex<Entitlements>,
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
        let apps: Vec<(u32, String)> = {
            let mut out = locked(shared);
            out.notes.push("apps: active apps only".into());
            apps.into_iter()
                .filter_map(|app| {
                    let id = text(app.id)?;
                    let ai = out.intern(Entitlement {
                        kind: Kind::App,
                        name: text(app.label).unwrap_or_else(|| id.clone()),
                        id: id.clone(),
                        organization: None,
                        detail: text(app.status),
                    })?;
                    Some((ai, id))
                })
                .collect()
        };
        let total = apps.len() as u64;
        let mut done = 0;
        report(progress, Kind::App, done, total);
        // Each app's group assignments, then its users (whose rows say only *that* a group
        // gives it): the two lists of one app in turn, several apps at once.
        let mut reads = futures_util::stream::iter(apps.into_iter().map(|(ai, id)| {
            let mut o = self.sibling();
            async move {
                let path = format!("/api/v1/apps/{id}/groups");
                let url = o.api(&path, &[("limit", "200")]);
                let groups = o.list::<IdOnly>(url, &format!("GET {path}"), false).await?;
                let path = format!("/api/v1/apps/{id}/users");
                let url = o.api(&path, &[("limit", "500")]);
                o.list_each::<AppUser>(url, &format!("GET {path}"), false, |rows| {
                    let mut out = locked(shared);
                    for row in rows {
                        let Some(user) = text(row.id) else { continue };
                        let via = match text(row.scope).as_deref() {
                            Some("GROUP") => Some(crate::entitlements::VIA_UNSETTLED),
                            _ => None,
                        };
                        out.grant(&user, ai, via);
                    }
                })
                .await?;
                Ok::<_, ConnectorError>((ai, groups))
            }
        }))
        .buffer_unordered(IN_FLIGHT);
        let mut groups_of = Vec::new();
        while let Some(app) = reads.next().await {
            let (ai, groups) = app?;
            let groups: Vec<String> = match groups {
                Listed::Items(g) => g.into_iter().filter_map(|g| text(g.id)).collect(),
                Listed::Forbidden => Vec::new(),
            };
            groups_of.push((ai, groups));
            done += 1;
            report(progress, Kind::App, done, total);
        }
        Ok(AppsRead::Read(groups_of))
    }

    /// Names the group each app held through a group comes through, now the groups are in:
    /// one of the app's groups the user is in (Everyone when it is one of them), else the
    /// app's first group.
    fn settle_apps(out: &mut Entitlements, apps: AppsRead) {
        let apps = match apps {
            AppsRead::Hidden(why) => {
                out.not_visible.push(why);
                return;
            }
            AppsRead::Read(apps) => apps,
        };
        let everyone = out
            .all()
            .iter()
            .position(|e| {
                e.kind == Kind::Group
                    && e.detail.as_deref() == Some("BUILT_IN")
                    && e.name == "Everyone"
            })
            .and_then(|i| u32::try_from(i).ok());
        let groups_of: std::collections::HashMap<u32, Vec<u32>> = apps
            .into_iter()
            .map(|(ai, ids)| {
                let groups = ids
                    .iter()
                    .filter_map(|g| out.find(Kind::Group, g))
                    .collect();
                (ai, groups)
            })
            .collect();
        out.settle_via(|held, app| {
            let groups = groups_of.get(&app)?;
            groups
                .iter()
                .copied()
                .find(|g| held.iter().any(|h| h.entitlement == *g && h.via.is_none()))
                .or_else(|| everyone.filter(|e| groups.contains(e)))
                .or_else(|| groups.first().copied())
        });
    }

    /// The admin roles of every user who holds one, read beside the groups and apps (roles'
    /// own buckets); `apply_user_roles` takes them in once the groups are (a role held through
    /// a group names it).
    async fn fetch_user_roles(
        &mut self,
        progress: &ProgressSink<'_>,
    ) -> Result<RolesRead, ConnectorError> {
        if !self.holds("okta.roles.read") {
            return Ok(RolesRead::Hidden(NotVisible {
                what: Kind::Role,
                fix: "grant okta.roles.read".into(),
            }));
        }
        let url = self.api("/api/v1/iam/assignees/users", &[("limit", "100")]);
        let users: Vec<IdOnly> = match self
            .list(url, "GET /api/v1/iam/assignees/users", true)
            .await?
        {
            Listed::Items(u) => u,
            Listed::Forbidden => return Ok(RolesRead::Hidden(roles_not_visible())),
        };
        let total = users.len() as u64;
        let mut done = 0;
        report(progress, Kind::Role, done, total);
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
        let mut read = Vec::new();
        while let Some((user, roles)) = reads.next().await {
            done += 1;
            report(progress, Kind::Role, done, total);
            let Some(roles) = roles? else {
                return Ok(RolesRead::Hidden(roles_not_visible()));
            };
            read.push((user, roles));
        }
        Ok(RolesRead::Read(read))
    }

    /// Users' roles into `out`, after the groups.
    fn apply_user_roles(out: &mut Entitlements, roles: RolesRead) -> bool {
        let read = match roles {
            RolesRead::Hidden(why) => {
                out.not_visible.push(why);
                return false;
            }
            RolesRead::Read(read) => read,
        };
        for (user, roles) in read {
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
        true
    }

    /// The roles of groups with admin privilege, held by each member through the group:
    /// after the groups, whose members they need.
    async fn read_group_roles(
        &mut self,
        out: &mut Entitlements,
        admin_groups: &[(u32, String)],
    ) -> Result<(), ConnectorError> {
        let mut pairs = Vec::new();
        for (gi, gid) in admin_groups {
            let path = format!("/api/v1/groups/{gid}/roles");
            let what = format!("GET {path}");
            let url = self.api(&path, &[]);
            let Some(r) = self.get_once(&url, &what).await? else {
                continue;
            };
            let roles: Limited<OktaRole, MAX_ITEMS> = super::decode(&r, &what, "a list of roles")?;
            for role in roles.0 {
                if let Some(ri) = role_entitlement(out, role) {
                    pairs.push((*gi, ri));
                }
            }
        }
        // Each admin group's members hold its roles through it: one pass for all of them.
        out.extend_through(&pairs);
        Ok(())
    }
}

fn roles_not_visible() -> NotVisible {
    NotVisible {
        what: Kind::Role,
        fix: "grant okta.roles.read (and an admin role that may view role assignments)".into(),
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
