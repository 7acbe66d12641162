//! A bounded cache of parsed credential public keys inside [`Passkeys`](super::Passkeys).
//!
//! Parsing a stored key is a measurable part of a sign-in: the `rsa` crate's
//! Montgomery precomputation for an RS256 key, point decompression for Ed25519.
//! A returning user signs in with the same key many times, so the service keeps
//! the parsed key (a [`CachedKey`]) per credential id.
//!
//! Correctness does not depend on invalidation: an entry is used only when it
//! was parsed from **exactly** the record's current id and key bytes
//! ([`CachedKey::belongs_to`], checked again by the verifier), so a record whose
//! key was replaced (a dead id re-registered with a new key) misses and is
//! parsed afresh. Deletion and revocation are decided by the store lookup that
//! precedes every use. Removing entries on those changes only frees memory.
//!
//! Bounded: at most `capacity` keys, spread over shards with their own locks so
//! concurrent sign-ins of different users rarely contend. A full shard evicts
//! one entry (arbitrary: hash order) before inserting; no entry is ever larger
//! than the largest key the parsers accept (`limits`).

use crate::ceremony::authentication::CachedKey;
use crate::credential::CredentialRecord;
use crate::error::Result;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Shards (a power of two): one lock each.
const SHARDS: usize = 16;

/// The default capacity: keys of the most recently active credentials.
pub(crate) const DEFAULT_CAPACITY: usize = 4096;

pub(crate) struct KeyCache {
    per_shard: usize,
    shards: Vec<Mutex<HashMap<Vec<u8>, Arc<CachedKey>>>>,
}

impl KeyCache {
    /// A cache of at most `capacity` keys (rounded up to a multiple of the
    /// shard count); `0` turns caching off.
    pub(crate) fn new(capacity: usize) -> Self {
        let per_shard = capacity.div_ceil(SHARDS);
        let shards = if per_shard == 0 {
            Vec::new()
        } else {
            (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect()
        };
        KeyCache { per_shard, shards }
    }

    /// The parsed key of `record`: from the cache when an entry was made from
    /// exactly this record's id and key bytes, else parsed (and remembered).
    pub(crate) fn key_for(&self, record: &CredentialRecord) -> Result<Arc<CachedKey>> {
        let Some(shard) = self.shard(record.id()) else {
            return CachedKey::for_record(record).map(Arc::new);
        };
        if let Some(hit) = lock(shard).get(record.id())
            && hit.belongs_to(record)
        {
            return Ok(Arc::clone(hit));
        }
        // Parse outside the lock: an RSA key takes tens of microseconds.
        let key = Arc::new(CachedKey::for_record(record)?);
        let mut map = lock(shard);
        if map.len() >= self.per_shard
            && !map.contains_key(record.id())
            && let Some(victim) = map.keys().next().cloned()
        {
            map.remove(&victim);
        }
        map.insert(record.id().to_vec(), Arc::clone(&key));
        Ok(key)
    }

    /// Drops the entry of credential `id` (after a delete or revoke: memory only,
    /// see the module docs).
    pub(crate) fn forget(&self, id: &[u8]) {
        if let Some(shard) = self.shard(id) {
            lock(shard).remove(id);
        }
    }

    /// How many keys are cached.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }

    fn shard(&self, id: &[u8]) -> Option<&Mutex<HashMap<Vec<u8>, Arc<CachedKey>>>> {
        if self.shards.is_empty() {
            return None;
        }
        // Credential ids are random (or, for a hostile one, at worst collide
        // into one shard, which is still bounded): their last byte spreads well.
        let i = id.last().map_or(0, |b| usize::from(*b) % SHARDS);
        self.shards.get(i)
    }
}

/// A poisoned shard only means another thread panicked mid-insert; the map is
/// still a valid map of valid entries, so keep using it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_zero_caches_nothing_and_capacity_is_a_bound() {
        let off = KeyCache::new(0);
        assert!(off.shard(b"id").is_none());
        let small = KeyCache::new(20);
        // 20 over 16 shards: 2 per shard, so at most 32 entries in all.
        assert_eq!(small.per_shard, 2);
        assert_eq!(small.len(), 0);
    }
}
