//! The emulator's own record of what its tenants hold: the expected answers a client's tests
//! compare with. Everything here follows from the config (count, seed, mix, shape, day), the
//! same functions the endpoints answer from, so a record made beside a running emulator with
//! the same config agrees with it.
//!
//! For a person (by index, or by an Okta or OneTrust id): the Okta account and its status, its
//! groups, apps (direct or through which group) and admin roles (direct or through which
//! group); the OneTrust account at the same index and its access levels. The reverse: who is in
//! a group, who holds an app or a role, and how. Totals. And for issue 19, each person's
//! accounts side by side with the situations the generator gave them.
//!
//! Signatures here are kept stable for the client's tests: new things are added, nothing is
//! renamed.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use time::OffsetDateTime;

use crate::access::{Access, AccessLevel, GroupType, Held, Role};
use crate::data::{Directory, OKTA_ACTIVE_STATUSES, OtAccount, okta_user_id};

/// Days after which an active account's last sign-in makes it dormant (issue 19's default).
/// The generator keeps every active account's last sign-in under 60 or over 120 days old, so
/// the rule never sits on an edge whenever the tests run.
pub const DORMANT_DAYS: i64 = 90;

/// A group as the record names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
    /// `OKTA_GROUP`, `APP_GROUP` or `BUILT_IN` (`Everyone`).
    pub kind: &'static str,
    /// Whether members hold an admin role through it (`hasAdminPrivlege`).
    pub admin: bool,
}

/// An app as the record names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppRef {
    pub id: String,
    /// The app's `label` (what a person reads; `name` is the app type's key).
    pub name: String,
    /// `status` ACTIVE (else INACTIVE).
    pub active: bool,
}

/// An app a person holds: directly (`via` None, scope USER) or through a group (scope GROUP).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppGrant {
    pub app: AppRef,
    pub via: Option<GroupRef>,
}

/// An admin role a person holds: directly (`assignmentType` USER) or through a group (GROUP).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleGrant {
    /// `type` (`CUSTOM` for a custom role).
    pub kind: &'static str,
    pub label: &'static str,
    pub via: Option<GroupRef>,
}

/// Someone who holds a group, an app or a role, and how.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Holder {
    pub index: usize,
    pub okta_id: String,
    /// None: directly (group members are always direct; Okta has no nested groups).
    pub via: Option<GroupRef>,
}

/// Which tenant an account is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tenant {
    Okta,
    OneTrust,
}

/// One account as its tenant shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub tenant: Tenant,
    /// Its index in the tenant's list (the Okta and OneTrust lists page in index order).
    pub index: usize,
    pub id: String,
    /// Exactly as served: Okta's sometimes in another letter case, OneTrust's sometimes with a
    /// trailing space.
    pub email: String,
    /// Okta's status (`ACTIVE`, `DEPROVISIONED`, …); `active` or `inactive` for OneTrust.
    pub status: &'static str,
    /// Can sign in or be recovered: Okta ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY;
    /// OneTrust `active: true`.
    pub active: bool,
    pub last_login: Option<OffsetDateTime>,
}

/// The Okta side of a person.
pub type OktaUser = Account;
/// The OneTrust side of a person.
pub type OneTrustUser = Account;

/// Everything the tenants hold for the person at one index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub index: usize,
    pub okta: Account,
    /// Every group, `Everyone` (BUILT_IN) first; a deactivated user keeps them.
    pub groups: Vec<GroupRef>,
    /// Active and inactive apps alike (`app.active` tells); none for a deactivated user.
    pub apps: Vec<AppGrant>,
    pub roles: Vec<RoleGrant>,
    /// The OneTrust account at the same index: this person's, or an orphan's (`orphan`).
    pub onetrust: Account,
    /// Whether that OneTrust account belongs to someone not in Okta.
    pub orphan: bool,
    pub access_levels: Vec<AccessLevel>,
}

/// What the generator gave a person (issue 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Situation {
    /// An account in each tenant with the same normalised address.
    InBoth,
    /// Only in Okta (the OneTrust account at their index is an orphan's).
    OktaOnly,
    /// Only in OneTrust: nobody in Okta has this address.
    Orphan,
    /// DEPROVISIONED in Okta, still active in OneTrust.
    LeaverWithAccess,
    /// DEPROVISIONED in Okta and disabled in OneTrust: left properly.
    Offboarded,
    /// Okta's address is in another letter case than OneTrust's.
    EmailCaseDiffers,
    /// OneTrust's address carries surrounding whitespace.
    EmailWhitespace,
    /// An active account that never signed in.
    NeverLoggedIn(Tenant),
    /// An active account whose last sign-in is older than `DORMANT_DAYS`.
    Dormant(Tenant),
}

/// One person across both tenants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The normalised address both accounts share (lower case, trimmed).
    pub email: String,
    pub okta: Option<Account>,
    pub onetrust: Option<Account>,
    pub situations: Vec<Situation>,
}

impl Identity {
    pub fn has(&self, s: Situation) -> bool {
        self.situations.contains(&s)
    }

    /// Issue 19's flag names this person must carry (dormant at `DORMANT_DAYS`), sorted:
    /// `dormant`, `leaver_with_access`, `never_logged_in`, `orphan`.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let on = |pred: &dyn Fn(&Situation) -> bool| self.situations.iter().any(pred);
        if on(&|s| matches!(s, Situation::Dormant(_))) {
            v.push("dormant");
        }
        if self.has(Situation::LeaverWithAccess) {
            v.push("leaver_with_access");
        }
        if on(&|s| matches!(s, Situation::NeverLoggedIn(_))) {
            v.push("never_logged_in");
        }
        if self.has(Situation::Orphan) && self.onetrust.as_ref().is_some_and(|a| a.active) {
            v.push("orphan");
        }
        v
    }
}

/// Counts over the whole tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Okta users (every status).
    pub users: usize,
    pub okta_by_status: BTreeMap<&'static str, usize>,
    pub deprovisioned: usize,
    /// What `GET /api/v1/users` lists without a filter (all but DEPROVISIONED).
    pub listed_by_default: usize,
    /// Groups including `Everyone`.
    pub groups: usize,
    pub groups_by_type: BTreeMap<&'static str, usize>,
    /// Groups with no member (`usersCount` 0).
    pub empty_groups: usize,
    pub admin_groups: usize,
    pub apps: usize,
    pub active_apps: usize,
    /// Group memberships besides `Everyone`'s.
    pub memberships: usize,
    /// `/apps/{id}/users` rows, every app; and of active apps only.
    pub app_assignments: usize,
    pub active_app_assignments: usize,
    /// People who hold a role directly (the `/iam/assignees/users` list).
    pub direct_role_holders: usize,
    /// Role assignments, direct and through a group.
    pub role_assignments: usize,
    pub onetrust_users: usize,
    pub onetrust_active: usize,
    pub access_levels: usize,
    /// Identities by situation (issue 19).
    pub situations: BTreeMap<Situation, usize>,
}

/// The record of one config's tenants. Cheap to clone; lookups by id build their index once.
#[derive(Debug, Clone)]
pub struct Record {
    access: Access,
    groups: Arc<OnceLock<Vec<GroupRef>>>,
    apps: Arc<OnceLock<Vec<AppRef>>>,
    ids: Arc<OnceLock<HashMap<String, usize>>>,
}

fn status_of(a: &OtAccount) -> &'static str {
    if a.active { "active" } else { "inactive" }
}

impl Record {
    pub fn new(access: Access) -> Self {
        Self {
            access,
            groups: Arc::default(),
            apps: Arc::default(),
            ids: Arc::default(),
        }
    }

    /// The index-level view the endpoints answer from.
    pub fn access(&self) -> &Access {
        &self.access
    }

    pub fn people(&self) -> &Directory {
        self.access.people()
    }

    /// Okta users (and OneTrust accounts: both tenants list this many).
    pub fn users(&self) -> usize {
        self.people().len()
    }

    /// Every group, in the order `/api/v1/groups` lists them (`Everyone` first).
    pub fn groups(&self) -> &[GroupRef] {
        self.groups.get_or_init(|| {
            (0..self.access.groups())
                .map(|g| {
                    let g = self.access.group(g);
                    GroupRef {
                        id: g.id,
                        name: g.name,
                        kind: g.kind.as_str(),
                        admin: g.admin,
                    }
                })
                .collect()
        })
    }

    /// Every app, in the order `/api/v1/apps` lists them.
    pub fn apps(&self) -> &[AppRef] {
        self.apps.get_or_init(|| {
            (0..self.access.apps())
                .map(|a| {
                    let a = self.access.app(a);
                    AppRef {
                        id: a.id,
                        name: a.label,
                        active: a.active,
                    }
                })
                .collect()
        })
    }

    pub fn group(&self, id: &str) -> Option<&GroupRef> {
        self.access
            .group_by_id(id)
            .and_then(|g| self.groups().get(g.index))
    }

    pub fn app(&self, id: &str) -> Option<&AppRef> {
        self.access
            .app_by_id(id)
            .and_then(|a| self.apps().get(a.index))
    }

    fn via(&self, held: Held) -> Option<GroupRef> {
        match held {
            Held::Directly => None,
            Held::Via(g) => self.groups().get(g).cloned(),
        }
    }

    /// The index of the person with this Okta id, or of the OneTrust account with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.ids
            .get_or_init(|| {
                let people = self.people();
                let mut m = HashMap::with_capacity(people.len() * 2);
                for i in 0..people.len() {
                    m.insert(people.okta_id(i), i);
                    m.insert(people.onetrust(i).id, i);
                }
                m
            })
            .get(id)
            .copied()
    }

    /// The Okta account at `index`.
    pub fn okta_user(&self, index: usize) -> Account {
        let p = self.people().person(index);
        Account {
            tenant: Tenant::Okta,
            index,
            id: okta_user_id(&p.id),
            email: p.okta_email,
            status: p.okta_status,
            active: OKTA_ACTIVE_STATUSES.contains(&p.okta_status),
            last_login: p.last_login,
        }
    }

    /// The OneTrust account at `index` (this person's, or an orphan's).
    pub fn onetrust_user(&self, index: usize) -> Account {
        let a = self.people().onetrust(index);
        Account {
            tenant: Tenant::OneTrust,
            index,
            status: status_of(&a),
            id: a.id,
            email: a.email,
            active: a.active,
            last_login: a.last_login,
        }
    }

    /// The groups of the person at `index`, `Everyone` first.
    pub fn groups_of(&self, index: usize) -> Vec<GroupRef> {
        std::iter::once(0)
            .chain(self.access.groups_of(index))
            .filter_map(|g| self.groups().get(g).cloned())
            .collect()
    }

    /// The apps the person at `index` holds, with how (none when deactivated).
    pub fn apps_of(&self, index: usize) -> Vec<AppGrant> {
        self.access
            .apps_of(index)
            .into_iter()
            .filter_map(|(a, held)| {
                Some(AppGrant {
                    app: self.apps().get(a)?.clone(),
                    via: self.via(held),
                })
            })
            .collect()
    }

    /// The admin roles the person at `index` holds, with how.
    pub fn roles_of(&self, index: usize) -> Vec<RoleGrant> {
        self.access
            .roles_of(index)
            .into_iter()
            .map(|(r, held)| self.role_grant(r, held))
            .collect()
    }

    fn role_grant(&self, r: Role, held: Held) -> RoleGrant {
        RoleGrant {
            kind: r.kind,
            label: r.label,
            via: self.via(held),
        }
    }

    /// The access levels of the OneTrust account at `index`.
    pub fn access_levels_of(&self, index: usize) -> Vec<AccessLevel> {
        self.access.access_levels_of(index)
    }

    /// Everything about the person at `index`.
    pub fn user(&self, index: usize) -> UserRecord {
        UserRecord {
            index,
            okta: self.okta_user(index),
            groups: self.groups_of(index),
            apps: self.apps_of(index),
            roles: self.roles_of(index),
            onetrust: self.onetrust_user(index),
            orphan: self.people().is_orphan(index),
            access_levels: self.access_levels_of(index),
        }
    }

    /// Everything about the person with this Okta or OneTrust id.
    pub fn user_by_id(&self, id: &str) -> Option<UserRecord> {
        self.index_of(id).map(|i| self.user(i))
    }

    fn holder(&self, index: usize, held: Held) -> Holder {
        Holder {
            index,
            okta_id: self.people().okta_id(index),
            via: self.via(held),
        }
    }

    /// The members of a group, in the order `/groups/{id}/users` lists them (`Everyone`: every
    /// user, DEPROVISIONED included — the stricter reading of an unconfirmed fact).
    pub fn members_of_group(&self, group_id: &str) -> Option<Vec<Holder>> {
        let g = self.access.group_by_id(group_id)?;
        let m = self.access.members(g.index);
        Some(
            (0..m.len())
                .filter_map(|k| m.get(k))
                .map(|i| self.holder(i, Held::Directly))
                .collect(),
        )
    }

    /// Who holds an app and how, in the order `/apps/{id}/users` lists them.
    pub fn holders_of_app(&self, app_id: &str) -> Option<Vec<Holder>> {
        let a = self.access.app_by_id(app_id)?;
        Some(
            self.access
                .holders_of_app(a.index)
                .into_iter()
                .map(|(i, held)| self.holder(i, held))
                .collect(),
        )
    }

    /// Who holds a role (by `type`, or a custom role's label), and how, in index order.
    pub fn holders_of_role(&self, kind_or_label: &str) -> Vec<Holder> {
        let mut v: Vec<Holder> = self
            .access
            .role_assignees()
            .filter_map(|i| {
                let r = self.access.direct_role_of(i)?;
                (r.kind == kind_or_label || r.label == kind_or_label)
                    .then(|| self.holder(i, Held::Directly))
            })
            .collect();
        for g in self.groups().iter().enumerate().filter(|(_, g)| g.admin) {
            let role = crate::access::GROUP_ROLE;
            if role.kind == kind_or_label || role.label == kind_or_label {
                let m = self.access.members(g.0);
                v.extend(
                    (0..m.len())
                        .filter_map(|k| m.get(k))
                        .map(|i| self.holder(i, Held::Via(g.0))),
                );
            }
        }
        v.sort();
        v
    }

    fn dormant(&self, last: Option<OffsetDateTime>) -> bool {
        let edge = self.people().anchor() - time::Duration::days(DORMANT_DAYS);
        last.is_some_and(|t| t < edge)
    }

    fn account_situations(&self, a: &Account, v: &mut Vec<Situation>) {
        if !a.active {
            return;
        }
        match a.last_login {
            None => v.push(Situation::NeverLoggedIn(a.tenant)),
            last if self.dormant(last) => v.push(Situation::Dormant(a.tenant)),
            _ => {}
        }
    }

    /// The person whose Okta account is at `index`, with their OneTrust account unless the
    /// one at that index is an orphan's.
    pub fn identity(&self, index: usize) -> Identity {
        let okta = self.okta_user(index);
        let ot = (!self.people().is_orphan(index)).then(|| self.onetrust_user(index));
        let mut v = vec![if ot.is_some() {
            Situation::InBoth
        } else {
            Situation::OktaOnly
        }];
        if let Some(ot) = &ot {
            if okta.status == "DEPROVISIONED" {
                v.push(if ot.active {
                    Situation::LeaverWithAccess
                } else {
                    Situation::Offboarded
                });
            }
            if okta.email != okta.email.to_lowercase() {
                v.push(Situation::EmailCaseDiffers);
            }
            if ot.email != ot.email.trim() {
                v.push(Situation::EmailWhitespace);
            }
        }
        self.account_situations(&okta, &mut v);
        if let Some(ot) = &ot {
            self.account_situations(ot, &mut v);
        }
        Identity {
            email: self.people().person(index).email,
            okta: Some(okta),
            onetrust: ot,
            situations: v,
        }
    }

    /// The orphan whose OneTrust account is at `index`, if that account is an orphan's.
    pub fn orphan(&self, index: usize) -> Option<Identity> {
        if !self.people().is_orphan(index) {
            return None;
        }
        let ot = self.onetrust_user(index);
        let mut v = vec![Situation::Orphan];
        if ot.email != ot.email.trim() {
            v.push(Situation::EmailWhitespace);
        }
        self.account_situations(&ot, &mut v);
        Some(Identity {
            email: ot.email.trim().to_lowercase(),
            okta: None,
            onetrust: Some(ot),
            situations: v,
        })
    }

    /// Every person across both tenants: each Okta person in index order, an orphan right
    /// after the Okta person whose index their OneTrust account shares.
    pub fn identities(&self) -> Vec<Identity> {
        (0..self.users())
            .flat_map(|i| std::iter::once(self.identity(i)).chain(self.orphan(i)))
            .collect()
    }

    /// Counts over the whole tenant (one pass over every person).
    pub fn totals(&self) -> Totals {
        let people = self.people();
        let mut t = Totals {
            users: people.len(),
            onetrust_users: people.len(),
            groups: self.access.groups(),
            apps: self.access.apps(),
            ..Totals::default()
        };
        for g in self.groups() {
            *t.groups_by_type.entry(g.kind).or_default() += 1;
            t.admin_groups += usize::from(g.admin);
        }
        for g in 0..self.access.groups() {
            let n = self.access.members(g).len();
            t.empty_groups += usize::from(n == 0);
            if g != 0 {
                t.memberships += n;
            }
        }
        for (a, app) in self.apps().iter().enumerate() {
            let rows = self.access.app_rows(a).len();
            t.app_assignments += rows;
            if app.active {
                t.active_apps += 1;
                t.active_app_assignments += rows;
            }
        }
        t.direct_role_holders = self.access.role_assignees().count();
        for i in 0..people.len() {
            let status = people.okta_status(i);
            *t.okta_by_status.entry(status).or_default() += 1;
            t.role_assignments += self.access.roles_of(i).len();
            t.access_levels += self.access.access_levels_of(i).len();
            let id = self.identity(i);
            let orphan = self.orphan(i);
            for s in id
                .situations
                .iter()
                .chain(orphan.iter().flat_map(|o| &o.situations))
            {
                *t.situations.entry(*s).or_default() += 1;
            }
            if people.onetrust(i).active {
                t.onetrust_active += 1;
            }
        }
        t.deprovisioned = t.okta_by_status.get("DEPROVISIONED").copied().unwrap_or(0);
        t.listed_by_default = t.users - t.deprovisioned;
        t
    }
}

/// Okta group types by name, for a test that reads them from the wire.
pub fn group_type(kind: &str) -> Option<GroupType> {
    [
        GroupType::OktaGroup,
        GroupType::AppGroup,
        GroupType::BuiltIn,
    ]
    .into_iter()
    .find(|t| t.as_str() == kind)
}
