//! The compact tables under [`super::MemoryStore`]: a [`Slab`] holds entries at
//! fixed positions, and an [`Index`] maps key bytes to positions.
//!
//! Why not `HashMap<Vec<u8>, V>`: with 100k credentials the maps' buckets
//! (key, value and all) spread over tens of megabytes, so every probe of a
//! registration (is the id, the handle, the name free?) and every insert
//! touched a cold page. Here a bucket is 8 bytes (a position and 32 bits of
//! the key's hash), so the three indexes of a 100k store fit in about 2 MB,
//! and new entries are appended to the slabs' warm ends. Looking a key up
//! reads its entry only when the hash matches; a resize rehashes from the
//! stored hash bits without touching an entry.

use crate::error::{Error, Result};
use hashbrown::HashTable;
use std::hash::{BuildHasher, RandomState};

/// A position in a [`Slab`].
pub(super) type Slot = u32;

/// Entries at stable positions; a removed entry's position is reused.
pub(super) struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<Slot>,
    /// Positions past this are never handed out: every [`Slot`] value, unless
    /// a test sets fewer to see a full store refuse.
    max: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
            max: usize::try_from(Slot::MAX).map_or(usize::MAX, |m| m.saturating_add(1)),
        }
    }
}

impl<T> Slab<T> {
    pub(super) fn get(&self, at: Slot) -> Option<&T> {
        self.items.get(usize::try_from(at).ok()?)?.as_ref()
    }

    pub(super) fn get_mut(&mut self, at: Slot) -> Option<&mut T> {
        self.items.get_mut(usize::try_from(at).ok()?)?.as_mut()
    }

    /// Files `item`, at a freed position if there is one.
    pub(super) fn insert(&mut self, item: T) -> Result<Slot> {
        if let Some(at) = self.free.pop()
            && let Some(cell) = usize::try_from(at).ok().and_then(|i| self.items.get_mut(i))
        {
            *cell = Some(item);
            return Ok(at);
        }
        let full = || Error::Storage("memory store is full".into());
        if self.items.len() >= self.max {
            return Err(full());
        }
        let at = Slot::try_from(self.items.len()).map_err(|_| full())?;
        self.items.push(Some(item));
        Ok(at)
    }

    /// Takes the entry at `at` out, freeing its position.
    pub(super) fn remove(&mut self, at: Slot) -> Option<T> {
        let item = self.items.get_mut(usize::try_from(at).ok()?)?.take();
        if item.is_some() {
            self.free.push(at);
        }
        item
    }

    /// How many entries are held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.items.len() - self.free.len()
    }

    /// Hands out no position past `max` (tests: a full store).
    #[cfg(test)]
    pub(super) fn set_max(&mut self, max: usize) {
        self.max = max;
    }
}

/// Key bytes → [`Slot`]. The keys themselves live in the slab entries; the
/// index keeps 32 bits of each key's hash beside its position, and the caller
/// says whether the entry at a position has the key looked for.
pub(super) struct Index<S = RandomState> {
    table: HashTable<(u32, Slot)>,
    /// Keyed per index (SipHash with random keys): credential ids and user
    /// handles come from clients, who must not be able to aim keys at one
    /// bucket.
    hasher: S,
}

impl Default for Index {
    fn default() -> Self {
        Index::with_hasher(RandomState::new())
    }
}

/// The table's 64-bit hash from the 32 bits kept: the low bits choose the
/// bucket and the top seven are hashbrown's per-bucket tag, so both come from
/// the key's hash (the tag repeats bucket bits only past 2^25 buckets, where
/// probes compare a few more entries, nothing worse).
fn spread(h: u32) -> u64 {
    u64::from(h) | (u64::from(h) << 32)
}

impl<S: BuildHasher> Index<S> {
    pub(super) fn with_hasher(hasher: S) -> Self {
        Index {
            table: HashTable::new(),
            hasher,
        }
    }

    /// The hash bits kept for `key`.
    pub(super) fn hash(&self, key: &[u8]) -> u32 {
        // Truncation intended: 32 bits choose buckets for 4 billion entries.
        self.hasher.hash_one(key) as u32
    }

    /// The position of the entry with `key`: `is_key(at)` says whether the
    /// entry at `at` has it (asked only of entries whose hash bits match).
    pub(super) fn find(&self, key: &[u8], mut is_key: impl FnMut(Slot) -> bool) -> Option<Slot> {
        let h = self.hash(key);
        self.table
            .find(spread(h), |&(eh, at)| eh == h && is_key(at))
            .map(|&(_, at)| at)
    }

    /// Indexes a new entry at `at` under a key that hashed to `hash`. The
    /// caller has checked that no entry has the key.
    pub(super) fn insert(&mut self, hash: u32, at: Slot) {
        self.table
            .insert_unique(spread(hash), (hash, at), |&(h, _)| spread(h));
    }

    /// Drops the entry at `at` (filed under `hash`) from the index.
    pub(super) fn remove(&mut self, hash: u32, at: Slot) {
        if let Ok(entry) = self
            .table
            .find_entry(spread(hash), |&(eh, a)| eh == hash && a == at)
        {
            entry.remove();
        }
    }

    /// How many keys are indexed.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasherDefault;
    use std::hash::Hasher;

    /// Every key hashes alike: entries are told apart by `is_key` alone.
    #[derive(Default)]
    struct Same;
    impl Hasher for Same {
        fn finish(&self) -> u64 {
            7
        }
        fn write(&mut self, _: &[u8]) {}
    }

    fn find(index: &Index<impl BuildHasher>, keys: &Slab<Vec<u8>>, key: &[u8]) -> Option<Slot> {
        index.find(key, |at| keys.get(at).is_some_and(|k| k == key))
    }

    #[test]
    fn colliding_keys_are_told_apart_by_their_entries() {
        let mut index = Index::with_hasher(BuildHasherDefault::<Same>::default());
        let mut keys = Slab::default();
        let names: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; usize::from(i % 5) + 1]).collect();
        for k in &names {
            assert_eq!(find(&index, &keys, k), None);
            let at = keys.insert(k.clone()).unwrap();
            index.insert(index.hash(k), at);
        }
        assert_eq!(index.len(), 40);
        for (i, k) in names.iter().enumerate() {
            assert_eq!(find(&index, &keys, k), Some(Slot::try_from(i).unwrap()));
        }
        // Removing one leaves the others it collides with.
        let at = find(&index, &keys, &names[3]).unwrap();
        index.remove(index.hash(&names[3]), at);
        keys.remove(at);
        assert_eq!(find(&index, &keys, &names[3]), None);
        assert_eq!(find(&index, &keys, &names[4]), Some(4));
        assert_eq!(index.len(), 39);
    }

    #[test]
    fn hash_bits_are_compared_before_the_entry_is_asked() {
        let mut index = Index::default();
        let mut keys = Slab::default();
        let at = keys.insert(b"ann".to_vec()).unwrap();
        index.insert(index.hash(b"ann"), at);
        // An entry whose hash bits differ is not asked about at all.
        let mut asked = 0;
        let hit = index.find(b"bob", |_| {
            asked += 1;
            true
        });
        assert_eq!((hit, asked), (None, 0));
        assert_eq!(find(&index, &keys, b"ann"), Some(at));
        // Removal names the position too: another position under the same
        // hash stays.
        index.remove(index.hash(b"ann"), at + 1);
        assert_eq!(index.len(), 1);
        index.remove(index.hash(b"ann"), at);
        assert_eq!(index.len(), 0);
    }

    /// Mutation testing: a `spread` that loses bits only slows lookups (every
    /// key in one probe chain, or one tag for all), which no lookup result
    /// shows; the bits are checked here. (`|` → `^` is the same function: the
    /// two halves share no bit.)
    #[test]
    fn spread_keeps_the_hash_in_the_bucket_bits_and_the_tag_bits() {
        assert_eq!(spread(0x8765_4321), 0x8765_4321_8765_4321);
        // hashbrown's tag is the top seven bits: the hash's bits 25 to 31.
        assert_eq!(spread(0xfe00_0000) >> 57, 0x7f);
        assert_eq!(spread(0x01ff_ffff) >> 57, 0);
    }

    #[test]
    fn slab_reuses_freed_positions_and_keeps_the_others() {
        let mut s = Slab::default();
        let a = s.insert('a').unwrap();
        let b = s.insert('b').unwrap();
        let c = s.insert('c').unwrap();
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(s.remove(b), Some('b'));
        assert_eq!(s.remove(b), None);
        assert_eq!(s.get(b), None);
        assert_eq!(s.len(), 2);
        assert_eq!(s.insert('d').unwrap(), b);
        assert_eq!(s.insert('e').unwrap(), 3);
        *s.get_mut(a).unwrap() = 'z';
        assert_eq!(
            [a, b, c, 3].map(|i| s.get(i).copied()),
            [Some('z'), Some('d'), Some('c'), Some('e')]
        );
        // Full: a freed position is still reused, a new one is refused.
        s.set_max(4);
        assert!(matches!(s.insert('f'), Err(Error::Storage(_))));
        s.remove(c);
        assert_eq!(s.insert('g').unwrap(), c);
        assert_eq!(s.len(), 4);
        assert_eq!(s.get(9), None);
        assert_eq!(s.get_mut(9), None);
        assert_eq!(s.remove(9), None);
    }
}
