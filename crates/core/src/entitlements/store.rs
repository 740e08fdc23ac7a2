//! Who holds what, compactly: a million users with ten grants each is tens of megabytes, not
//! a string and a vector a user (a map keyed by user ID cost ~190 bytes a user before any
//! grant).
//!
//! - A user is a *subject*: a 128-bit keyed digest of their ID (SipHash with this process's
//!   random keys, so a tenant cannot choose IDs that collide) found through a table of `u32`s.
//! - Each subject's grants are sorted, de-duplicated and varint-coded in one byte array
//!   (entitlement deltas, a group only where there is one): about two bytes a grant.
//! - Grants that arrive out of subject order (Okta's group member lists) wait in a log and are
//!   merged in batches; grants that arrive a user at a time (OneTrust's pages) are appended at
//!   once.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use hashbrown::HashTable;

use super::{Grant, MAX_GRANTS_PER_USER, VIA_UNSETTLED};

/// Grants waiting in the log before a merge: 12 bytes each, at least ~6 MB and at most an
/// eighth of the grants merged (each merge re-codes them all: growing with the store keeps
/// the cost of merging linear overall).
const LOG_LIMIT: usize = 1 << 19;

/// The keys of this process's digests: digests are compared only within one run.
fn keys() -> &'static std::collections::hash_map::RandomState {
    static KEYS: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
    KEYS.get_or_init(std::collections::hash_map::RandomState::new)
}

/// A user ID's digest: two keyed SipHash outputs over tagged input, 128 bits together.
pub(super) fn digest(id: &str) -> u128 {
    let k = keys();
    (u128::from(k.hash_one((0u8, id))) << 64) | u128::from(k.hash_one((1u8, id)))
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    subject: u32,
    entitlement: u32,
    via: u32,
}

/// `via` as stored: 0 for unsettled, the group's index + 1 otherwise (a direct grant stores
/// none).
fn via_code(via: u32) -> u64 {
    if via == VIA_UNSETTLED {
        0
    } else {
        u64::from(via) + 1
    }
}

const DIRECT: u32 = u32::MAX - 1;

fn pack(g: Grant) -> (u32, u32) {
    // Catalogue indexes stay below `MAX_ENTITLEMENTS`, far from the marker.
    debug_assert!(g.via != Some(DIRECT));
    (g.entitlement, g.via.unwrap_or(DIRECT))
}

fn unpack(entitlement: u32, via: u32) -> Grant {
    Grant {
        entitlement,
        via: (via != DIRECT).then_some(via),
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn take_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// One subject's grants, decoded in order.
#[derive(Clone)]
pub(super) struct Decoded<'a> {
    bytes: &'a [u8],
    prev: u32,
}

impl Iterator for Decoded<'_> {
    type Item = Grant;

    fn next(&mut self) -> Option<Grant> {
        let head = take_varint(&mut self.bytes)?;
        let entitlement = self.prev.wrapping_add((head >> 1) as u32);
        self.prev = entitlement;
        let via = if head & 1 == 1 {
            match take_varint(&mut self.bytes)? {
                0 => VIA_UNSETTLED,
                v => (v - 1) as u32,
            }
        } else {
            DIRECT
        };
        Some(unpack(entitlement, via))
    }
}

/// Codes `grants` (sorted by entitlement, de-duplicated) after `out`.
fn encode(out: &mut Vec<u8>, grants: &[(u32, u32)]) {
    let mut prev = 0u32;
    for &(entitlement, via) in grants {
        let delta = u64::from(entitlement.wrapping_sub(prev));
        prev = entitlement;
        if via == DIRECT {
            put_varint(out, delta << 1);
        } else {
            put_varint(out, (delta << 1) | 1);
            put_varint(out, via_code(via));
        }
    }
}

/// Sorts and de-duplicates a subject's grants and cuts them at the cap; returns how many
/// were cut. The cap keeps the lowest catalogue indexes (groups come first, then apps, then
/// roles), not the first to arrive: the same tenant always keeps the same grants.
fn settle(grants: &mut Vec<(u32, u32)>) -> u64 {
    grants.sort_unstable();
    grants.dedup();
    let over = grants.len().saturating_sub(MAX_GRANTS_PER_USER);
    grants.truncate(MAX_GRANTS_PER_USER);
    over as u64
}

#[derive(Debug, Default, Clone)]
pub(super) struct GrantStore {
    /// Subject → digest of the user's ID.
    digests: Vec<u128>,
    /// Digest → subject.
    table: HashTable<u32>,
    /// Subject `s`'s grants are `bytes[offsets[s]..offsets[s + 1]]`; subjects past the end
    /// have none merged yet.
    offsets: Vec<u32>,
    bytes: Vec<u8>,
    log: Vec<Pending>,
    total: u64,
}

impl GrantStore {
    pub(super) fn subject(&self, id: &str) -> Option<u32> {
        let d = digest(id);
        self.table
            .find(d as u64, |&s| self.digests.get(s as usize) == Some(&d))
            .copied()
    }

    fn subject_or_new(&mut self, id: &str) -> Option<u32> {
        self.subject_of_digest(digest(id))
    }

    /// How many users hold something.
    pub(super) fn subjects(&self) -> usize {
        self.digests.len()
    }

    /// All grants kept.
    pub(super) fn total(&self) -> u64 {
        self.total + self.log.len() as u64
    }

    fn merged(&self, s: u32) -> Decoded<'_> {
        let (s, bytes) = (s as usize, &self.bytes);
        let range = match (self.offsets.get(s), self.offsets.get(s + 1)) {
            (Some(a), Some(b)) => *a as usize..*b as usize,
            _ => 0..0,
        };
        Decoded {
            bytes: bytes.get(range).unwrap_or_default(),
            prev: 0,
        }
    }

    /// Subject `s`'s grants. Exact whether or not some still wait in the log (then they are
    /// gathered from it: a face seals before it reads many).
    pub(super) fn of(&self, s: u32) -> Vec<Grant> {
        if self.log.is_empty() {
            return self.merged(s).collect();
        }
        let mut all: Vec<(u32, u32)> = self.merged(s).map(pack).collect();
        all.extend(
            self.log
                .iter()
                .filter(|p| p.subject == s)
                .map(|p| (p.entitlement, p.via)),
        );
        settle(&mut all);
        all.into_iter().map(|(e, v)| unpack(e, v)).collect()
    }

    /// Whether any of subject `s`'s grants passes `f`, without a copy when all are merged.
    pub(super) fn any(&self, s: u32, f: impl FnMut(Grant) -> bool) -> bool {
        if self.log.is_empty() {
            self.merged(s).any(f)
        } else {
            self.of(s).into_iter().any(f)
        }
    }

    /// Calls `f` with each subject that has grants and its grants, in catalogue order.
    pub(super) fn visit(&self, mut f: impl FnMut(u32, &mut dyn Iterator<Item = Grant>)) {
        if !self.log.is_empty() {
            // Not sealed: a sealed copy answers (a face seals before it reads it all).
            let mut sealed = self.clone();
            sealed.seal();
            return sealed.visit(f);
        }
        let merged = self.offsets.len().saturating_sub(1) as u32;
        for s in 0..merged {
            f(s, &mut self.merged(s));
        }
    }

    pub(super) fn is_sealed(&self) -> bool {
        self.log.is_empty()
    }

    /// Adds a grant to `id`; returns how many grants the cap dropped.
    pub(super) fn grant(&mut self, id: &str, g: Grant) -> u64 {
        match self.subject_or_new(id) {
            Some(s) => self.grant_subject(s, g),
            None => 1,
        }
    }

    /// Adds a grant to subject `s`; returns how many grants the cap dropped.
    pub(super) fn grant_subject(&mut self, s: u32, g: Grant) -> u64 {
        let (entitlement, via) = pack(g);
        let merged = self.offsets.len().saturating_sub(1);
        // In subject order (a user's grants together, as OneTrust's pages bring them): the
        // subject's list is the last one, or starts after it, and is coded in place.
        if self.log.is_empty() && s as usize + 1 >= merged {
            return self.append_tail(s, (entitlement, via));
        }
        self.log.push(Pending {
            subject: s,
            entitlement,
            via,
        });
        if self.log.len() >= LOG_LIMIT.max((self.total / 8) as usize) {
            return self.seal();
        }
        0
    }

    /// Re-codes the last subject's list (or starts subject `s` after it) with one more grant.
    fn append_tail(&mut self, s: u32, grant: (u32, u32)) -> u64 {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        // Subjects made since the last list (holding nothing yet) get empty lists.
        while self.offsets.len() < s as usize + 1 {
            self.offsets.push(self.bytes.len() as u32);
        }
        let start = if self.offsets.len() == s as usize + 2 {
            self.offsets.pop();
            self.offsets.last().copied().unwrap_or(0)
        } else {
            self.bytes.len() as u32
        };
        let mut list: Vec<(u32, u32)> = Decoded {
            bytes: self.bytes.get(start as usize..).unwrap_or_default(),
            prev: 0,
        }
        .map(pack)
        .collect();
        let before = list.len() as u64;
        list.push(grant);
        let dropped = settle(&mut list);
        self.total = self.total - before + list.len() as u64;
        self.bytes.truncate(start as usize);
        encode(&mut self.bytes, &list);
        if self.bytes.len() > u32::MAX as usize {
            // Past what offsets can address: this list is given up, and said.
            self.bytes.truncate(start as usize);
            self.total -= list.len() as u64;
            self.offsets.push(start);
            return dropped + list.len() as u64;
        }
        self.offsets.push(self.bytes.len() as u32);
        dropped
    }

    /// Merges the log into the coded lists; returns how many grants the caps dropped.
    pub(super) fn seal(&mut self) -> u64 {
        if self.log.is_empty() {
            return 0;
        }
        let mut log = std::mem::take(&mut self.log);
        log.sort_unstable_by_key(|p| (p.subject, p.entitlement, p.via));
        let subjects = self.digests.len();
        let mut bytes = Vec::with_capacity(self.bytes.len() + log.len() * 2);
        let mut offsets = Vec::with_capacity(subjects + 1);
        offsets.push(0u32);
        let (mut dropped, mut total) = (0u64, 0u64);
        let mut pending = log.iter().peekable();
        let mut list: Vec<(u32, u32)> = Vec::new();
        for s in 0..subjects as u32 {
            list.clear();
            list.extend(self.merged(s).map(pack));
            while let Some(p) = pending.next_if(|p| p.subject == s) {
                list.push((p.entitlement, p.via));
            }
            dropped += settle(&mut list);
            let start = bytes.len();
            encode(&mut bytes, &list);
            if bytes.len() > u32::MAX as usize {
                bytes.truncate(start);
                dropped += list.len() as u64;
            } else {
                total += list.len() as u64;
            }
            offsets.push(bytes.len() as u32);
        }
        bytes.shrink_to_fit();
        self.bytes = bytes;
        self.offsets = offsets;
        self.total = total;
        dropped
    }

    /// Re-codes every list with `change` applied to each subject's grants (which sees them
    /// all and changes some).
    pub(super) fn rewrite(&mut self, mut change: impl FnMut(&mut [Grant])) -> u64 {
        let mut dropped = self.seal();
        let n = self.offsets.len().saturating_sub(1) as u32;
        let mut bytes = Vec::with_capacity(self.bytes.len());
        let mut offsets = Vec::with_capacity(self.offsets.len());
        offsets.push(0u32);
        let mut total = 0;
        for s in 0..n {
            let mut grants: Vec<Grant> = self.merged(s).collect();
            change(&mut grants);
            let mut list: Vec<(u32, u32)> = grants.into_iter().map(pack).collect();
            dropped += settle(&mut list);
            let start = bytes.len();
            encode(&mut bytes, &list);
            if bytes.len() > u32::MAX as usize {
                bytes.truncate(start);
                dropped += list.len() as u64;
            } else {
                total += list.len() as u64;
            }
            offsets.push(bytes.len() as u32);
        }
        bytes.shrink_to_fit();
        self.bytes = bytes;
        self.offsets = offsets;
        self.total = total;
        dropped
    }

    /// The subject of `digest` here, made when new (folding in another store of this run).
    pub(super) fn subject_of_digest(&mut self, d: u128) -> Option<u32> {
        let digests = &self.digests;
        if let Some(s) = self
            .table
            .find(d as u64, |&s| digests.get(s as usize) == Some(&d))
        {
            return Some(*s);
        }
        let s = u32::try_from(self.digests.len()).ok()?;
        self.digests.push(d);
        let digests = &self.digests;
        self.table.insert_unique(d as u64, s, |&t| {
            digests.get(t as usize).map_or(0, |d| *d as u64)
        });
        Some(s)
    }

    pub(super) fn digest_of(&self, s: u32) -> Option<u128> {
        self.digests.get(s as usize).copied()
    }

    /// About how many bytes this takes.
    pub(super) fn bytes(&self) -> usize {
        self.digests.capacity() * 16
            + self.table.capacity() * 5
            + self.offsets.capacity() * 4
            + self.bytes.capacity()
            + self.log.capacity() * std::mem::size_of::<Pending>()
    }

    /// Drops the memory a finished build no longer needs.
    pub(super) fn shrink(&mut self) {
        self.digests.shrink_to_fit();
        self.offsets.shrink_to_fit();
        self.bytes.shrink_to_fit();
        self.log.shrink_to_fit();
        let digests = &self.digests;
        self.table
            .shrink_to_fit(|&t| digests.get(t as usize).map_or(0, |d| *d as u64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn g(entitlement: u32, via: Option<u32>) -> Grant {
        Grant { entitlement, via }
    }

    #[test]
    fn grants_in_user_order_are_appended_without_a_log() {
        let mut s = GrantStore::default();
        s.grant("u1", g(3, None));
        s.grant("u1", g(1, Some(7)));
        s.grant("u2", g(2, Some(VIA_UNSETTLED)));
        assert!(s.is_sealed());
        let u1 = s.subject("u1").unwrap();
        let u2 = s.subject("u2").unwrap();
        assert_eq!(s.of(u1), vec![g(1, Some(7)), g(3, None)]);
        assert_eq!(s.of(u2), vec![g(2, Some(VIA_UNSETTLED))]);
        assert_eq!(s.total(), 3);
        assert!(s.subject("u3").is_none());
    }

    #[test]
    fn a_user_with_nothing_between_two_holders_reads_empty() {
        let mut s = GrantStore::default();
        s.grant("u1", g(1, None));
        let _ = s.subject_or_new("u2");
        s.grant("u3", g(2, None));
        assert_eq!(s.of(s.subject("u2").unwrap()), vec![]);
        assert_eq!(s.of(s.subject("u3").unwrap()), vec![g(2, None)]);
    }

    #[test]
    fn the_cap_holds_per_user_in_both_paths() {
        let mut s = GrantStore::default();
        let mut dropped = 0;
        for e in 0..(MAX_GRANTS_PER_USER as u32 + 10) {
            dropped += s.grant("u1", g(e, None));
        }
        assert_eq!(dropped, 10);
        assert_eq!(s.total(), MAX_GRANTS_PER_USER as u64);
    }

    proptest! {
        /// Whatever the order grants arrive in, every user reads back exactly the set they
        /// were given (de-duplicated, sorted), before and after the log is merged.
        #[test]
        fn reads_back_exactly_what_was_granted(
            grants in prop::collection::vec((0u8..12, 0u32..300, prop::option::of(0u32..40)), 0..400),
            unsettled in prop::collection::vec(any::<bool>(), 400),
        ) {
            let mut s = GrantStore::default();
            let mut want: std::collections::BTreeMap<String, std::collections::BTreeSet<(u32, u32)>> =
                Default::default();
            for (i, (u, e, via)) in grants.iter().enumerate() {
                let via = if unsettled[i] && via.is_some() { Some(VIA_UNSETTLED) } else { *via };
                let id = format!("user{u}");
                s.grant(&id, g(*e, via));
                want.entry(id).or_default().insert(pack(g(*e, via)));
            }
            let check = |s: &GrantStore| {
                for (id, set) in &want {
                    let got: Vec<(u32, u32)> = s.of(s.subject(id).unwrap()).into_iter().map(pack).collect();
                    let want: Vec<(u32, u32)> = set.iter().copied().collect();
                    prop_assert_eq!(got, want);
                }
                Ok(())
            };
            check(&s)?;
            s.seal();
            prop_assert!(s.is_sealed());
            check(&s)?;
            prop_assert_eq!(s.total(), want.values().map(|v| v.len() as u64).sum::<u64>());
        }
    }
}
