//! Races against the store: every multi-step rule must hold when two requests
//! interleave at the worst moment. [`GatedStore`] pauses chosen reads on a
//! barrier so each interleaving below is forced, not hoped for.

use relypass_testkit::lifecycle as soft;

use relypass::{
    AccountPolicy, AuthenticationOptions, CredentialRecord, CredentialState, CredentialStore,
    CredentialUpdate, Error, InsertConditions, MemoryStore, Passkeys, RegistrationOptions,
    RelyingParty, RemovalGuard, User, UserHandle, VerifiedRegistration,
};
use soft::{SoftAuthenticator, register, sign_in, user};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Barrier;

const ORIGIN: &str = "https://example.com";

/// UV `preferred` (not the `required` default): some races involve UV-less
/// security keys, which must still register.
fn rp() -> RelyingParty {
    RelyingParty::builder("example.com", "Example")
        .origin(ORIGIN)
        .user_verification(relypass::json::UserVerificationRequirement::Preferred)
        .build()
        .unwrap()
}

/// A [`MemoryStore`] whose reads can be made to stop twice on a two-party
/// barrier: once after reading (so the other party knows the read happened)
/// and once before returning (so the other party can act in between). Each
/// counter says how many upcoming reads of that kind stop.
#[derive(Clone)]
struct GatedStore {
    inner: MemoryStore,
    pause_by_id: Arc<AtomicUsize>,
    pause_for_user: Arc<AtomicUsize>,
    barrier: Arc<Barrier>,
}

impl GatedStore {
    fn new() -> Self {
        GatedStore {
            inner: MemoryStore::new(),
            pause_by_id: Arc::new(AtomicUsize::new(0)),
            pause_for_user: Arc::new(AtomicUsize::new(0)),
            barrier: Arc::new(Barrier::new(2)),
        }
    }

    async fn gate(&self, counter: &AtomicUsize) {
        let armed = counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if armed {
            self.barrier.wait().await;
            self.barrier.wait().await;
        }
    }

    /// The other side of one gate: returns once the paused read has happened;
    /// the paused party goes on at the next [`Barrier::wait`].
    async fn read_happened(&self) {
        self.barrier.wait().await;
    }
}

impl CredentialStore for GatedStore {
    async fn user_by_handle(&self, h: &UserHandle) -> relypass::Result<Option<User>> {
        self.inner.user_by_handle(h).await
    }
    async fn user_by_name(&self, n: &str) -> relypass::Result<Option<User>> {
        self.inner.user_by_name(n).await
    }
    async fn insert_user(&self, u: &User) -> relypass::Result<()> {
        self.inner.insert_user(u).await
    }
    async fn credentials_for_user(
        &self,
        h: &UserHandle,
    ) -> relypass::Result<Vec<CredentialRecord>> {
        let r = self.inner.credentials_for_user(h).await;
        self.gate(&self.pause_for_user).await;
        r
    }
    async fn credential_by_id(&self, id: &[u8]) -> relypass::Result<Option<CredentialRecord>> {
        let r = self.inner.credential_by_id(id).await;
        self.gate(&self.pause_by_id).await;
        r
    }
    async fn insert_credential(
        &self,
        r: &VerifiedRegistration,
        c: &InsertConditions<'_>,
    ) -> relypass::Result<()> {
        self.inner.insert_credential(r, c).await
    }
    async fn update_after_authentication(&self, u: &CredentialUpdate) -> relypass::Result<bool> {
        self.inner.update_after_authentication(u).await
    }
    async fn set_credential_name(&self, id: &[u8], n: Option<&str>) -> relypass::Result<bool> {
        self.inner.set_credential_name(id, n).await
    }
    async fn set_credential_state(
        &self,
        id: &[u8],
        from: CredentialState,
        to: CredentialState,
        at: u64,
        g: RemovalGuard,
    ) -> relypass::Result<bool> {
        self.inner.set_credential_state(id, from, to, at, g).await
    }
    async fn delete_credential(&self, id: &[u8], g: RemovalGuard) -> relypass::Result<bool> {
        self.inner.delete_credential(id, g).await
    }
    async fn put_ceremony_state(&self, k: &[u8], s: Vec<u8>, e: u64) -> relypass::Result<()> {
        self.inner.put_ceremony_state(k, s, e).await
    }
    async fn take_ceremony_state(&self, k: &[u8]) -> relypass::Result<Option<Vec<u8>>> {
        self.inner.take_ceremony_state(k).await
    }
    async fn account_policy(&self, h: &UserHandle) -> relypass::Result<AccountPolicy> {
        self.inner.account_policy(h).await
    }
}

/// A gated service and an ungated one over the same records: the second acts
/// "in between" while the first is paused.
fn two_services() -> (
    GatedStore,
    Arc<Passkeys<GatedStore>>,
    Arc<Passkeys<MemoryStore>>,
) {
    let store = GatedStore::new();
    let gated = Arc::new(Passkeys::new(rp(), store.clone()));
    let direct = Arc::new(Passkeys::new(rp(), store.inner.clone()));
    (store, gated, direct)
}

async fn stored(store: &GatedStore, id: &[u8]) -> CredentialRecord {
    store.inner.credential_by_id(id).await.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_sign_ins_are_settled_by_compare_and_set() {
    let (store, pk, _) = two_services();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    let mut responses = Vec::new();
    for _ in 0..2 {
        let (opts, ceremony) = pk
            .start_authentication(Some(&alice.handle), &AuthenticationOptions::default())
            .await
            .unwrap();
        responses.push((ceremony, auth.get_with_counter(&opts, 1).unwrap()));
    }
    // Both sign-ins read the record (counter 0) before either writes.
    store.pause_by_id.store(2, Ordering::SeqCst);
    let tasks: Vec<_> = responses
        .into_iter()
        .map(|(ceremony, r)| {
            let pk = Arc::clone(&pk);
            tokio::spawn(async move { pk.finish_authentication(&ceremony, &r).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    // The loser verified against counter 0 too, and lost at the store.
    assert!(results.iter().any(|r| matches!(
        r,
        Err(Error::Counter {
            stored: 0,
            received: 1
        })
    )));
    assert_eq!(stored(&store, rec.id()).await.sign_count(), 1);
}

/// Audit defect 2: rename read the record, a revoke landed, and rename wrote
/// the stale `Active` state back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_revocation_rename_racing_revoke_keeps_the_revocation() {
    let (store, gated, direct) = two_services();
    let alice = user("alice");
    let rec = register(&gated, &alice, &mut SoftAuthenticator::new(ORIGIN)).await;

    store.pause_by_id.store(1, Ordering::SeqCst);
    let rename = {
        let (pk, h, id) = (Arc::clone(&gated), alice.handle.clone(), rec.id().to_vec());
        tokio::spawn(async move { pk.rename_credential(&h, &id, Some("laptop")).await })
    };
    store.read_happened().await;
    direct
        .revoke_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    store.read_happened().await;
    rename.await.unwrap().unwrap();

    let now = stored(&store, rec.id()).await;
    assert_eq!(
        now.state(),
        CredentialState::Revoked,
        "revocation was undone"
    );
    assert_eq!(now.name(), Some("laptop"));
}

/// Audit defect 2, the state-change half: enable read `Disabled`, a revoke
/// landed, and enable wrote `Active`. It must now fail as a forbidden
/// transition (revoked is permanent), not resurrect the credential.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_revocation_enable_racing_revoke_is_refused() {
    let (store, gated, direct) = two_services();
    let alice = user("alice");
    let rec = register(&gated, &alice, &mut SoftAuthenticator::new(ORIGIN)).await;
    gated
        .disable_credential(&alice.handle, rec.id())
        .await
        .unwrap();

    store.pause_by_id.store(1, Ordering::SeqCst);
    let enable = {
        let (pk, h, id) = (Arc::clone(&gated), alice.handle.clone(), rec.id().to_vec());
        tokio::spawn(async move { pk.enable_credential(&h, &id).await })
    };
    store.read_happened().await;
    direct
        .revoke_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    store.read_happened().await;
    let out = enable.await.unwrap();

    assert!(
        matches!(
            out,
            Err(Error::InvalidStateTransition {
                from: CredentialState::Revoked,
                to: CredentialState::Active
            })
        ),
        "{out:?}"
    );
    assert_eq!(
        stored(&store, rec.id()).await.state(),
        CredentialState::Revoked
    );
}

/// Audit defect 6: `MemoryStore::update_credential` replaced the whole record,
/// so a rename racing a sign-in rolled back the counter, last-used time, backup
/// state and the clone flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_racing_sign_in_keeps_counter_and_last_used() {
    let (store, gated, direct) = two_services();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&gated, &alice, &mut auth).await;

    store.pause_by_id.store(1, Ordering::SeqCst);
    let rename = {
        let (pk, h, id) = (Arc::clone(&gated), alice.handle.clone(), rec.id().to_vec());
        tokio::spawn(async move { pk.rename_credential(&h, &id, Some("laptop")).await })
    };
    store.read_happened().await;
    auth.backup_eligible = false;
    sign_in(&direct, Some(&alice.handle), &mut auth)
        .await
        .unwrap();
    store.read_happened().await;
    rename.await.unwrap().unwrap();

    let now = stored(&store, rec.id()).await;
    assert_eq!(now.sign_count(), 1, "the sign-in's counter was rolled back");
    assert!(now.last_used_at().is_some(), "last use was rolled back");
    assert_eq!(now.name(), Some("laptop"));
}

/// Audit defect 8: the limit was read, then the credential inserted, so two
/// finishes that both read "under the limit" both landed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_limit_holds_for_parallel_finishes() {
    let store = GatedStore::new();
    let pk = Arc::new(Passkeys::new(rp(), store.clone()).with_registration_limit(2));
    let alice = user("alice");
    register(&pk, &alice, &mut SoftAuthenticator::new(ORIGIN)).await;
    let mut responses = Vec::new();
    for _ in 0..2 {
        let (opts, ceremony) = pk
            .start_registration(&alice, &RegistrationOptions::default())
            .await
            .unwrap();
        responses.push((
            ceremony,
            SoftAuthenticator::new(ORIGIN).create(&opts).unwrap(),
        ));
    }
    // Both finishes read the user's credentials (one held) before either inserts.
    store.pause_for_user.store(2, Ordering::SeqCst);
    let tasks: Vec<_> = responses
        .into_iter()
        .map(|(ceremony, r)| {
            let pk = Arc::clone(&pk);
            tokio::spawn(async move { pk.finish_registration(&ceremony, &r).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    // Release a gate no finish used (the fixed service does not read first).
    store.pause_for_user.store(0, Ordering::SeqCst);
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(Error::RegistrationLimit { limit: 2 })))
    );
    let held = store
        .inner
        .credentials_for_user(&alice.handle)
        .await
        .unwrap();
    assert_eq!(held.len(), 2);
}

/// Issue 13: `start_registration` inserted the user, so an abandoned sign-up
/// kept the name for good and the next sign-up for it failed with a storage
/// error.
#[tokio::test]
async fn abandoned_sign_up_leaves_no_user_and_frees_the_name() {
    let pk = Passkeys::new(rp(), MemoryStore::new());
    let first = user("carol");
    let (_opts, _abandoned) = pk
        .start_registration(&first, &RegistrationOptions::default())
        .await
        .unwrap();
    assert!(pk.store().user_by_name("carol").await.unwrap().is_none());
    assert!(
        pk.store()
            .user_by_handle(&first.handle)
            .await
            .unwrap()
            .is_none()
    );
    // Another sign-up for the name goes through, and creates the account with
    // its first credential.
    let second = user("carol");
    let rec = register(&pk, &second, &mut SoftAuthenticator::new(ORIGIN)).await;
    assert_eq!(rec.user_handle(), &second.handle);
    assert_eq!(
        pk.store().user_by_name("carol").await.unwrap(),
        Some(second.clone())
    );
    // Now the name is taken: a third sign-up fails fast, at start.
    assert!(matches!(
        pk.start_registration(&user("carol"), &RegistrationOptions::default())
            .await,
        Err(Error::UsernameTaken)
    ));
    // A password account (no passkey) is refused the name too.
    assert!(matches!(
        pk.store().insert_user(&user("carol")).await,
        Err(Error::UsernameTaken)
    ));
}

/// Issue 13: two sign-ups for one name, both started while it was free and
/// finished at the same time (both read before either writes): one account,
/// one `UsernameTaken`, and no credential of the loser left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_name_race_makes_one_account() {
    let (store, pk, _) = two_services();
    let mut pending = Vec::new();
    for _ in 0..2 {
        let u = user("dave");
        let (opts, ceremony) = pk
            .start_registration(&u, &RegistrationOptions::default())
            .await
            .unwrap();
        let resp = SoftAuthenticator::new(ORIGIN).create(&opts).unwrap();
        pending.push((u, ceremony, resp));
    }
    store.pause_by_id.store(2, Ordering::SeqCst);
    let tasks: Vec<_> = pending
        .iter()
        .map(|(_, ceremony, resp)| {
            let (pk, ceremony, resp) = (Arc::clone(&pk), ceremony.clone(), resp.clone());
            tokio::spawn(async move { pk.finish_registration(&ceremony, &resp).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(Error::UsernameTaken)))
    );
    let owner = store.inner.user_by_name("dave").await.unwrap().unwrap();
    for (u, _, _) in &pending {
        let creds = store.inner.credentials_for_user(&u.handle).await.unwrap();
        assert_eq!(creds.len(), usize::from(u.handle == owner.handle));
    }
}

/// A passkey-only account with two UV passkeys, for the last-way-in races.
async fn passkey_only_account<S: CredentialStore>(
    pk: &Passkeys<S>,
    memory: &MemoryStore,
    name: &str,
) -> (User, Vec<CredentialRecord>) {
    let u = user(name);
    let mut recs = Vec::new();
    for _ in 0..2 {
        recs.push(register(pk, &u, &mut SoftAuthenticator::new(ORIGIN)).await);
    }
    memory
        .set_account_policy(&u.handle, AccountPolicy::passkey_only())
        .unwrap();
    (u, recs)
}

/// The way-in credentials left to `u`.
async fn ways_in(memory: &MemoryStore, u: &User) -> usize {
    memory
        .credentials_for_user(&u.handle)
        .await
        .unwrap()
        .iter()
        .filter(|c| c.state() == CredentialState::Active && c.user_verified())
        .count()
}

/// Issue 14: removal read the credentials ("another way in is left"), then
/// deleted; two removals that both read before either wrote removed both
/// passkeys and locked the account out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_way_in_removals_racing_leave_one() {
    for revoke_second in [false, true] {
        let (store, pk, _) = two_services();
        let (u, recs) = passkey_only_account(&pk, &store.inner, "erin").await;
        // Both removals read their credential before either removes it.
        store.pause_by_id.store(2, Ordering::SeqCst);
        let first = {
            let (pk, h, id) = (Arc::clone(&pk), u.handle.clone(), recs[0].id().to_vec());
            tokio::spawn(async move { pk.delete_credential(&h, &id).await.map(|_| ()) })
        };
        let second = {
            let (pk, h, id) = (Arc::clone(&pk), u.handle.clone(), recs[1].id().to_vec());
            tokio::spawn(async move {
                if revoke_second {
                    pk.revoke_credential(&h, &id).await.map(|_| ())
                } else {
                    pk.disable_credential(&h, &id).await.map(|_| ())
                }
            })
        };
        let results = [first.await.unwrap(), second.await.unwrap()];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(results.iter().any(|r| matches!(r, Err(Error::LastWayIn))));
        assert_eq!(ways_in(&store.inner, &u).await, 1);
    }
}

/// Issue 14, unforced: many accounts, both passkeys removed at once each
/// time; no account ever ends without a way in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_way_in_many_trials_no_lock_out() {
    let memory = MemoryStore::new();
    let pk = Arc::new(Passkeys::new(rp(), memory.clone()));
    for trial in 0..200 {
        let (u, recs) = passkey_only_account(&pk, &memory, &format!("user{trial}")).await;
        let tasks: Vec<_> = recs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (pk, h, id) = (Arc::clone(&pk), u.handle.clone(), r.id().to_vec());
                tokio::spawn(async move {
                    if i == 0 {
                        pk.delete_credential(&h, &id).await
                    } else {
                        pk.revoke_credential(&h, &id).await.map(|_| ())
                    }
                })
            })
            .collect();
        let mut refused = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => {}
                Err(Error::LastWayIn) => refused += 1,
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(refused, 1);
        assert_eq!(ways_in(&memory, &u).await, 1, "trial {trial}");
    }
}

/// The guard protects only passkey-only accounts and only real ways in: an
/// account with a password may remove every passkey, and a UV-less key or a
/// disabled credential can always go.
#[tokio::test]
async fn last_way_in_guard_scope() {
    let memory = MemoryStore::new();
    let pk = Passkeys::new(rp(), memory.clone());
    let frank = user("frank");
    let a = register(&pk, &frank, &mut SoftAuthenticator::new(ORIGIN)).await;
    let b = register(&pk, &frank, &mut SoftAuthenticator::new(ORIGIN)).await;
    pk.revoke_credential(&frank.handle, a.id()).await.unwrap();
    pk.delete_credential(&frank.handle, b.id()).await.unwrap();

    let (u, recs) = passkey_only_account(&pk, &memory, "grace").await;
    let mut no_uv = SoftAuthenticator::new(ORIGIN);
    no_uv.uv = false;
    let key = register(&pk, &u, &mut no_uv).await;
    pk.disable_credential(&u.handle, recs[0].id())
        .await
        .unwrap();
    assert!(matches!(
        pk.revoke_credential(&u.handle, recs[1].id()).await,
        Err(Error::LastWayIn)
    ));
    pk.delete_credential(&u.handle, key.id()).await.unwrap();
    pk.revoke_credential(&u.handle, recs[0].id()).await.unwrap();
    assert!(matches!(
        pk.delete_credential(&u.handle, recs[1].id()).await,
        Err(Error::LastWayIn)
    ));
    // Unguarded store calls are the host's own business.
    assert!(
        memory
            .delete_credential(recs[1].id(), RemovalGuard::Unguarded)
            .await
            .unwrap()
    );
}

/// `KeepLastActive`, for an account that is not passkey-only in the store
/// but has no other way in (issue 14's lock-out through the demo): the last
/// active credential stays, whatever its UV; one that is not active can
/// always go; and a passkey-only account still keeps a user-verifying one.
#[tokio::test]
async fn keep_last_active_guard_scope() {
    let memory = MemoryStore::new();
    let pk = Passkeys::new(rp(), memory.clone());
    let guard = RemovalGuard::KeepLastActive;
    let hank = user("hank");
    let mut no_uv = SoftAuthenticator::new(ORIGIN);
    no_uv.uv = false;
    let a = register(&pk, &hank, &mut no_uv).await;
    let b = register(&pk, &hank, &mut SoftAuthenticator::new(ORIGIN)).await;
    let c = register(&pk, &hank, &mut SoftAuthenticator::new(ORIGIN)).await;
    pk.disable_credential(&hank.handle, c.id()).await.unwrap();
    // Two active (one UV-less): the UV one may go, leaving the UV-less one.
    pk.delete_credential_guarded(&hank.handle, b.id(), guard)
        .await
        .unwrap();
    assert!(matches!(
        pk.delete_credential_guarded(&hank.handle, a.id(), guard)
            .await,
        Err(Error::LastWayIn)
    ));
    // The disabled one is no way in: it can go.
    pk.delete_credential_guarded(&hank.handle, c.id(), guard)
        .await
        .unwrap();
    // A passkey-only account: the rule of KeepLastWayIn applies as well.
    let (u, recs) = passkey_only_account(&pk, &memory, "iris").await;
    let key = register(&pk, &u, &mut no_uv).await;
    pk.delete_credential_guarded(&u.handle, recs[0].id(), guard)
        .await
        .unwrap();
    assert!(matches!(
        pk.delete_credential_guarded(&u.handle, recs[1].id(), guard)
            .await,
        Err(Error::LastWayIn)
    ));
    pk.delete_credential_guarded(&u.handle, key.id(), guard)
        .await
        .unwrap();
}
