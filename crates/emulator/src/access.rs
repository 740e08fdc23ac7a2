//! What each emulated person can do: Okta groups, app assignments and admin roles, OneTrust
//! access levels. Everything follows from the directory's index and seed, so tests compare the
//! client's result with `Access`'s own record (`groups_of`, `apps_of`, `roles_of`, `holders_of_app`,
//! `access_levels_of`) rather than with numbers copied into a test.
//!
//! Member lists are built once, on first use, by one pass over the people (a million users with
//! eight groups each is 32 MB of indexes); a page then costs only its own rows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::data::Directory;

/// How big a tenant's entitlements are. `Shape::for_users` scales with the tenant; the
/// benchmarks ask for their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Groups including `Everyone`.
    pub groups: usize,
    pub apps: usize,
    /// Groups each person is put in besides `Everyone` (duplicates collapse, so about this many).
    pub memberships: usize,
}

impl Shape {
    pub fn for_users(users: usize) -> Self {
        Self {
            groups: (users / 40).clamp(8, 2_000),
            apps: (users / 400).clamp(6, 200),
            memberships: 3,
        }
    }

    /// Issue 17's benchmark tenant (with 100k users): 2,000 groups, about eight memberships
    /// a person, 200 apps.
    pub fn bench() -> Self {
        Self {
            groups: 2_000,
            apps: 200,
            memberships: 8,
        }
    }
}

/// Okta's group types (schema `GroupType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupType {
    OktaGroup,
    AppGroup,
    BuiltIn,
}

impl GroupType {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupType::OktaGroup => "OKTA_GROUP",
            GroupType::AppGroup => "APP_GROUP",
            GroupType::BuiltIn => "BUILT_IN",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub index: usize,
    pub id: String,
    pub name: String,
    pub kind: GroupType,
    /// Members of this group hold `GROUP_ROLE` through it.
    pub admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub index: usize,
    pub id: String,
    pub label: String,
    pub active: bool,
    /// Groups assigned to the app (indexes).
    pub groups: Vec<usize>,
}

/// How a person holds an app or a role: directly, or through a group (its index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Held {
    Directly,
    Via(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    /// `RoleType` (`CUSTOM` for a custom role, whose label is its own).
    pub kind: &'static str,
    pub label: &'static str,
}

impl Role {
    pub fn is_custom(self) -> bool {
        self.kind == "CUSTOM"
    }
}

/// A OneTrust access level: a role in an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLevel {
    pub organization_id: String,
    pub organization_name: &'static str,
    pub role_id: String,
    pub role_name: &'static str,
}

const GROUP_NAMES: &[&str] = &[
    "Finance",
    "Engineering",
    "Sales",
    "Marketing",
    "Support",
    "Legal",
    "People",
    "Security",
    "Design",
    "Operations",
    "Data",
    "Procurement",
];

const APP_NAMES: &[&str] = &[
    "Slack",
    "Salesforce",
    "GitHub",
    "Workday",
    "Zoom",
    "Jira",
    "Confluence",
    "NetSuite",
    "Figma",
    "Snowflake",
    "Google Workspace",
    "Box",
];

/// Roles held directly, in turn; SUPER_ADMIN is rare on purpose (one in a hundred role
/// holders), the custom role one in ten.
const DIRECT_ROLES: &[Role] = &[
    Role {
        kind: "READ_ONLY_ADMIN",
        label: "Read-only Administrator",
    },
    Role {
        kind: "HELP_DESK_ADMIN",
        label: "Help Desk Administrator",
    },
    Role {
        kind: "APP_ADMIN",
        label: "Application Administrator",
    },
    Role {
        kind: "SUPER_ADMIN",
        label: "Super Administrator",
    },
    Role {
        kind: "CUSTOM",
        label: "Access Reviewer",
    },
];

/// What members of an admin group hold through it.
pub const GROUP_ROLE: Role = Role {
    kind: "USER_ADMIN",
    label: "Group Administrator",
};

/// OneTrust organizations: the root first, then its children.
pub const ORGS: &[&str] = &["Acme", "Acme EMEA", "Acme Americas", "Acme APAC"];
/// OneTrust roles; the last, Site Admin, is held only in the root organization.
pub const OT_ROLES: &[&str] = &[
    "Privacy Viewer",
    "Audit Manager",
    "Vendor Manager",
    "Privacy Officer",
    "Site Admin",
];

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A stable Okta-looking id: `prefix` + 17 characters.
fn okta_id(prefix: &str, seed: u64, n: u64) -> String {
    let a = mix(seed ^ mix(n));
    let b = mix(a);
    format!("{prefix}{:012x}{:05x}", a & 0xFFFF_FFFF_FFFF, b & 0xF_FFFF)
}

fn uuid_of(seed: u64, n: u64) -> String {
    let a = mix(seed ^ mix(n));
    let b = mix(a ^ 0x55);
    uuid::Builder::from_random_bytes((((a as u128) << 64) | b as u128).to_le_bytes())
        .into_uuid()
        .to_string()
}

/// Indexes built on first use.
#[derive(Debug, Default)]
struct Lists {
    /// Per group, its members' indexes in order (`Everyone` left empty: it is everyone).
    members: Vec<Vec<u32>>,
    /// Per app, the people assigned directly.
    direct: Vec<Vec<u32>>,
}

/// An app's holders, person by person, as its users endpoint lists them.
type AppRows = Arc<Vec<(u32, Held)>>;

/// The entitlements of one directory.
#[derive(Debug, Clone)]
pub struct Access {
    people: Directory,
    shape: Shape,
    seed: u64,
    lists: Arc<OnceLock<Lists>>,
    /// Group and app indexes by id.
    #[allow(clippy::type_complexity)]
    ids: Arc<OnceLock<(HashMap<String, usize>, HashMap<String, usize>)>>,
    /// Per app, its user rows (person, how held), made when the app is first listed.
    app_rows: Arc<Mutex<Vec<Option<AppRows>>>>,
}

impl Access {
    pub fn new(people: Directory, shape: Shape, seed: u64) -> Self {
        let shape = Shape {
            groups: shape.groups.max(2),
            apps: shape.apps.max(1),
            memberships: shape.memberships,
        };
        Self {
            people,
            shape,
            seed,
            lists: Arc::default(),
            ids: Arc::default(),
            app_rows: Arc::new(Mutex::new(vec![None; shape.apps])),
        }
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn people(&self) -> &Directory {
        &self.people
    }

    fn r(&self, index: usize, field: u64) -> u64 {
        mix(self.seed ^ mix(((index as u64) << 12) | field))
    }

    /// Group 0 is `Everyone`; group 1 is the admin group ("IT Admins"); every fifth is
    /// imported from a directory (APP_GROUP).
    pub fn group(&self, g: usize) -> Group {
        let (name, kind) = match g {
            0 => ("Everyone".to_string(), GroupType::BuiltIn),
            1 => ("IT Admins".to_string(), GroupType::OktaGroup),
            _ => {
                let base = GROUP_NAMES[g % GROUP_NAMES.len()];
                let name = format!("{base} {}", g / GROUP_NAMES.len() + 1);
                let kind = if g.is_multiple_of(5) {
                    GroupType::AppGroup
                } else {
                    GroupType::OktaGroup
                };
                (name, kind)
            }
        };
        Group {
            index: g,
            id: okta_id("00g", self.seed, g as u64),
            name,
            kind,
            admin: g == 1,
        }
    }

    pub fn groups(&self) -> usize {
        self.shape.groups
    }

    pub fn group_by_id(&self, id: &str) -> Option<Group> {
        self.ids().0.get(id).map(|g| self.group(*g))
    }

    /// Group and app indexes by id, made once (cheap: no person is involved).
    fn ids(&self) -> &(HashMap<String, usize>, HashMap<String, usize>) {
        self.ids.get_or_init(|| {
            (
                (0..self.shape.groups)
                    .map(|g| (self.group(g).id, g))
                    .collect(),
                (0..self.shape.apps).map(|a| (self.app(a).id, a)).collect(),
            )
        })
    }

    /// The last group and every 17th (from the 17th) have no members: a tenant has empty
    /// groups, which a reader skips by `usersCount`.
    pub fn is_empty_group(&self, g: usize) -> bool {
        g >= 2 && (g % 17 == 16 || g + 1 == self.shape.groups)
    }

    /// Apps: the first is assigned to `Everyone`; each other to one or two groups; every
    /// seventh is INACTIVE.
    pub fn app(&self, a: usize) -> App {
        let g = self.shape.groups;
        let groups = if a == 0 {
            vec![0]
        } else {
            let first = 1 + (a * 7) % (g - 1);
            let second = 1 + (a * 13 + 3) % (g - 1);
            let mut v = vec![first];
            if a.is_multiple_of(2) && second != first {
                v.push(second);
            }
            v
        };
        let base = APP_NAMES[a % APP_NAMES.len()];
        let label = if a < APP_NAMES.len() {
            base.to_string()
        } else {
            format!("{base} {}", a / APP_NAMES.len() + 1)
        };
        App {
            index: a,
            id: okta_id("0oa", self.seed ^ 0xA99, a as u64),
            label,
            // Every seventh and the last are INACTIVE, so even a small tenant has one.
            active: a % 7 != 6 && (a == 0 || a + 1 != self.shape.apps),
            groups,
        }
    }

    pub fn apps(&self) -> usize {
        self.shape.apps
    }

    pub fn app_by_id(&self, id: &str) -> Option<App> {
        self.ids().1.get(id).map(|a| self.app(*a))
    }

    /// The groups of person `i` besides `Everyone`, ascending.
    pub fn groups_of(&self, i: usize) -> Vec<usize> {
        let g = self.shape.groups;
        // The first few people are all IT admins, so a small tenant has some.
        let mut v: Vec<usize> = (0..self.shape.memberships)
            .map(|k| 2 + (self.r(i, 16 + k as u64) % (g as u64 - 2).max(1)) as usize)
            .map(|x| if self.is_empty_group(x) { x + 1 } else { x })
            .filter(|x| *x < g)
            .collect();
        if i % 50 == 3 {
            v.push(1);
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The app person `i` is assigned directly, if any (one in four people).
    fn direct_app_of(&self, i: usize) -> Option<usize> {
        self.r(i, 90)
            .is_multiple_of(4)
            .then(|| (self.r(i, 91) % self.shape.apps as u64) as usize)
    }

    fn deprovisioned(&self, i: usize) -> bool {
        self.people.okta_status(i) == "DEPROVISIONED"
    }

    fn lists(&self) -> &Lists {
        self.lists.get_or_init(|| {
            let mut members = vec![Vec::new(); self.shape.groups];
            let mut direct = vec![Vec::new(); self.shape.apps];
            for i in 0..self.people.len() {
                for g in self.groups_of(i) {
                    members[g].push(i as u32);
                }
                if let Some(a) = self.direct_app_of(i) {
                    direct[a].push(i as u32);
                }
            }
            Lists { members, direct }
        })
    }

    /// Members of group `g` in index order; `Everyone` holds every person.
    pub fn members(&self, g: usize) -> MemberList<'_> {
        if g == 0 {
            MemberList::All(self.people.len())
        } else {
            MemberList::Some(self.lists().members.get(g).map_or(&[], Vec::as_slice))
        }
    }

    /// The user rows of app `a`: each person assigned directly (`USER`) or through one of its
    /// groups (`GROUP`, the first such group), in index order. A deactivated person has none:
    /// Okta deprovisions them from every assigned app.
    pub fn app_rows(&self, a: usize) -> AppRows {
        if let Ok(cache) = self.app_rows.lock()
            && let Some(Some(rows)) = cache.get(a)
        {
            return Arc::clone(rows);
        }
        let app = self.app(a);
        let lists = self.lists();
        let mut rows: Vec<(u32, Held)> = Vec::new();
        for &g in &app.groups {
            match self.members(g) {
                MemberList::All(n) => rows.extend((0..n as u32).map(|i| (i, Held::Via(g)))),
                MemberList::Some(m) => rows.extend(m.iter().map(|&i| (i, Held::Via(g)))),
            }
        }
        if let Some(d) = lists.direct.get(a) {
            rows.extend(d.iter().map(|&i| (i, Held::Directly)));
        }
        // Direct first, then the lowest group: the one row a person gets.
        rows.sort_unstable_by_key(|(i, held)| (*i, *held));
        rows.dedup_by_key(|(i, _)| *i);
        rows.retain(|(i, _)| !self.deprovisioned(*i as usize));
        let rows = Arc::new(rows);
        if let Ok(mut cache) = self.app_rows.lock()
            && let Some(slot) = cache.get_mut(a)
        {
            *slot = Some(Arc::clone(&rows));
        }
        rows
    }

    /// The apps person `i` holds, with how (none when deactivated).
    pub fn apps_of(&self, i: usize) -> Vec<(usize, Held)> {
        if self.deprovisioned(i) {
            return Vec::new();
        }
        let groups = self.groups_of(i);
        (0..self.shape.apps)
            .filter_map(|a| {
                let app = self.app(a);
                if self.direct_app_of(i) == Some(a) {
                    return Some((a, Held::Directly));
                }
                // The app's rows name the lowest of its groups a person is in.
                app.groups
                    .iter()
                    .filter(|g| **g == 0 || groups.contains(g))
                    .min()
                    .map(|g| (a, Held::Via(*g)))
            })
            .collect()
    }

    /// Who holds app `a` and how: its rows.
    pub fn holders_of_app(&self, a: usize) -> Vec<(usize, Held)> {
        self.app_rows(a)
            .iter()
            .map(|(i, h)| (*i as usize, *h))
            .collect()
    }

    /// The role person `i` holds directly (one in 97 people, never a deactivated one).
    pub fn direct_role_of(&self, i: usize) -> Option<Role> {
        if i % 97 != 5 || self.deprovisioned(i) {
            return None;
        }
        let n = i / 97;
        let role = if n % 100 == 7 {
            DIRECT_ROLES[3]
        } else if n % 10 == 4 {
            DIRECT_ROLES[4]
        } else {
            DIRECT_ROLES[n % 3]
        };
        Some(role)
    }

    /// Every role person `i` holds, with how.
    pub fn roles_of(&self, i: usize) -> Vec<(Role, Held)> {
        let mut v: Vec<(Role, Held)> = self
            .direct_role_of(i)
            .map(|r| (r, Held::Directly))
            .into_iter()
            .collect();
        if self.groups_of(i).contains(&1) {
            v.push((GROUP_ROLE, Held::Via(1)));
        }
        v
    }

    /// People who hold a role directly, in index order (the `/iam/assignees/users` list).
    pub fn role_assignees(&self) -> impl Iterator<Item = usize> + '_ {
        (5..self.people.len())
            .step_by(97)
            .filter(|i| self.direct_role_of(*i).is_some())
    }

    pub fn role_id(&self, role: Role, holder: u64) -> String {
        okta_id(
            "irb",
            self.seed ^ 0x701e,
            mix(holder) ^ role.kind.len() as u64,
        )
    }

    /// The access levels of the OneTrust account at index `i`: one in its default
    /// organization, and in up to two more (one role per organization); one in forty people
    /// whose default is the root is its Site Admin, a role held nowhere else.
    pub fn access_levels_of(&self, i: usize) -> Vec<AccessLevel> {
        let level = |org: usize, role: usize| AccessLevel {
            organization_id: uuid_of(self.seed ^ 0x0e6, org as u64),
            organization_name: ORGS[org],
            role_id: uuid_of(self.seed ^ 0x201e, role as u64),
            role_name: OT_ROLES[role],
        };
        let ordinary = |field: u64| (self.r(i, field) % (OT_ROLES.len() as u64 - 1)) as usize;
        let home = self.people.default_org(i);
        let home_role = if home == 0 && self.r(i, 60).is_multiple_of(40) {
            OT_ROLES.len() - 1
        } else {
            ordinary(61)
        };
        let mut v = vec![level(home, home_role)];
        let extra = (self.r(i, 62) % 3) as usize;
        for k in 0..extra {
            let org = (self.r(i, 63 + k as u64) % ORGS.len() as u64) as usize;
            if v.iter().any(|l| l.organization_name == ORGS[org]) {
                continue;
            }
            v.push(level(org, ordinary(70 + k as u64)));
        }
        v
    }

    /// The id of OneTrust organization `org` (an index into `ORGS`).
    pub fn organization_id(&self, org: usize) -> String {
        uuid_of(self.seed ^ 0x0e6, org as u64)
    }
}

/// A group's members: everyone (for `Everyone`) or a list.
pub enum MemberList<'a> {
    All(usize),
    Some(&'a [u32]),
}

impl MemberList<'_> {
    pub fn len(&self) -> usize {
        match self {
            MemberList::All(n) => *n,
            MemberList::Some(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, k: usize) -> Option<usize> {
        match self {
            MemberList::All(n) => (k < *n).then_some(k),
            MemberList::Some(m) => m.get(k).map(|i| *i as usize),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_agrees_with_itself() {
        let people = Directory::new(2_000, 42);
        let access = Access::new(people.clone(), Shape::for_users(2_000), 42);
        for a in 0..access.apps() {
            for (i, held) in access.holders_of_app(a) {
                assert!(access.apps_of(i).contains(&(a, held)), "app {a} person {i}");
            }
        }
        for i in (0..2_000).step_by(37) {
            for (a, held) in access.apps_of(i) {
                assert!(access.holders_of_app(a).contains(&(i, held)));
            }
            for g in access.groups_of(i) {
                let m = access.members(g);
                assert!((0..m.len()).any(|k| m.get(k) == Some(i)));
            }
            let levels = access.access_levels_of(i);
            assert_eq!(
                levels[0].organization_name,
                ORGS[people.default_org(i)],
                "a role in the default organization"
            );
            let mut orgs: Vec<_> = levels.iter().map(|l| l.organization_name).collect();
            orgs.sort_unstable();
            orgs.dedup();
            assert_eq!(orgs.len(), levels.len(), "one role per organization");
            assert!(
                levels
                    .iter()
                    .all(|l| l.role_name != "Site Admin" || l.organization_name == "Acme"),
                "Site Admin only at the root"
            );
        }
        let deactivated = (0..2_000)
            .find(|i| people.okta_status(*i) == "DEPROVISIONED")
            .expect("some deactivated person");
        assert!(access.apps_of(deactivated).is_empty());
        assert!(!access.groups_of(deactivated).is_empty());
        assert!(access.role_assignees().count() > 5);
    }
}
