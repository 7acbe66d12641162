//! [`MemoryStore`], the embedded default [`CredentialStore`].
//!
//! Every operation costs the same whatever the number of users and
//! credentials: users are indexed by handle and by name, credentials by id and
//! by user, and expired ceremony states leave through an expiry queue instead of
//! a scan. Accounts (users, credentials, policies) sit behind one lock, because
//! the rules that span them (the registration limit, a dead record's
//! replacement) must be atomic; every critical section is a few hash lookups.
//! Ceremony states, written by every `start` and taken by every `finish`, are
//! spread over [`STATE_SHARDS`] locks of their own so that sign-ins of
//! independent users do not queue on one another.

use crate::ceremony::authentication::CredentialUpdate;
use crate::ceremony::challenge::unix_now;
use crate::ceremony::registration::VerifiedRegistration;
use crate::credential::{CredentialRecord, CredentialState, User, UserHandle};
use crate::error::{Error, Result};
use crate::profile::AccountPolicy;
use crate::store::{CredentialStore, InsertConditions};
use std::cmp::Reverse;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

/// How many independently locked shards hold ceremony states.
const STATE_SHARDS: usize = 16;

#[derive(Default)]
struct Accounts {
    users: HashMap<UserHandle, User>,
    /// Account name → handle (names are unique).
    names: HashMap<String, UserHandle>,
    credentials: HashMap<Vec<u8>, CredentialRecord>,
    /// User handle → ids of that user's credentials.
    by_user: HashMap<UserHandle, Vec<Vec<u8>>>,
    policies: HashMap<UserHandle, AccountPolicy>,
}

impl Accounts {
    fn user_credentials(&self, handle: &UserHandle) -> impl Iterator<Item = &CredentialRecord> {
        self.by_user
            .get(handle)
            .into_iter()
            .flatten()
            .filter_map(|id| self.credentials.get(id))
    }
}

#[derive(Default)]
struct States {
    live: HashMap<Vec<u8>, (Vec<u8>, u64)>,
    /// (expiry, key) of every state filed, soonest first. A state taken before
    /// it expires leaves a stale entry here, dropped when its time comes.
    expiry: BinaryHeap<Reverse<(u64, Vec<u8>)>>,
}

impl States {
    /// Drops the states that expired before `now`.
    fn sweep(&mut self, now: u64) {
        while let Some(Reverse((exp, _))) = self.expiry.peek() {
            if *exp >= now {
                break;
            }
            if let Some(Reverse((exp, key))) = self.expiry.pop()
                && self.live.get(&key).is_some_and(|(_, e)| *e == exp)
            {
                self.live.remove(&key);
            }
        }
    }
}

struct Shared {
    accounts: Mutex<Accounts>,
    states: [Mutex<States>; STATE_SHARDS],
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            accounts: Mutex::default(),
            states: std::array::from_fn(|_| Mutex::default()),
        }
    }
}

/// The embedded default store: everything in memory, indexed so that each
/// operation takes constant time. Clones share the same data.
#[derive(Clone, Default)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

fn poisoned<T>(_: T) -> Error {
    Error::Storage("memory store lock poisoned".into())
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets an account's sign-in policy (see [`CredentialStore::account_policy`]).
    pub fn set_account_policy(&self, handle: &UserHandle, policy: AccountPolicy) -> Result<()> {
        self.accounts()?.policies.insert(handle.clone(), policy);
        Ok(())
    }

    fn accounts(&self) -> Result<MutexGuard<'_, Accounts>> {
        self.shared.accounts.lock().map_err(poisoned)
    }

    fn states(&self, key: &[u8]) -> Result<MutexGuard<'_, States>> {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        // The remainder is below STATE_SHARDS, so the conversion cannot fail.
        let shard = usize::try_from(h.finish() % STATE_SHARDS as u64).unwrap_or(0);
        self.shared
            .states
            .get(shard)
            .ok_or_else(|| Error::Storage("memory store shard".into()))?
            .lock()
            .map_err(poisoned)
    }
}

impl CredentialStore for MemoryStore {
    async fn user_by_handle(&self, handle: &UserHandle) -> Result<Option<User>> {
        Ok(self.accounts()?.users.get(handle).cloned())
    }
    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let g = self.accounts()?;
        Ok(g.names.get(name).and_then(|h| g.users.get(h)).cloned())
    }
    async fn insert_user(&self, user: &User) -> Result<()> {
        let mut g = self.accounts()?;
        if g.users.contains_key(&user.handle) || g.names.contains_key(&user.name) {
            return Err(Error::Storage("user already exists".into()));
        }
        g.names.insert(user.name.clone(), user.handle.clone());
        g.users.insert(user.handle.clone(), user.clone());
        Ok(())
    }
    async fn credentials_for_user(&self, handle: &UserHandle) -> Result<Vec<CredentialRecord>> {
        let mut v: Vec<_> = self.accounts()?.user_credentials(handle).cloned().collect();
        v.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(v)
    }
    async fn credential_by_id(&self, id: &[u8]) -> Result<Option<CredentialRecord>> {
        Ok(self.accounts()?.credentials.get(id).cloned())
    }
    async fn insert_credential(
        &self,
        registration: &VerifiedRegistration,
        conditions: &InsertConditions<'_>,
    ) -> Result<()> {
        let record = registration.record();
        // One lock for the whole rule: the duplicate check, the limit count and
        // the insert cannot interleave with another registration.
        let mut g = self.accounts()?;
        let replacing = match g.credentials.get(record.id()) {
            Some(existing) if conditions.may_replace(existing, record) => true,
            Some(_) => return Err(Error::CredentialAlreadyRegistered),
            None => false,
        };
        if let Some(limit) = conditions.registration_limit {
            let live = g
                .user_credentials(&record.user_handle)
                .filter(|c| c.id != record.id && c.state.is_excluded_from_registration())
                .count();
            if live >= limit {
                return Err(Error::RegistrationLimit { limit });
            }
        }
        // A replaced record has the same id and the same user: the index
        // already lists it.
        if !replacing {
            g.by_user
                .entry(record.user_handle.clone())
                .or_default()
                .push(record.id().to_vec());
        }
        g.credentials.insert(record.id().to_vec(), record.clone());
        Ok(())
    }
    async fn update_after_authentication(&self, u: &CredentialUpdate) -> Result<bool> {
        let mut g = self.accounts()?;
        let Some(c) = g.credentials.get_mut(u.credential_id.as_slice()) else {
            return Ok(false);
        };
        if c.sign_count != u.previous_sign_count {
            return Ok(false);
        }
        u.apply_to(c);
        Ok(true)
    }
    async fn set_credential_name(&self, id: &[u8], name: Option<&str>) -> Result<bool> {
        Ok(match self.accounts()?.credentials.get_mut(id) {
            Some(c) => {
                c.name = name.map(str::to_owned);
                true
            }
            None => false,
        })
    }
    async fn set_credential_state(
        &self,
        id: &[u8],
        from: CredentialState,
        to: CredentialState,
        changed_at: u64,
    ) -> Result<bool> {
        Ok(match self.accounts()?.credentials.get_mut(id) {
            Some(c) if c.state == from => {
                c.state = to;
                c.state_changed_at = changed_at;
                true
            }
            _ => false,
        })
    }
    async fn delete_credential(&self, id: &[u8]) -> Result<bool> {
        let mut g = self.accounts()?;
        let Some(record) = g.credentials.remove(id) else {
            return Ok(false);
        };
        if let Some(ids) = g.by_user.get_mut(&record.user_handle) {
            ids.retain(|i| i.as_slice() != id);
            if ids.is_empty() {
                g.by_user.remove(&record.user_handle);
            }
        }
        Ok(true)
    }
    async fn put_ceremony_state(&self, key: &[u8], state: Vec<u8>, expires_at: u64) -> Result<()> {
        let mut g = self.states(key)?;
        // Expired states leave on write, soonest first, so memory stays bounded
        // by the ceremonies started within one expiry window.
        g.sweep(unix_now());
        g.expiry.push(Reverse((expires_at, key.to_vec())));
        g.live.insert(key.to_vec(), (state, expires_at));
        Ok(())
    }
    async fn take_ceremony_state(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.states(key)?.live.remove(key).map(|(s, _)| s))
    }
    async fn account_policy(&self, handle: &UserHandle) -> Result<AccountPolicy> {
        Ok(self
            .accounts()?
            .policies
            .get(handle)
            .copied()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_states_are_swept_and_taken_ones_leave_no_live_entry() {
        let mut s = States::default();
        for (i, exp) in [5u64, 1, 9, 3].into_iter().enumerate() {
            s.expiry
                .push(Reverse((exp, vec![u8::try_from(i).unwrap()])));
            s.live.insert(vec![u8::try_from(i).unwrap()], (vec![], exp));
        }
        // Taken before expiry: only its queue entry remains.
        s.live.remove(&vec![0u8]);
        s.sweep(4);
        let mut left: Vec<_> = s.live.keys().cloned().collect();
        left.sort();
        assert_eq!(left, vec![vec![2u8]]);
        assert_eq!(s.expiry.len(), 2);
        // A key filed again with a later expiry survives its old entry's sweep.
        s.live.insert(vec![2], (vec![], 20));
        s.expiry.push(Reverse((20, vec![2])));
        s.sweep(10);
        assert!(s.live.contains_key(&vec![2u8]));
    }
}
