//! The compact tables under [`super::MemoryStore`]: a [`Slab`] holds entries at
//! fixed positions, and an [`Index`] maps key bytes to positions.
//!
//! Why not `HashMap<Vec<u8>, V>`: with 100k credentials the maps' buckets
//! (key, value and all) spread over 15 MB, so every probe of a registration
//! (is the id, the handle, the name free?) and every insert touched cold
//! memory, twice (the map's control bytes, then its bucket). Here a cell is 8
//! bytes (a position and 32 bits of the key's hash) in one array probed
//! linearly, so a probe and the insert after it touch one cache line, and new
//! entries are appended to the slabs' warm ends. A lookup reads an entry only
//! when its hash bits match; growing rehashes from the stored bits without
//! reading an entry.

use crate::error::{Error, Result};
use std::hash::{BuildHasher, RandomState};

/// A position in a [`Slab`].
pub(super) type Slot = u32;

/// Entries at stable positions; a removed entry's position is reused.
pub(super) struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<Slot>,
    /// How many positions may be handed out: every [`Slot`] value but the
    /// last, unless a test sets fewer to see a full store refuse.
    max: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
            // `Slot::MAX` itself is never handed out: an index cell holds
            // the position plus one.
            max: usize::try_from(Slot::MAX).unwrap_or(usize::MAX),
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

/// Key bytes → [`Slot`], by linear probing over one array of 8-byte cells,
/// each holding 32 bits of a key's hash and its position (plus one: 0 is an
/// empty cell). A probe and the insert after it read and write the same cache
/// line, and the cells are compared by hash bits before any entry is read:
/// the keys live in the slab entries, and the caller says whether the entry
/// at a position has the key looked for. At most three cells in four are
/// used, so every probe ends at an empty one.
pub(super) struct Index<S = RandomState> {
    cells: Vec<u64>,
    len: usize,
    /// Keyed per index (SipHash with random keys): credential ids and user
    /// handles come from clients, who must not be able to aim keys at one
    /// run of cells.
    hasher: S,
}

impl Default for Index {
    fn default() -> Self {
        Index::with_hasher(RandomState::new())
    }
}

const EMPTY: u64 = 0;

fn cell(hash: u32, at: Slot) -> u64 {
    // `at` is below `Slot::MAX` (the slabs hand out no higher position).
    (u64::from(hash) << 32) | (u64::from(at) + 1)
}

fn cell_hash(cell: u64) -> u32 {
    (cell >> 32) as u32
}

fn cell_slot(cell: u64) -> Slot {
    (cell as u32).wrapping_sub(1)
}

/// Where a key with `hash` starts probing, in a table with `mask + 1` cells.
fn home(hash: u32, mask: usize) -> usize {
    usize::try_from(hash).unwrap_or(usize::MAX) & mask
}

impl<S: BuildHasher> Index<S> {
    pub(super) fn with_hasher(hasher: S) -> Self {
        Index {
            cells: Vec::new(),
            len: 0,
            hasher,
        }
    }

    /// The hash bits kept for `key`.
    pub(super) fn hash(&self, key: &[u8]) -> u32 {
        // Truncation intended: 32 bits place 4 billion entries.
        self.hasher.hash_one(key) as u32
    }

    fn mask(&self) -> usize {
        self.cells.len().wrapping_sub(1)
    }

    /// The position of the entry with `key`: `is_key(at)` says whether the
    /// entry at `at` has it (asked only of entries whose hash bits match).
    pub(super) fn find(&self, key: &[u8], mut is_key: impl FnMut(Slot) -> bool) -> Option<Slot> {
        let h = self.hash(key);
        let mask = self.mask();
        let mut i = home(h, mask);
        loop {
            let c = *self.cells.get(i)?;
            if c == EMPTY {
                return None;
            }
            if cell_hash(c) == h && is_key(cell_slot(c)) {
                return Some(cell_slot(c));
            }
            i = (i + 1) & mask;
        }
    }

    /// Indexes a new entry at `at` under a key that hashed to `hash`. The
    /// caller has checked that no entry has the key.
    pub(super) fn insert(&mut self, hash: u32, at: Slot) {
        if self.len + 1 > self.cells.len() / 4 * 3 {
            let size = self.cells.len().saturating_mul(2).max(16);
            let old = std::mem::replace(&mut self.cells, vec![EMPTY; size]);
            for c in old.into_iter().filter(|&c| c != EMPTY) {
                self.place(c);
            }
        }
        self.place(cell(hash, at));
        self.len += 1;
    }

    /// Puts `c` in the first empty cell from its home on.
    fn place(&mut self, c: u64) {
        let mask = self.mask();
        let mut i = home(cell_hash(c), mask);
        while let Some(slot) = self.cells.get_mut(i) {
            if *slot == EMPTY {
                *slot = c;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Drops the entry at `at` (filed under `hash`) from the index.
    pub(super) fn remove(&mut self, hash: u32, at: Slot) {
        let mask = self.mask();
        let target = cell(hash, at);
        let mut hole = home(hash, mask);
        loop {
            match self.cells.get(hole) {
                Some(&c) if c == target => break,
                Some(&c) if c != EMPTY => hole = (hole + 1) & mask,
                _ => return,
            }
        }
        // Close the hole, so that no probe stops short of a key filed past
        // it: each later cell of the run moves back into the hole unless the
        // hole lies before its home.
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let Some(&c) = self.cells.get(j) else { break };
            if c == EMPTY {
                break;
            }
            let from_home = j.wrapping_sub(home(cell_hash(c), mask)) & mask;
            let from_hole = j.wrapping_sub(hole) & mask;
            if from_home >= from_hole {
                if let Some(h) = self.cells.get_mut(hole) {
                    *h = c;
                }
                hole = j;
            }
        }
        if let Some(h) = self.cells.get_mut(hole) {
            *h = EMPTY;
        }
        self.len -= 1;
    }

    /// How many keys are indexed.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
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

    /// The key's last eight bytes, as its hash: tests choose where keys
    /// land, and what collides.
    #[derive(Default)]
    struct Chosen(u64);
    impl Hasher for Chosen {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0 = bytes.iter().fold(0, |a, &b| a << 8 | u64::from(b));
        }
    }

    /// A key with identity `id` whose hash bits are `hash`.
    fn key(id: u32, hash: u32) -> Vec<u8> {
        [id.to_be_bytes(), hash.to_be_bytes()].concat()
    }

    /// Inserts, removals and lookups against a model, with keys crowded into
    /// one run that wraps past the table's end and sharing hash bits, across
    /// the table's growth: every key held is found at its position, no other
    /// is, and a removal (which moves later cells back into its hole) never
    /// strands a key behind an empty cell.
    #[test]
    fn crowded_wrapping_keys_stay_findable_through_removals_and_growth() {
        let mut index = Index::with_hasher(BuildHasherDefault::<Chosen>::default());
        let mut keys = Slab::default();
        let mut model: std::collections::HashMap<Vec<u8>, Slot> = Default::default();
        let mut rng = 0x2545_f491_u32;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            rng
        };
        for step in 0..4000 {
            let id = next() % 90;
            // 24 hash values just below 2^32: homes in the last cells of any
            // table size, running past the end; about four keys per value.
            let k = key(id, u32::MAX - 23 + id % 24);
            match model.get(&k).copied() {
                Some(at) if next() % 3 != 0 => {
                    index.remove(index.hash(&k), at);
                    keys.remove(at);
                    model.remove(&k);
                }
                Some(_) => {}
                None => {
                    assert_eq!(find(&index, &keys, &k), None, "step {step}");
                    let at = keys.insert(k.clone()).unwrap();
                    index.insert(index.hash(&k), at);
                    model.insert(k, at);
                }
            }
            assert_eq!(index.len(), model.len());
            for (k, &at) in &model {
                assert_eq!(find(&index, &keys, k), Some(at), "step {step}");
            }
        }
        // Removing what is not there changes nothing.
        let held = model.len();
        index.remove(7, 12_345);
        assert_eq!(index.len(), held);
    }

    #[test]
    fn cells_hold_the_hash_bits_and_the_position_plus_one() {
        assert_eq!(cell(0x8765_4321, 0), 0x8765_4321_0000_0001);
        assert_eq!(cell_hash(cell(0x8765_4321, 41)), 0x8765_4321);
        assert_eq!(cell_slot(cell(1, 41)), 41);
        assert_eq!(cell_slot(cell(0, Slot::MAX - 1)), Slot::MAX - 1);
        assert_ne!(cell(0, 0), EMPTY);
        assert_eq!(home(0xffff_fff3, 15), 3);
    }

    /// At most three cells in four are used: the table doubles on the
    /// insert that would pass that.
    #[test]
    fn table_doubles_past_three_quarters_full() {
        let mut index = Index::default();
        let mut sizes = Vec::new();
        for at in 0..100 {
            index.insert(at * 7919, at);
            sizes.push(index.cells.len());
        }
        assert_eq!(sizes[0], 16);
        assert_eq!(sizes[11], 16);
        assert_eq!(sizes[12], 32);
        assert_eq!(sizes[24], 64);
        assert_eq!(sizes[48], 128);
        assert_eq!(sizes[99], 256);
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
