//! What each user can do, one model for both vendors: Okta groups, app assignments and admin
//! roles, OneTrust access levels (a role in an organization). An entitlement is stored once in
//! a catalogue; a user's grants are pairs of catalogue indexes (what, and through which group),
//! coded in `store.rs` at about two bytes a grant and 30 bytes a user.
//!
//! Both faces read the same `Entitlements`: the TUI's details pane and "who holds this" view,
//! and every export (`users::Exporter`), which also states what was not visible.

mod store;

use std::collections::HashMap;

use serde::Serialize;

/// The kinds a review looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Group,
    App,
    Role,
    AccessLevel,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Group, Kind::App, Kind::Role, Kind::AccessLevel];

    /// The export's and the filter's word for it (`group:finance`).
    pub fn id(self) -> &'static str {
        match self {
            Kind::Group => "group",
            Kind::App => "app",
            Kind::Role => "role",
            Kind::AccessLevel => "access_level",
        }
    }

    /// How a screen titles a list of them.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Group => "Groups",
            Kind::App => "Apps",
            Kind::Role => "Admin roles",
            Kind::AccessLevel => "Access levels",
        }
    }
}

/// One thing a user can hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entitlement {
    pub kind: Kind,
    pub id: String,
    pub name: String,
    /// OneTrust: the organization an access level's role applies in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// What else tells it apart: an Okta group's type (`APP_GROUP`: mastered in a directory),
    /// a role's type (`SUPER_ADMIN`).
    #[serde(skip)]
    pub detail: Option<String>,
}

impl Entitlement {
    /// What a screen shows: the name, and the organization for an access level.
    pub fn label(&self) -> String {
        match &self.organization {
            Some(org) => format!("{} in {org}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A user's hold on an entitlement: which (catalogue index) and through which group (`None`:
/// held directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grant {
    pub entitlement: u32,
    pub via: Option<u32>,
}

/// An entitlement as an export or a screen shows it for one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Held<'a> {
    pub kind: Kind,
    pub id: &'a str,
    pub name: &'a str,
    /// The group it is held through; `null` when held directly.
    pub via: Option<&'a str>,
    /// OneTrust's organization of an access level; `null` for the others.
    pub organization: Option<&'a str>,
}

impl<'a> Held<'a> {
    /// An entitlement held directly.
    pub fn direct(e: &'a Entitlement) -> Self {
        Held {
            kind: e.kind,
            id: &e.id,
            name: &e.name,
            via: None,
            organization: e.organization.as_deref(),
        }
    }
}

/// Whether a filter term's `needle` (folded) is in the entry's name, organization or type.
fn entry_says(e: &Entitlement, needle: &str) -> bool {
    let has = |t: &str| crate::text::folded(t).contains(needle);
    has(&e.name)
        || e.organization.as_deref().is_some_and(has)
        || e.detail.as_deref().is_some_and(has)
}

/// Something the credential could not read, said plainly instead of failing the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotVisible {
    pub what: Kind,
    /// What to grant, in words ("grant okta.roles.read").
    pub fix: String,
}

/// A grant's `via` while the group it comes through is not known yet (an Okta app row says
/// only that a group gives it); `Entitlements::settle_via` replaces it.
pub const VIA_UNSETTLED: u32 = u32::MAX;

/// The most grants one user keeps: a hostile tenant cannot grow one user without bound.
pub const MAX_GRANTS_PER_USER: usize = 4_096;
/// The most entitlements the catalogue keeps.
pub const MAX_ENTITLEMENTS: usize = 1_000_000;

/// Every entitlement read and who holds it.
#[derive(Debug, Default, Clone)]
pub struct Entitlements {
    catalogue: Vec<Entitlement>,
    index: HashMap<(Kind, Box<str>), u32>,
    grants: store::GrantStore,
    /// Kinds the credential may not read.
    pub not_visible: Vec<NotVisible>,
    /// Held by everyone without being listed per user (Okta's `Everyone`), by name.
    pub implicit: Vec<String>,
    /// Choices that narrow what was read, said with every export ("active apps only").
    pub notes: Vec<String>,
    /// Grants dropped at the caps.
    pub dropped: u64,
}

impl Entitlements {
    /// The catalogue index of `e`, adding it when new (a later name for the same ID wins
    /// nothing: the first is kept). `None` when the catalogue is full.
    pub fn intern(&mut self, e: Entitlement) -> Option<u32> {
        if let Some(i) = self.index.get(&(e.kind, e.id.as_str().into())) {
            return Some(*i);
        }
        if self.catalogue.len() >= MAX_ENTITLEMENTS {
            self.dropped += 1;
            return None;
        }
        let i = u32::try_from(self.catalogue.len()).ok()?;
        self.index.insert((e.kind, e.id.as_str().into()), i);
        self.catalogue.push(e);
        Some(i)
    }

    pub fn find(&self, kind: Kind, id: &str) -> Option<u32> {
        self.index.get(&(kind, id.into())).copied()
    }

    pub fn get(&self, i: u32) -> Option<&Entitlement> {
        self.catalogue.get(i as usize)
    }

    /// Whether entry `i` is held by every user without being listed (Okta's `Everyone`).
    pub fn is_implicit(&self, i: u32) -> bool {
        self.get(i)
            .is_some_and(|e| e.kind == Kind::Group && self.implicit.contains(&e.name))
    }

    /// The catalogue, in the order entitlements were first seen.
    pub fn all(&self) -> &[Entitlement] {
        &self.catalogue
    }

    /// Records that `user` holds `entitlement` (through `via`); the same grant twice is one.
    /// Grants may come in any order; a face reading many calls `seal` first.
    pub fn grant(&mut self, user: &str, entitlement: u32, via: Option<u32>) {
        self.dropped += self.grants.grant(user, Grant { entitlement, via });
    }

    /// Merges the grants that came out of user order, so reads are direct again.
    pub fn seal(&mut self) {
        self.dropped += self.grants.seal();
    }

    /// Seals and gives back the room a finished read no longer needs.
    pub fn finish(&mut self) {
        self.seal();
        self.grants.shrink();
    }

    /// Settles every grant held through a group not known yet (`VIA_UNSETTLED`): `pick`
    /// chooses the group from the user's grants and the entitlement.
    pub fn settle_via(&mut self, mut pick: impl FnMut(&[Grant], u32) -> Option<u32>) {
        self.dropped += self.grants.rewrite(|grants| {
            if !grants.iter().any(|g| g.via == Some(VIA_UNSETTLED)) {
                return;
            }
            let held = grants.to_vec();
            for g in grants.iter_mut().filter(|g| g.via == Some(VIA_UNSETTLED)) {
                g.via = pick(&held, g.entitlement);
            }
        });
    }

    /// Everyone who holds a group directly also holds what the group holds, through it (an
    /// admin group's roles): `pairs` of (group, entitlement), in one pass over all grants.
    pub fn extend_through(&mut self, pairs: &[(u32, u32)]) {
        if pairs.is_empty() {
            return;
        }
        self.seal();
        let mut gained: Vec<(u32, Grant)> = Vec::new();
        self.grants.visit(|s, grants| {
            for g in grants.filter(|g| g.via.is_none()) {
                for (group, entitlement) in
                    pairs.iter().filter(|(group, _)| *group == g.entitlement)
                {
                    gained.push((
                        s,
                        Grant {
                            entitlement: *entitlement,
                            via: Some(*group),
                        },
                    ));
                }
            }
        });
        for (s, grant) in gained {
            self.dropped += self.grants.grant_subject(s, grant);
        }
        self.seal();
    }

    /// Adds `entitlements` held directly by `user` (OneTrust's access levels come with the
    /// user).
    pub fn grant_all(&mut self, user: &str, entitlements: &[Entitlement]) {
        for e in entitlements {
            if let Some(i) = self.intern(e.clone()) {
                self.grant(user, i, None);
            }
        }
    }

    /// `user`'s grants, in catalogue order.
    pub fn grants_of(&self, user: &str) -> Vec<Grant> {
        self.grants
            .subject(user)
            .map_or_else(Vec::new, |s| self.grants.of(s))
    }

    /// How many grants `user` holds.
    pub fn count_of(&self, user: &str) -> usize {
        self.grants.subject(user).map_or(0, |s| {
            let mut n = 0;
            self.grants.any(s, |_| {
                n += 1;
                false
            });
            n
        })
    }

    /// Whether one of `user`'s grants passes `f` (no copy of them).
    pub fn holds(&self, user: &str, f: impl FnMut(Grant) -> bool) -> bool {
        self.grants
            .subject(user)
            .is_some_and(|s| self.grants.any(s, f))
    }

    /// `user`'s entitlements as shown: kind order (groups, apps, roles, access levels), then
    /// name.
    pub fn held_by(&self, user: &str) -> Vec<Held<'_>> {
        self.shown(&self.grants_of(user))
    }

    /// `grants` (kept elsewhere, against this catalogue) as shown: in `held_by`'s order.
    pub fn shown(&self, grants: &[Grant]) -> Vec<Held<'_>> {
        let mut held: Vec<Held<'_>> = grants.iter().filter_map(|g| self.held(*g)).collect();
        held.sort_by(|a, b| (a.kind, a.name, a.via).cmp(&(b.kind, b.name, b.via)));
        held
    }

    fn held(&self, g: Grant) -> Option<Held<'_>> {
        let e = self.get(g.entitlement)?;
        Some(Held {
            via: g.via.and_then(|v| self.get(v)).map(|v| v.name.as_str()),
            ..Held::direct(e)
        })
    }

    /// How many users hold each catalogue entry (by index).
    pub fn counts(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.catalogue.len()];
        self.grants.visit(|_, grants| {
            // A user's grants come in catalogue order: an entry held twice (directly and
            // through a group) is counted once.
            let mut last = None;
            for g in grants {
                if last == Some(g.entitlement) {
                    continue;
                }
                last = Some(g.entitlement);
                if let Some(c) = counts.get_mut(g.entitlement as usize) {
                    *c += 1;
                }
            }
        });
        counts
    }

    /// About how many bytes these take in memory.
    pub fn bytes(&self) -> usize {
        self.grants.bytes()
            + self
                .catalogue
                .iter()
                .map(|e| {
                    std::mem::size_of::<Entitlement>()
                        + e.id.len() * 2
                        + e.name.len()
                        + e.organization.as_ref().map_or(0, String::len)
                        + e.detail.as_ref().map_or(0, String::len)
                        + 32
                })
                .sum::<usize>()
    }

    /// All grants held.
    pub fn total(&self) -> u64 {
        if self.grants.is_sealed() {
            return self.grants.total();
        }
        let mut n = 0;
        self.grants.visit(|_, grants| n += grants.count() as u64);
        n
    }

    /// The entries of `kind` a filter term names: name, organization or type containing
    /// `needle` (folded, lower case).
    pub fn matching(&self, kind: Kind, needle: &str) -> Vec<u32> {
        (0..self.catalogue.len())
            .filter_map(|i| u32::try_from(i).ok())
            .filter(|&i| {
                self.get(i)
                    .is_some_and(|e| e.kind == kind && entry_says(e, needle))
            })
            .collect()
    }

    /// Whether `user` holds something whose kind is `kind` and whose name contains `needle`
    /// (lower case): the filter's `group:`, `app:`, `role:` terms.
    pub fn user_matches(&self, user: &str, kind: Kind, needle: &str) -> bool {
        self.holds(user, |g| {
            self.get(g.entitlement)
                .is_some_and(|e| e.kind == kind && entry_says(e, needle))
        })
    }

    /// Folds `other` in (a later batch of the same run).
    pub fn absorb(&mut self, mut other: Entitlements) {
        // Its own drops are counted before its grants are read.
        other.seal();
        // Nothing here yet (Okta's users carry none): take it whole, never a second copy.
        if self.catalogue.is_empty() && self.grants.subjects() == 0 {
            let (not_visible, implicit, notes, dropped) = (
                std::mem::take(&mut self.not_visible),
                std::mem::take(&mut self.implicit),
                std::mem::take(&mut self.notes),
                self.dropped,
            );
            *self = other;
            self.not_visible.extend(not_visible);
            self.implicit.extend(implicit);
            self.notes.extend(notes);
            self.dropped += dropped;
            return;
        }
        let map: Vec<Option<u32>> = other
            .catalogue
            .into_iter()
            .map(|e| self.intern(e))
            .collect();
        let mut dropped = 0;
        other.grants.visit(|s, grants| {
            let Some(subject) = other
                .grants
                .digest_of(s)
                .and_then(|d| self.grants.subject_of_digest(d))
            else {
                dropped += grants.count() as u64;
                return;
            };
            for g in grants {
                let via = g.via.and_then(|v| {
                    if v == VIA_UNSETTLED {
                        Some(v)
                    } else {
                        map.get(v as usize).copied().flatten()
                    }
                });
                if let Some(Some(entitlement)) = map.get(g.entitlement as usize) {
                    dropped += self.grants.grant_subject(
                        subject,
                        Grant {
                            entitlement: *entitlement,
                            via,
                        },
                    );
                }
            }
        });
        self.dropped += dropped;
        self.seal();
        self.not_visible.extend(other.not_visible);
        self.implicit.extend(other.implicit);
        self.notes.extend(other.notes);
        self.dropped += other.dropped;
    }

    /// What could not be seen or was read narrowly, in one sentence for an export's last line
    /// and a screen's status ("admin roles not visible: grant okta.roles.read").
    pub fn caveats(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .not_visible
            .iter()
            .map(|n| format!("{} not visible: {}", n.what.plural().to_lowercase(), n.fix))
            .collect();
        out.extend(
            self.implicit
                .iter()
                .map(|g| format!("everyone is in {g} (not listed per user)")),
        );
        out.extend(self.notes.iter().cloned());
        if self.dropped > 0 {
            out.push(format!(
                "{} grants over the limits were dropped",
                self.dropped
            ));
        }
        out
    }
}

/// How far a load got: what an export states, and what a face checks before it writes a part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loaded {
    pub users: u64,
    pub deactivated: u64,
    pub users_complete: bool,
    /// `None`: entitlements were not asked for (`--no-entitlements`).
    pub entitlements_complete: Option<bool>,
}

impl Loaded {
    /// Whether everything asked for is in.
    pub fn complete(&self) -> bool {
        self.users_complete && self.entitlements_complete != Some(false)
    }
}

/// The last line of every export, in both faces: users, deactivated users, entitlements, and
/// what was not visible. `grants`: `None` when entitlements were not read.
pub fn export_summary(
    written: u64,
    deactivated: u64,
    grants: Option<u64>,
    caveats: &[String],
    target: &str,
) -> String {
    let t = crate::text::thousands;
    let mut line = format!(
        "Wrote {} users ({} deactivated)",
        t(written),
        t(deactivated)
    );
    match grants {
        Some(n) => {
            line.push_str(&format!(" with {} entitlements to {target}.", t(n)));
            if !caveats.is_empty() {
                line.push_str(&format!(" Note: {}.", caveats.join("; ")));
            }
        }
        None => line.push_str(&format!(
            " to {target}; entitlements not read (--no-entitlements)."
        )),
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: &str, name: &str) -> Entitlement {
        Entitlement {
            kind: Kind::Group,
            id: id.into(),
            name: name.into(),
            organization: None,
            detail: Some("OKTA_GROUP".into()),
        }
    }

    #[test]
    fn everyone_is_held_by_every_user_without_a_list() {
        let mut e = Entitlements::default();
        let everyone = e.intern(group("00g0", "Everyone")).unwrap();
        let finance = e.intern(group("00g1", "Finance")).unwrap();
        e.implicit.push("Everyone".into());
        assert!(e.is_implicit(everyone));
        assert!(!e.is_implicit(finance));
        assert!(!e.is_implicit(99));
    }

    #[test]
    fn grants_are_stored_once_and_read_back_with_their_group() {
        let mut e = Entitlements::default();
        let g = e.intern(group("00g1", "Finance")).unwrap();
        let app = e
            .intern(Entitlement {
                kind: Kind::App,
                id: "0oa1".into(),
                name: "Salesforce".into(),
                organization: None,
                detail: None,
            })
            .unwrap();
        e.grant("u1", g, None);
        e.grant("u1", g, None);
        e.grant("u1", app, Some(g));
        e.grant("u2", app, None);
        assert_eq!(e.total(), 3);
        assert_eq!(
            e.grants_of("u2"),
            vec![Grant {
                entitlement: app,
                via: None
            }]
        );
        assert_eq!(e.count_of("u1"), 2);
        assert_eq!(e.count_of("u3"), 0);
        assert_eq!(e.counts(), vec![1, 2]);
        assert!(e.user_matches("u1", Kind::App, "sales"));
        assert!(!e.user_matches("u2", Kind::Group, "fin"));
        let held = e.held_by("u1");
        assert_eq!(held[0].name, "Finance");
        assert_eq!(held[1].via, Some("Finance"));
    }

    #[test]
    fn grants_past_the_cap_out_of_order_are_counted_as_dropped() {
        let mut e = Entitlements::default();
        let n = MAX_GRANTS_PER_USER as u32 + 5;
        let ids: Vec<u32> = (0..n)
            .map(|i| {
                e.intern(group(&format!("00g{i}"), &format!("G{i}")))
                    .unwrap()
            })
            .collect();
        // Another user's grant between each of u1's: u1's go through the log.
        for i in &ids {
            e.grant("u1", *i, None);
            e.grant("u2", ids[0], None);
        }
        e.settle_via(|_, _| None);
        assert_eq!(e.dropped, 5);
        assert_eq!(e.count_of("u1"), MAX_GRANTS_PER_USER);
        assert_eq!(e.count_of("u2"), 1);
        assert_eq!(e.total(), MAX_GRANTS_PER_USER as u64 + 1);
    }

    #[test]
    fn an_admin_groups_members_hold_its_roles_through_it() {
        let mut e = Entitlements::default();
        let admins = e.intern(group("00g1", "Admins")).unwrap();
        let other = e.intern(group("00g2", "Other")).unwrap();
        let role = e
            .intern(Entitlement {
                kind: Kind::Role,
                id: "HELP_DESK_ADMIN".into(),
                name: "Help Desk Administrator".into(),
                organization: None,
                detail: None,
            })
            .unwrap();
        e.grant("u1", admins, None);
        e.grant("u2", other, None);
        e.grant("u3", admins, Some(other));
        e.extend_through(&[(admins, role)]);
        assert!(e.holds("u1", |g| g
            == Grant {
                entitlement: role,
                via: Some(admins)
            }));
        assert!(!e.holds("u2", |g| g.entitlement == role));
        // Held through another group is not membership of this one.
        assert!(!e.holds("u3", |g| g.entitlement == role));
        assert_eq!(e.total(), 4);
    }

    #[test]
    fn a_later_batch_folds_in_by_id() {
        let mut a = Entitlements::default();
        let g = a.intern(group("00g1", "Finance")).unwrap();
        a.grant("u1", g, None);
        let mut b = Entitlements::default();
        let other = b.intern(group("00g2", "Sales")).unwrap();
        let same = b.intern(group("00g1", "Finance")).unwrap();
        b.grant("u1", other, Some(same));
        b.grant("u2", same, None);
        a.absorb(b);
        assert_eq!(a.all().len(), 2);
        assert_eq!(a.held_by("u1").len(), 2);
        assert_eq!(a.counts(), vec![2, 1]);
        assert_eq!(a.held_by("u2")[0].name, "Finance");
    }
}
