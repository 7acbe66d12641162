//! [`MemoryStore`], the embedded default [`CredentialStore`].
//!
//! Every operation costs the same whatever the number of users and
//! credentials: accounts (user, credential positions, policy) and records sit
//! in slabs, found through compact hash indexes by handle, name and credential
//! id ([`index`]), and expired ceremony states leave through an expiry queue
//! instead of a scan. Accounts and records sit behind one lock, because
//! the rules that span them (the registration limit, a dead record's
//! replacement) must be atomic; every critical section is a few index lookups.
//! Ceremony states, written by every `start` and taken by every `finish`, are
//! spread over [`STATE_SHARDS`] locks of their own so that sign-ins of
//! independent users do not queue on one another.
//!
//! Unfinished ceremony states are capped ([`MemoryStore::DEFAULT_CEREMONY_LIMIT`]
//! by default): a shared counter reserves a slot before a state is filed, so
//! the cap holds exactly across shards without a global lock.

use crate::ceremony::authentication::CredentialUpdate;
use crate::ceremony::challenge::unix_now;
use crate::ceremony::registration::VerifiedRegistration;
use crate::credential::{CredentialRecord, CredentialState, User, UserHandle};
use crate::error::{Error, Result};
use crate::profile::AccountPolicy;
use crate::store::{CredentialStore, InsertConditions, RemovalGuard};
use std::cmp::Reverse;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

mod index;
use index::{Index, Slab, Slot};

/// How many independently locked shards hold ceremony states.
const STATE_SHARDS: usize = 16;

/// Everything the store keeps under one user handle, in one slab entry found
/// through one index lookup.
struct Account {
    handle: UserHandle,
    /// `None` while only credentials or a policy name the handle.
    user: Option<User>,
    /// Positions of the handle's credentials in [`Accounts::records`], oldest
    /// first.
    credentials: Vec<Slot>,
    policy: AccountPolicy,
}

impl Account {
    /// Whether the entry holds nothing worth keeping.
    fn is_empty(&self) -> bool {
        self.user.is_none()
            && self.credentials.is_empty()
            && self.policy == AccountPolicy::default()
    }
}

/// Users, credentials and policies, behind the store's one accounts lock.
#[derive(Default)]
struct Accounts {
    accounts: Slab<Account>,
    by_handle: Index,
    /// Account name → the account holding it (names are unique; only
    /// accounts with a user have one).
    names: Index,
    /// Boxed, so that the slab's growth moves pointers, not records.
    records: Slab<Box<CredentialRecord>>,
    by_id: Index,
}

impl Accounts {
    fn account_at(&self, handle: &UserHandle) -> Option<Slot> {
        self.by_handle.find(handle.as_bytes(), |at| {
            self.accounts.get(at).is_some_and(|a| a.handle == *handle)
        })
    }

    fn account(&self, handle: &UserHandle) -> Option<&Account> {
        self.accounts.get(self.account_at(handle)?)
    }

    fn user(&self, handle: &UserHandle) -> Option<&User> {
        self.account(handle)?.user.as_ref()
    }

    /// The user named `name`.
    fn named(&self, name: &str) -> Option<&User> {
        let user = |at| {
            self.accounts
                .get(at)
                .and_then(|a: &Account| a.user.as_ref())
        };
        let at = self.names.find(name.as_bytes(), |at| {
            user(at).is_some_and(|u| u.name == name)
        })?;
        user(at)
    }

    fn policy(&self, handle: &UserHandle) -> AccountPolicy {
        self.account(handle).map(|a| a.policy).unwrap_or_default()
    }

    fn record_at(&self, id: &[u8]) -> Option<Slot> {
        self.by_id
            .find(id, |at| self.records.get(at).is_some_and(|r| r.id == id))
    }

    fn record(&self, id: &[u8]) -> Option<&CredentialRecord> {
        self.records.get(self.record_at(id)?).map(|r| &**r)
    }

    fn record_mut(&mut self, id: &[u8]) -> Option<&mut CredentialRecord> {
        let at = self.record_at(id)?;
        self.records.get_mut(at).map(|r| &mut **r)
    }

    /// The account of `handle`, made (empty) if there is none.
    fn account_entry(&mut self, handle: &UserHandle) -> Result<Slot> {
        match self.account_at(handle) {
            Some(at) => Ok(at),
            None => self.new_account(handle),
        }
    }

    /// Files an empty account for `handle`, which has none.
    fn new_account(&mut self, handle: &UserHandle) -> Result<Slot> {
        let at = self.accounts.insert(Account {
            handle: handle.clone(),
            user: None,
            credentials: Vec::new(),
            policy: AccountPolicy::default(),
        })?;
        self.by_handle
            .insert(self.by_handle.hash(handle.as_bytes()), at);
        Ok(at)
    }

    /// Files `user` in the account at `at` (its handle's) and indexes its
    /// name. The caller has checked that neither is taken.
    fn file_user(&mut self, at: Slot, user: &User) {
        if let Some(a) = self.accounts.get_mut(at) {
            a.user = Some(user.clone());
            let hash = self.names.hash(user.name.as_bytes());
            self.names.insert(hash, at);
        }
    }

    /// Drops the account at `at` if it holds nothing (so no name either).
    fn drop_if_empty(&mut self, at: Slot) {
        if self.accounts.get(at).is_some_and(Account::is_empty)
            && let Some(a) = self.accounts.remove(at)
        {
            self.by_handle
                .remove(self.by_handle.hash(a.handle.as_bytes()), at);
        }
    }

    /// The credentials of `account`.
    fn user_credentials<'a>(
        &'a self,
        account: Option<&'a Account>,
    ) -> impl Iterator<Item = &'a CredentialRecord> {
        account
            .into_iter()
            .flat_map(|a| a.credentials.iter())
            .filter_map(|&at| self.records.get(at).map(|r| &**r))
    }

    /// Whether `guard` refuses moving `target` to `to` (`None`: deleting it).
    fn refuses(
        &self,
        guard: RemovalGuard,
        target: &CredentialRecord,
        to: Option<CredentialState>,
    ) -> bool {
        let account = self.account(&target.user_handle);
        let policy = account.map(|a| a.policy).unwrap_or_default();
        guard.refuses(policy, target, to, self.user_credentials(account))
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
    /// Drops the states that expired before `now`, releasing their slots in
    /// `outstanding`.
    fn sweep(&mut self, now: u64, outstanding: &AtomicUsize) {
        while let Some(Reverse((exp, _))) = self.expiry.peek() {
            if *exp >= now {
                break;
            }
            if let Some(Reverse((exp, key))) = self.expiry.pop()
                && self.live.get(&key).is_some_and(|(_, e)| *e == exp)
            {
                self.live.remove(&key);
                outstanding.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    /// Takes the state under `key`. Taken states leave stale queue entries;
    /// once those outnumber the live states the queue is rebuilt from them,
    /// which keeps it bounded by the cap at amortised O(1) per take.
    fn take(&mut self, key: &[u8], outstanding: &AtomicUsize) -> Option<Vec<u8>> {
        let taken = self.live.remove(key).map(|(s, _)| s);
        if taken.is_some() {
            outstanding.fetch_sub(1, Ordering::SeqCst);
        }
        if self.expiry.len() > 2 * self.live.len() + 64 {
            self.expiry = self
                .live
                .iter()
                .map(|(k, (_, e))| Reverse((*e, k.clone())))
                .collect();
        }
        taken
    }
}

struct Shared {
    accounts: Mutex<Accounts>,
    states: [Mutex<States>; STATE_SHARDS],
    /// Ceremony states filed and not yet taken or swept, over all shards.
    outstanding: AtomicUsize,
    ceremony_limit: usize,
}

impl Shared {
    fn new(ceremony_limit: usize) -> Self {
        Shared {
            accounts: Mutex::default(),
            states: std::array::from_fn(|_| Mutex::default()),
            outstanding: AtomicUsize::new(0),
            ceremony_limit,
        }
    }

    /// Reserves room for one more ceremony state; `false` when full.
    fn reserve_state(&self) -> bool {
        self.outstanding
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.ceremony_limit).then_some(n + 1)
            })
            .is_ok()
    }
}

/// The embedded default store: everything in memory, indexed so that each
/// operation takes constant time. Clones share the same data.
///
/// At most [`ceremony_limit`](Self::ceremony_limit) unfinished ceremony states
/// are held ([`DEFAULT_CEREMONY_LIMIT`](Self::DEFAULT_CEREMONY_LIMIT) unless set
/// with [`with_ceremony_limit`](Self::with_ceremony_limit)); one more `start`
/// fails with [`Error::TooManyCeremonies`] until some finish or expire.
#[derive(Clone)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_ceremony_limit(Self::DEFAULT_CEREMONY_LIMIT)
    }
}

fn poisoned<T>(_: T) -> Error {
    Error::Storage("memory store lock poisoned".into())
}

impl MemoryStore {
    /// The default cap on unfinished ceremony states: 100 000. Measured, a
    /// state costs about 480 bytes here for a discoverable sign-in and 730 for
    /// a registration (a sign-in listing many credentials more), so a full
    /// store holds roughly 50 to 75 MB of them; measure with
    /// `cargo test --test ceremony_state_memory -- --ignored --nocapture`.
    pub const DEFAULT_CEREMONY_LIMIT: usize = 100_000;

    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store holding at most `limit` unfinished ceremony states.
    pub fn with_ceremony_limit(limit: usize) -> Self {
        MemoryStore {
            shared: Arc::new(Shared::new(limit)),
        }
    }

    /// The cap on unfinished ceremony states.
    pub fn ceremony_limit(&self) -> usize {
        self.shared.ceremony_limit
    }

    /// How many ceremony states are held now (expired ones not yet dropped
    /// included).
    pub fn outstanding_ceremonies(&self) -> usize {
        self.shared.outstanding.load(Ordering::SeqCst)
    }

    /// Sets an account's sign-in policy (see [`CredentialStore::account_policy`]).
    pub fn set_account_policy(&self, handle: &UserHandle, policy: AccountPolicy) -> Result<()> {
        let mut g = self.accounts()?;
        let at = g.account_entry(handle)?;
        if let Some(account) = g.accounts.get_mut(at) {
            account.policy = policy;
        }
        g.drop_if_empty(at);
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
        Ok(self.accounts()?.user(handle).cloned())
    }
    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        Ok(self.accounts()?.named(name).cloned())
    }
    async fn insert_user(&self, user: &User) -> Result<()> {
        let mut g = self.accounts()?;
        if g.user(&user.handle).is_some() || g.named(&user.name).is_some() {
            return Err(Error::UsernameTaken);
        }
        let at = g.account_entry(&user.handle)?;
        g.file_user(at, user);
        Ok(())
    }
    async fn credentials_for_user(&self, handle: &UserHandle) -> Result<Vec<CredentialRecord>> {
        let g = self.accounts()?;
        let mut v: Vec<_> = g.user_credentials(g.account(handle)).cloned().collect();
        v.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(v)
    }
    async fn credential_by_id(&self, id: &[u8]) -> Result<Option<CredentialRecord>> {
        Ok(self.accounts()?.record(id).cloned())
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
        let replacing = match g.record_at(record.id()) {
            Some(at)
                if g.records
                    .get(at)
                    .is_some_and(|existing| conditions.may_replace(existing, record)) =>
            {
                Some(at)
            }
            Some(_) => return Err(Error::CredentialAlreadyRegistered),
            None => None,
        };
        let account_at = g.account_at(&record.user_handle);
        let account = account_at.and_then(|at| g.accounts.get(at));
        // A new account: its name must still be free. Checked before anything
        // is written, so a refusal leaves the store as it was.
        let new_user = match conditions.creating_user {
            Some(u) if account.is_none_or(|a| a.user.is_none()) => {
                if u.handle != record.user_handle {
                    return Err(Error::Storage(
                        "creating_user is not the credential's user".into(),
                    ));
                }
                if g.named(&u.name).is_some() {
                    return Err(Error::UsernameTaken);
                }
                Some(u)
            }
            _ => None,
        };
        if let Some(limit) = conditions.registration_limit {
            let live = g
                .user_credentials(account)
                .filter(|c| c.id != record.id && c.state.is_excluded_from_registration())
                .count();
            if live >= limit {
                return Err(Error::RegistrationLimit { limit });
            }
        }
        let stored = Box::new(record.clone());
        // A replaced record has the same id and the same user: it keeps its
        // position, which the indexes and its account already list.
        let added = match replacing {
            Some(at) => {
                if let Some(old) = g.records.get_mut(at) {
                    *old = stored;
                }
                None
            }
            None => Some(g.records.insert(stored)?),
        };
        // Every record belongs to an account, so a replacement's exists.
        let account = match account_at {
            Some(at) => at,
            None => match g.new_account(&record.user_handle) {
                Ok(at) => at,
                Err(e) => {
                    // Only when the store is full: leave it as it was.
                    if let Some(at) = added {
                        g.records.remove(at);
                    }
                    return Err(e);
                }
            },
        };
        if let Some(u) = new_user {
            g.file_user(account, u);
        }
        if let Some(at) = added {
            let hash = g.by_id.hash(record.id());
            g.by_id.insert(hash, at);
            if let Some(a) = g.accounts.get_mut(account) {
                a.credentials.push(at);
            }
        }
        Ok(())
    }
    async fn update_after_authentication(&self, u: &CredentialUpdate) -> Result<bool> {
        let mut g = self.accounts()?;
        let Some(c) = g.record_mut(u.credential_id.as_slice()) else {
            return Ok(false);
        };
        if c.sign_count != u.previous_sign_count {
            return Ok(false);
        }
        u.apply_to(c);
        Ok(true)
    }
    async fn set_credential_name(&self, id: &[u8], name: Option<&str>) -> Result<bool> {
        Ok(match self.accounts()?.record_mut(id) {
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
        guard: RemovalGuard,
    ) -> Result<bool> {
        let mut g = self.accounts()?;
        let Some(at) = g.record_at(id) else {
            return Ok(false);
        };
        match g.records.get(at) {
            Some(c) if c.state == from => {
                if g.refuses(guard, c, Some(to)) {
                    return Err(Error::LastWayIn);
                }
            }
            _ => return Ok(false),
        }
        if let Some(c) = g.records.get_mut(at) {
            c.state = to;
            c.state_changed_at = changed_at;
        }
        Ok(true)
    }
    async fn delete_credential(&self, id: &[u8], guard: RemovalGuard) -> Result<bool> {
        let mut g = self.accounts()?;
        let Some(at) = g.record_at(id) else {
            return Ok(false);
        };
        if g.records.get(at).is_some_and(|c| g.refuses(guard, c, None)) {
            return Err(Error::LastWayIn);
        }
        let Some(record) = g.records.remove(at) else {
            return Ok(false);
        };
        let hash = g.by_id.hash(id);
        g.by_id.remove(hash, at);
        if let Some(account) = g.account_at(&record.user_handle) {
            if let Some(a) = g.accounts.get_mut(account) {
                a.credentials.retain(|&c| c != at);
            }
            g.drop_if_empty(account);
        }
        Ok(true)
    }
    async fn put_ceremony_state(&self, key: &[u8], state: Vec<u8>, expires_at: u64) -> Result<()> {
        let shared = &*self.shared;
        let now = unix_now();
        {
            let mut g = self.states(key)?;
            // Expired states leave on write, soonest first.
            g.sweep(now, &shared.outstanding);
            // Filed again under a held key: it takes no new room.
            if let Some(held) = g.live.get_mut(key) {
                *held = (state, expires_at);
                g.expiry.push(Reverse((expires_at, key.to_vec())));
                return Ok(());
            }
        }
        if !shared.reserve_state() {
            // Full: drop the expired states of every shard, one lock at a time
            // (never two at once, so shards cannot deadlock), and try again.
            // Each shard costs a peek when nothing has expired.
            for shard in &shared.states {
                shard
                    .lock()
                    .map_err(poisoned)?
                    .sweep(now, &shared.outstanding);
            }
            if !shared.reserve_state() {
                return Err(Error::TooManyCeremonies {
                    limit: shared.ceremony_limit,
                });
            }
        }
        let mut g = self.states(key)?;
        g.expiry.push(Reverse((expires_at, key.to_vec())));
        if g.live.insert(key.to_vec(), (state, expires_at)).is_some() {
            // Filed under the same key meanwhile: it took no new room.
            shared.outstanding.fetch_sub(1, Ordering::SeqCst);
        }
        Ok(())
    }
    async fn take_ceremony_state(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.states(key)?.take(key, &self.shared.outstanding))
    }
    async fn account_policy(&self, handle: &UserHandle) -> Result<AccountPolicy> {
        Ok(self.accounts()?.policy(handle))
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
        let n = AtomicUsize::new(3);
        s.sweep(4, &n);
        assert_eq!(n.load(Ordering::SeqCst), 1);
        let mut left: Vec<_> = s.live.keys().cloned().collect();
        left.sort();
        assert_eq!(left, vec![vec![2u8]]);
        assert_eq!(s.expiry.len(), 2);
        // A key filed again with a later expiry survives its old entry's sweep.
        s.live.insert(vec![2], (vec![], 20));
        s.expiry.push(Reverse((20, vec![2])));
        s.sweep(10, &n);
        assert!(s.live.contains_key(&vec![2u8]));
    }

    #[tokio::test]
    async fn ceremony_cap_refuses_when_full_and_frees_on_take_and_expiry() {
        let store = MemoryStore::with_ceremony_limit(3);
        assert_eq!(store.ceremony_limit(), 3);
        let later = unix_now() + 300;
        for k in [b"a", b"b", b"c"] {
            store.put_ceremony_state(k, vec![1], later).await.unwrap();
        }
        // Filing again under a held key takes no new room.
        store
            .put_ceremony_state(b"c", vec![2], later)
            .await
            .unwrap();
        assert!(matches!(
            store.put_ceremony_state(b"d", vec![1], later).await,
            Err(Error::TooManyCeremonies { limit: 3 })
        ));
        assert_eq!(store.outstanding_ceremonies(), 3);
        assert_eq!(
            store.take_ceremony_state(b"c").await.unwrap(),
            Some(vec![2])
        );
        assert_eq!(store.take_ceremony_state(b"c").await.unwrap(), None);
        store
            .put_ceremony_state(b"d", vec![1], later)
            .await
            .unwrap();
        // Expired states make room when the store is full, whatever shard
        // they sit in.
        let store = MemoryStore::with_ceremony_limit(2);
        let past = unix_now() - 10;
        store.put_ceremony_state(b"x", vec![1], past).await.unwrap();
        store.put_ceremony_state(b"y", vec![1], past).await.unwrap();
        store
            .put_ceremony_state(b"z", vec![1], later)
            .await
            .unwrap();
        store
            .put_ceremony_state(b"w", vec![1], later)
            .await
            .unwrap();
        assert_eq!(store.outstanding_ceremonies(), 2);
        assert!(store.take_ceremony_state(b"x").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn one_entry_per_handle_keeps_a_policy_and_goes_when_empty() {
        let store = MemoryStore::new();
        let handle = UserHandle::new(vec![7]).unwrap();
        let strict = AccountPolicy::passkey_only();
        // A policy for a handle with no user yet is kept…
        store.set_account_policy(&handle, strict).unwrap();
        assert_eq!(store.account_policy(&handle).await.unwrap(), strict);
        assert!(store.user_by_handle(&handle).await.unwrap().is_none());
        // …and so is the user filed later, beside it.
        let user = User {
            handle: handle.clone(),
            name: "ann".into(),
            display_name: "Ann".into(),
        };
        store.insert_user(&user).await.unwrap();
        assert_eq!(store.account_policy(&handle).await.unwrap(), strict);
        assert_eq!(store.user_by_name("ann").await.unwrap(), Some(user));
        // An entry holding nothing leaves the map.
        let other = UserHandle::new(vec![8]).unwrap();
        store
            .set_account_policy(&other, AccountPolicy::default())
            .unwrap();
        let g = store.accounts().unwrap();
        assert!(g.account(&other).is_none());
        assert_eq!((g.by_handle.len(), g.accounts.len()), (1, 1));
    }

    /// Mutation testing: the queue is rebuilt from the live states exactly
    /// when it holds more than 2 × live + 64 entries, no sooner (a rebuild on
    /// every take is O(live) each) and no later (`==` could step past the
    /// bound and never rebuild). Every variant of the condition kept the queue
    /// bounded in the test below, so none was seen.
    #[test]
    fn expiry_queue_is_rebuilt_exactly_past_twice_the_live_states_plus_64() {
        let mut s = States::default();
        let n = AtomicUsize::new(0);
        let keys: Vec<Vec<u8>> = (0..100u32).map(|i| i.to_be_bytes().to_vec()).collect();
        for key in &keys {
            s.expiry.push(Reverse((u64::MAX, key.clone())));
            s.live.insert(key.clone(), (vec![], u64::MAX));
            n.fetch_add(1, Ordering::SeqCst);
        }
        // The rule, modelled: a take leaves its queue entry behind, then the
        // queue is rebuilt if it is over the bound.
        let mut model = keys.len();
        for (k, key) in keys.iter().enumerate() {
            assert!(s.take(key, &n).is_some());
            let live = keys.len() - k - 1;
            if model > 2 * live + 64 {
                model = live;
            }
            assert_eq!(s.expiry.len(), model, "after take {}", k + 1);
        }
        assert_eq!(n.load(Ordering::SeqCst), 0);
    }

    /// §7.1 step 26 "Verify that the credentialId is not yet registered for…",
    /// in the store's atomic step: an id already stored is refused, whatever
    /// the service checked before, unless the conditions
    /// name that very record's key and it is the same user's dead record.
    /// (Mutation testing: the replacement guard replaced by `true` went
    /// unseen, as the service's earlier check stops every duplicate a test
    /// made through it; two finishes racing past that check are what the
    /// store must settle.)
    #[tokio::test]
    async fn stored_id_is_replaced_only_as_the_same_users_dead_record_with_its_key() {
        let store = MemoryStore::new();
        let ann = UserHandle::new(vec![1]).unwrap();
        let bob = UserHandle::new(vec![2]).unwrap();
        let (old_key, new_key) = (b"old key".as_slice(), b"new key".as_slice());
        /// Inserts an active record with id `[7; 16]` for `user` with `key`.
        async fn insert(
            store: &MemoryStore,
            user: &UserHandle,
            key: &[u8],
            replacing: Option<&[u8]>,
        ) -> Result<()> {
            let record = crate::internal::store_testing::record(
                &[7; 16],
                user,
                key,
                CredentialState::Active,
            )
            .expect("record");
            let conditions = InsertConditions::new().replacing(replacing);
            store
                .insert_credential(
                    &crate::internal::store_testing::registration(record),
                    &conditions,
                )
                .await
        }
        insert(&store, &ann, old_key, None).await.unwrap();
        let refused = |r: Result<()>| matches!(r, Err(Error::CredentialAlreadyRegistered));
        // An active record is never replaced, named or not.
        assert!(refused(insert(&store, &ann, new_key, None).await));
        assert!(refused(insert(&store, &ann, new_key, Some(old_key)).await));
        // Revoked: replaced only when the conditions name its key, and only
        // for its own user.
        store
            .set_credential_state(
                &[7; 16],
                CredentialState::Active,
                CredentialState::Revoked,
                2000,
                RemovalGuard::Unguarded,
            )
            .await
            .unwrap();
        assert!(refused(insert(&store, &ann, new_key, None).await));
        assert!(refused(insert(&store, &ann, new_key, Some(new_key)).await));
        assert!(refused(insert(&store, &bob, new_key, Some(old_key)).await));
        insert(&store, &ann, new_key, Some(old_key)).await.unwrap();
        let now = store.credential_by_id(&[7; 16]).await.unwrap().unwrap();
        assert_eq!(now.public_key(), new_key);
        assert_eq!(store.credentials_for_user(&ann).await.unwrap().len(), 1);
    }

    /// "A refusal leaves the store as it was": a full store (no room for
    /// the new user's account) refuses the registration and keeps neither
    /// the record it had filed nor the name.
    #[tokio::test]
    async fn full_store_refuses_a_new_account_and_keeps_no_record_or_name() {
        let store = MemoryStore::new();
        let ann = User {
            handle: UserHandle::new(vec![1]).unwrap(),
            name: "ann".into(),
            display_name: "Ann".into(),
        };
        store.accounts().unwrap().accounts.set_max(0);
        let record = crate::internal::store_testing::record(
            &[7; 16],
            &ann.handle,
            b"key",
            CredentialState::Active,
        )
        .unwrap();
        let registration = crate::internal::store_testing::registration(record);
        let creating = InsertConditions::new().creating_user(Some(&ann));
        assert!(matches!(
            store.insert_credential(&registration, &creating).await,
            Err(Error::Storage(_))
        ));
        assert!(store.credential_by_id(&[7; 16]).await.unwrap().is_none());
        assert!(store.user_by_name("ann").await.unwrap().is_none());
        {
            let g = store.accounts().unwrap();
            assert_eq!((g.records.len(), g.by_id.len(), g.names.len()), (0, 0, 0));
        }
        // With room again, the same registration lands whole.
        store.accounts().unwrap().accounts.set_max(usize::MAX);
        store
            .insert_credential(&registration, &creating)
            .await
            .unwrap();
        assert_eq!(store.user_by_name("ann").await.unwrap(), Some(ann.clone()));
        assert_eq!(
            store.credentials_for_user(&ann.handle).await.unwrap().len(),
            1
        );
    }

    #[test]
    fn taken_states_do_not_grow_the_expiry_queue_without_bound() {
        let mut s = States::default();
        let n = AtomicUsize::new(0);
        for i in 0..10_000u32 {
            let key = i.to_be_bytes().to_vec();
            s.expiry.push(Reverse((u64::MAX, key.clone())));
            s.live.insert(key.clone(), (vec![], u64::MAX));
            n.fetch_add(1, Ordering::SeqCst);
            assert!(s.take(&key, &n).is_some());
        }
        assert!(s.expiry.len() <= 65, "{}", s.expiry.len());
        assert_eq!(n.load(Ordering::SeqCst), 0);
    }
}
