//! Credential lifecycle and host policies through the public API, with real
//! registration and assertion bytes from a software authenticator.

use relypass_testkit::lifecycle as soft;

use relypass::Aaguid;
use relypass::extensions::{AuthenticationExtensions, RegistrationExtensions};
use relypass::extensions::{CredProtectPolicy, PrfOutputs};
use relypass::json::{
    AuthenticatorTransport, CredentialDescriptorJson, RequestOptionsJson,
    UserVerificationRequirement,
};
use relypass::{
    AccountPolicy, AuthenticationOptions, AuthenticatorNames, BackupPolicy, CounterPolicy,
    CredentialRecord, CredentialState, CredentialStore, Error, FakeCredentialShape, MemoryStore,
    Passkeys, Profile, RegistrationOptions, RelyingParty, RelyingPartyBuilder, User,
    may_drop_password,
};
use relypass::{
    AllAcceptedCredentialsOptions, CurrentUserDetailsOptions, UnknownCredentialOptions,
};
use serde_json::{Value, json};
use soft::{ClientError, SoftAuthenticator, random_key, register, sign_in, user};
use std::sync::Arc;

const ORIGIN: &str = "https://example.com";

fn builder() -> RelyingPartyBuilder {
    RelyingParty::builder("example.com", "Example").origin(ORIGIN)
}

fn passkeys() -> Passkeys<MemoryStore> {
    passkeys_with(|b| b)
}

fn passkeys_with(
    f: impl FnOnce(RelyingPartyBuilder) -> RelyingPartyBuilder,
) -> Passkeys<MemoryStore> {
    Passkeys::new(f(builder()).build().unwrap(), MemoryStore::new())
}

async fn stored(pk: &Passkeys<MemoryStore>, id: &[u8]) -> CredentialRecord {
    pk.store().credential_by_id(id).await.unwrap().unwrap()
}

fn ids(list: &[CredentialDescriptorJson]) -> Vec<Vec<u8>> {
    list.iter().map(|d| d.id.as_slice().to_vec()).collect()
}

// ---- excludeCredentials and duplicates -------------------------------------

#[tokio::test]
async fn registering_twice_is_refused_client_side_and_server_side() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;

    // Client side: the second ceremony lists the credential in excludeCredentials,
    // and a well-behaved authenticator refuses to create another.
    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    assert_eq!(ids(&opts.exclude_credentials), vec![rec.id().to_vec()]);
    assert_eq!(
        opts.exclude_credentials[0].transports,
        vec![AuthenticatorTransport::Internal]
    );
    assert_eq!(auth.create(&opts), Err(ClientError::Excluded));

    // Server side: a client that ignores excludeCredentials and sends the same
    // credential id gets the dedicated error (§7.1 step 26).
    let key = auth.credentials[0].key.clone();
    let resp = auth
        .create_with(&opts, rec.id().to_vec(), key, false)
        .unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::CredentialAlreadyRegistered)
    ));

    // Also when the id is registered to someone else.
    let bob = user("bob");
    let (opts, ceremony) = pk
        .start_registration(&bob, &RegistrationOptions::default())
        .await
        .unwrap();
    let resp = auth
        .create_with(&opts, rec.id().to_vec(), random_key(), false)
        .unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::CredentialAlreadyRegistered)
    ));
    assert_eq!(
        pk.store()
            .credentials_for_user(&alice.handle)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn revoked_credentials_authenticator_can_enroll_again() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    let revoked = pk.revoke_credential(&alice.handle, rec.id()).await.unwrap();
    assert_eq!(revoked.state(), CredentialState::Revoked);

    // The revoked id is no longer in excludeCredentials, so the authenticator
    // enrols again, minting a new credential id.
    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    assert!(opts.exclude_credentials.is_empty());
    let resp = auth.create(&opts).unwrap();
    let again = pk.finish_registration(&ceremony, &resp).await.unwrap();
    assert_ne!(again.id(), rec.id());
    assert_eq!(again.state(), CredentialState::Active);

    // The revoked credential itself still cannot sign in.
    let (opts, ceremony) = pk
        .start_authentication(None, &AuthenticationOptions::default())
        .await
        .unwrap();
    let resp = auth.get_forced(&opts, rec.id());
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::CredentialNotActive)
    ));
}

#[tokio::test]
async fn revoked_id_coming_back_replaces_only_with_a_new_key() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    let old_key = auth.credentials[0].key.clone();
    pk.revoke_credential(&alice.handle, rec.id()).await.unwrap();

    // The same id with the same (revoked) key: refused, revocation is permanent.
    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let resp = auth
        .create_with(&opts, rec.id().to_vec(), old_key, true)
        .unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::CredentialAlreadyRegistered)
    ));
    assert_eq!(
        stored(&pk, rec.id()).await.state(),
        CredentialState::Revoked
    );

    // The same id with a new key is a new credential: it replaces the dead record.
    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let resp = auth
        .create_with(&opts, rec.id().to_vec(), random_key(), true)
        .unwrap();
    let replaced = pk.finish_registration(&ceremony, &resp).await.unwrap();
    assert_eq!(replaced.id(), rec.id());
    assert_ne!(replaced.public_key(), rec.public_key());
    let now = stored(&pk, rec.id()).await;
    assert_eq!(now.state(), CredentialState::Active);
    assert_eq!(now.public_key(), replaced.public_key());
    sign_in(&pk, Some(&alice.handle), &mut auth).await.unwrap();
}

/// Audit defect 3: the replace-a-dead-record path compared COSE_Key bytes, so
/// the revoked key re-encoded (CBOR members reordered) replaced the revoked
/// record as `Active`, and the revoked private key signed in again.
#[tokio::test]
async fn revoked_key_reencoded_cannot_replace_the_revoked_record() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    let old_key = auth.credentials[0].key.clone();
    pk.revoke_credential(&alice.handle, rec.id()).await.unwrap();

    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    auth.reorder_cose_key = true;
    let resp = auth
        .create_with(&opts, rec.id().to_vec(), old_key, true)
        .unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::CredentialAlreadyRegistered)
    ));
    let now = stored(&pk, rec.id()).await;
    assert_eq!(now.state(), CredentialState::Revoked);
    assert_eq!(now.public_key(), rec.public_key());
    // The revoked private key still cannot sign in.
    let (opts, ceremony) = pk
        .start_authentication(None, &AuthenticationOptions::default())
        .await
        .unwrap();
    let resp = auth.get_forced(&opts, rec.id());
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::CredentialNotActive)
    ));
}

#[tokio::test]
async fn disabled_credential_cannot_sign_in_but_is_still_excluded() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    let d = pk
        .disable_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    assert_eq!(d.state(), CredentialState::Disabled);
    assert!(d.state_changed_at() >= rec.state_changed_at());

    // Cannot sign in (discoverable flow: the record is found, then refused).
    let err = sign_in(&pk, None, &mut auth).await.unwrap_err();
    assert!(matches!(err, Error::CredentialNotActive), "{err:?}");
    // Not offered in a named sign-in.
    let (opts, _ceremony) = pk
        .start_authentication(Some(&alice.handle), &AuthenticationOptions::default())
        .await
        .unwrap();
    assert!(opts.allow_credentials.is_empty());

    // Still excluded from registration: the authenticator holds it.
    let (opts, _ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    assert_eq!(ids(&opts.exclude_credentials), vec![rec.id().to_vec()]);
    assert_eq!(auth.create(&opts), Err(ClientError::Excluded));

    // Re-enabled, it signs in again.
    pk.enable_credential(&alice.handle, rec.id()).await.unwrap();
    sign_in(&pk, None, &mut auth).await.unwrap();
}

// ---- passkey-only accounts ---------------------------------------------------

#[tokio::test]
async fn passkey_only_account_refuses_uv_less_assertion() {
    let pk = passkeys(); // RP default UV: preferred
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    register(&pk, &alice, &mut auth).await;
    assert!(pk.may_drop_password(&alice.handle).await.unwrap());
    pk.store()
        .set_account_policy(&alice.handle, AccountPolicy::passkey_only())
        .unwrap();

    // Named sign-in: the options require UV whatever the RP default.
    let (opts, ceremony) = pk
        .start_authentication(Some(&alice.handle), &AuthenticationOptions::default())
        .await
        .unwrap();
    assert_eq!(
        opts.user_verification,
        Some(UserVerificationRequirement::Required)
    );
    auth.uv = false;
    let resp = auth.get(&opts).unwrap();
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::UserNotVerified)
    ));

    // Discoverable sign-in does not know the user at start; finish still refuses.
    let (opts, ceremony) = pk
        .start_authentication(None, &AuthenticationOptions::default())
        .await
        .unwrap();
    assert_eq!(
        opts.user_verification,
        Some(UserVerificationRequirement::Preferred)
    );
    let resp = auth.get(&opts).unwrap();
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::UserNotVerified)
    ));

    // With UV it passes.
    auth.uv = true;
    let v = sign_in(&pk, None, &mut auth).await.unwrap();
    assert!(v.user_verified());

    // Another account (password still set) may sign in without UV.
    let bob = user("bob");
    let mut key = SoftAuthenticator::new(ORIGIN);
    register(&pk, &bob, &mut key).await;
    key.uv = false;
    sign_in(&pk, Some(&bob.handle), &mut key).await.unwrap();
}

#[tokio::test]
async fn may_drop_password_needs_an_active_uv_credential() {
    let pk = passkeys();
    let alice = user("alice");
    let mut key = SoftAuthenticator::new(ORIGIN);
    key.uv = false;
    register(&pk, &alice, &mut key).await;
    assert!(!pk.may_drop_password(&alice.handle).await.unwrap());

    let mut phone = SoftAuthenticator::synced(ORIGIN);
    let rec = register(&pk, &alice, &mut phone).await;
    assert!(rec.user_verified());
    assert!(pk.may_drop_password(&alice.handle).await.unwrap());

    pk.disable_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    let all = pk
        .store()
        .credentials_for_user(&alice.handle)
        .await
        .unwrap();
    assert!(!may_drop_password(&all));
}

// ---- registration limit --------------------------------------------------------

#[tokio::test]
async fn registration_limit_refuses_at_start() {
    let pk = passkeys().with_registration_limit(2);
    let alice = user("alice");
    let mut a = SoftAuthenticator::new(ORIGIN);
    let mut b = SoftAuthenticator::new(ORIGIN);
    let first = register(&pk, &alice, &mut a).await;
    register(&pk, &alice, &mut b).await;

    let err = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RegistrationLimit { limit: 2 }));

    // Disabled credentials still count ...
    pk.disable_credential(&alice.handle, first.id())
        .await
        .unwrap();
    assert!(matches!(
        pk.start_registration(&alice, &RegistrationOptions::default())
            .await,
        Err(Error::RegistrationLimit { .. })
    ));
    // ... revoked ones do not.
    pk.revoke_credential(&alice.handle, first.id())
        .await
        .unwrap();
    let mut c = SoftAuthenticator::new(ORIGIN);
    register(&pk, &alice, &mut c).await;
}

#[tokio::test]
async fn registration_limit_is_rechecked_at_finish() {
    let pk = passkeys().with_registration_limit(1);
    let alice = user("alice");
    let (o1, c1) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let (o2, c2) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let r1 = SoftAuthenticator::new(ORIGIN).create(&o1).unwrap();
    let r2 = SoftAuthenticator::new(ORIGIN).create(&o2).unwrap();
    pk.finish_registration(&c1, &r1).await.unwrap();
    assert!(matches!(
        pk.finish_registration(&c2, &r2).await,
        Err(Error::RegistrationLimit { limit: 1 })
    ));
}

// ---- counters, last used, concurrency -------------------------------------------

#[tokio::test]
async fn sign_in_records_last_used_counter_and_backup_state() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    auth.backup_eligible = true; // eligible, not yet backed up
    let rec = register(&pk, &alice, &mut auth).await;
    assert_eq!(rec.last_used_at(), None);
    assert!(rec.backup_eligible() && !rec.backup_state());

    auth.backup_state = true; // synced since
    let v = sign_in(&pk, Some(&alice.handle), &mut auth).await.unwrap();
    assert_eq!(v.sign_count(), 1);
    let now = stored(&pk, rec.id()).await;
    assert!(now.last_used_at().is_some_and(|t| t >= rec.created_at()));
    assert_eq!(now.sign_count(), 1);
    assert!(now.backup_state());
    assert!(!now.possibly_cloned());
}

#[tokio::test]
async fn zero_counter_synced_passkeys_never_raise_alarms() {
    let pk = passkeys_with(|b| b.counter_policy(CounterPolicy::Strict));
    let alice = user("alice");
    let mut auth = SoftAuthenticator::synced(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    for _ in 0..3 {
        let v = sign_in(&pk, None, &mut auth).await.unwrap();
        assert_eq!(v.sign_count(), 0);
        assert!(!v.possibly_cloned());
    }
    let now = stored(&pk, rec.id()).await;
    assert_eq!(now.sign_count(), 0);
    assert!(!now.possibly_cloned());
    assert!(now.backup_eligible() && now.backup_state());
}

#[tokio::test]
async fn counter_regression_strict_refuses_and_warn_flags_the_record() {
    for policy in [CounterPolicy::Strict, CounterPolicy::Warn] {
        let pk = passkeys_with(|b| b.counter_policy(policy));
        let alice = user("alice");
        let mut auth = SoftAuthenticator::new(ORIGIN);
        let rec = register(&pk, &alice, &mut auth).await;
        sign_in(&pk, None, &mut auth).await.unwrap(); // counter 1
        sign_in(&pk, None, &mut auth).await.unwrap(); // counter 2
        // A clone replays an older counter.
        let (opts, ceremony) = pk
            .start_authentication(None, &AuthenticationOptions::default())
            .await
            .unwrap();
        let resp = auth.get_with_counter(&opts, 1).unwrap();
        let out = pk.finish_authentication(&ceremony, &resp).await;
        let now = stored(&pk, rec.id()).await;
        match policy {
            CounterPolicy::Strict => {
                assert!(matches!(
                    out,
                    Err(Error::Counter {
                        stored: 2,
                        received: 1
                    })
                ));
                assert!(!now.possibly_cloned());
            }
            CounterPolicy::Warn => {
                assert!(out.unwrap().possibly_cloned());
                assert!(now.possibly_cloned());
                assert_eq!(now.sign_count(), 2, "the counter never moves backwards");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ins_with_the_same_counter_exactly_one_passes() {
    for _ in 0..8 {
        let pk = Arc::new(passkeys());
        let alice = user("alice");
        let mut auth = SoftAuthenticator::new(ORIGIN);
        register(&pk, &alice, &mut auth).await;
        let mut responses = Vec::new();
        for _ in 0..2 {
            let (opts, ceremony) = pk
                .start_authentication(Some(&alice.handle), &AuthenticationOptions::default())
                .await
                .unwrap();
            responses.push((ceremony, auth.get_with_counter(&opts, 7).unwrap()));
        }
        let tasks: Vec<_> = responses
            .into_iter()
            .map(|(ceremony, r)| {
                let pk = Arc::clone(&pk);
                tokio::spawn(async move { pk.finish_authentication(&ceremony, &r).await })
            })
            .collect();
        let mut passed = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => passed += 1,
                Err(e) => assert!(matches!(e, Error::Counter { received: 7, .. }), "{e:?}"),
            }
        }
        assert_eq!(passed, 1);
    }
}

// ---- backup policy ---------------------------------------------------------------

#[tokio::test]
async fn backup_policy_is_enforced_at_registration_and_sign_in() {
    // Device-bound only: a synced passkey cannot register.
    let pk = passkeys_with(|b| b.backup_policy(BackupPolicy::RequireDeviceBound));
    let alice = user("alice");
    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let resp = SoftAuthenticator::synced(ORIGIN).create(&opts).unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::BackupNotAllowed {
            backup_eligible: true,
            backup_state: true
        })
    ));
    register(&pk, &alice, &mut SoftAuthenticator::new(ORIGIN)).await;

    // Refuse backed up: eligible but not backed up registers; once it syncs, its
    // sign-ins are refused.
    let pk = passkeys_with(|b| b.backup_policy(BackupPolicy::RefuseBackedUp));
    let mut auth = SoftAuthenticator::new(ORIGIN);
    auth.backup_eligible = true;
    register(&pk, &alice, &mut auth).await;
    sign_in(&pk, None, &mut auth).await.unwrap();
    auth.backup_state = true;
    assert!(matches!(
        sign_in(&pk, None, &mut auth).await,
        Err(Error::BackupNotAllowed {
            backup_eligible: true,
            backup_state: true
        })
    ));

    // The default accepts synced credentials.
    let pk = passkeys();
    assert_eq!(
        pk.relying_party().backup_policy(),
        BackupPolicy::AllowSynced
    );
    let mut synced = SoftAuthenticator::synced(ORIGIN);
    register(&pk, &alice, &mut synced).await;
    sign_in(&pk, None, &mut synced).await.unwrap();
}

// ---- management ------------------------------------------------------------------

#[tokio::test]
async fn management_operations_check_ownership_and_lifecycle() {
    let pk = passkeys();
    let alice = user("alice");
    let bob = user("bob");
    let mut auth = SoftAuthenticator::synced(ORIGIN);
    auth.aaguid = Aaguid::parse("fbfc3007-154e-4ecc-8c0b-6e020557d7bd")
        .unwrap()
        .0;
    let rec = register(&pk, &alice, &mut auth).await;
    let bobs = register(&pk, &bob, &mut SoftAuthenticator::new(ORIGIN)).await;

    // List for a management page, with the authenticator's name.
    let list = pk.list_credentials(&alice.handle).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].authenticator_name.as_deref(),
        Some("iCloud Keychain")
    );
    assert_eq!(list[0].state, CredentialState::Active);
    assert!(list[0].backed_up);
    let row = serde_json::to_value(&list[0]).unwrap();
    assert!(row.get("authenticatorName").is_some() && row.get("lastUsedAt").is_some());

    // Rename (trimmed), refuse bad names, clear.
    let r = pk
        .rename_credential(&alice.handle, rec.id(), Some("  My phone "))
        .await
        .unwrap();
    assert_eq!(r.name(), Some("My phone"));
    assert_eq!(stored(&pk, rec.id()).await.name(), Some("My phone"));
    assert!(matches!(
        pk.rename_credential(&alice.handle, rec.id(), Some("a\u{7}b"))
            .await,
        Err(Error::Malformed { .. })
    ));
    assert!(matches!(
        pk.rename_credential(&alice.handle, rec.id(), Some(&"x".repeat(65)))
            .await,
        Err(Error::Malformed { .. })
    ));

    // Every operation refuses someone else's credential, and unknown ids.
    assert!(matches!(
        pk.rename_credential(&alice.handle, bobs.id(), Some("mine"))
            .await,
        Err(Error::CredentialNotOwned)
    ));
    assert!(matches!(
        pk.disable_credential(&alice.handle, bobs.id()).await,
        Err(Error::CredentialNotOwned)
    ));
    assert!(matches!(
        pk.enable_credential(&alice.handle, bobs.id()).await,
        Err(Error::CredentialNotOwned)
    ));
    assert!(matches!(
        pk.revoke_credential(&alice.handle, bobs.id()).await,
        Err(Error::CredentialNotOwned)
    ));
    assert!(matches!(
        pk.delete_credential(&alice.handle, bobs.id()).await,
        Err(Error::CredentialNotOwned)
    ));
    assert!(matches!(
        pk.disable_credential(&alice.handle, b"nope").await,
        Err(Error::UnknownCredential)
    ));
    assert_eq!(
        stored(&pk, bobs.id()).await.state(),
        CredentialState::Active
    );

    // Disable → enable → revoke; revocation is permanent.
    let d = pk
        .disable_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    assert_eq!(d.state(), CredentialState::Disabled);
    let again = pk
        .disable_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    assert_eq!(
        again.state_changed_at(),
        d.state_changed_at(),
        "no-op keeps the stamp"
    );
    let e = pk.enable_credential(&alice.handle, rec.id()).await.unwrap();
    assert_eq!(e.state(), CredentialState::Active);
    let v = pk.revoke_credential(&alice.handle, rec.id()).await.unwrap();
    assert_eq!(v.state(), CredentialState::Revoked);
    assert_eq!(
        stored(&pk, rec.id()).await.state(),
        CredentialState::Revoked
    );
    assert!(matches!(
        pk.enable_credential(&alice.handle, rec.id()).await,
        Err(Error::InvalidStateTransition {
            from: CredentialState::Revoked,
            to: CredentialState::Active
        })
    ));
    assert!(matches!(
        pk.disable_credential(&alice.handle, rec.id()).await,
        Err(Error::InvalidStateTransition { .. })
    ));
    assert_eq!(
        pk.credentials_in_state(&alice.handle, CredentialState::Revoked)
            .await
            .unwrap()
            .len(),
        1
    );

    // Delete.
    pk.delete_credential(&alice.handle, rec.id()).await.unwrap();
    assert!(
        pk.store()
            .credential_by_id(rec.id())
            .await
            .unwrap()
            .is_none()
    );
    assert!(pk.list_credentials(&alice.handle).await.unwrap().is_empty());
    assert!(matches!(
        pk.delete_credential(&alice.handle, rec.id()).await,
        Err(Error::UnknownCredential)
    ));
}

#[tokio::test]
async fn host_loaded_authenticator_names() {
    let mut names = AuthenticatorNames::empty();
    names
        .load_json(r#"{"01020304-0506-0708-090a-0b0c0d0e0f10": {"name": "Test Key"}}"#)
        .unwrap();
    let pk = passkeys().with_authenticator_names(names);
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    auth.aaguid = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    register(&pk, &alice, &mut auth).await;
    let mut other = SoftAuthenticator::new(ORIGIN); // zero AAGUID: no name
    register(&pk, &alice, &mut other).await;
    let names: Vec<_> = pk
        .list_credentials(&alice.handle)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.authenticator_name)
        .collect();
    assert!(names.contains(&Some("Test Key".to_string())));
    assert!(names.contains(&None));
}

// ---- username enumeration ---------------------------------------------------------

/// The options with the per-ceremony random parts (challenge, credential ids)
/// blanked, so two answers can be compared for shape.
fn shape_of(opts: &RequestOptionsJson) -> Value {
    let mut v = serde_json::to_value(opts).unwrap();
    v["challenge"] = json!("");
    if let Some(list) = v["allowCredentials"].as_array_mut() {
        for d in list {
            d["id"] = json!(d["id"].as_str().unwrap().len());
        }
    }
    v
}

#[tokio::test]
async fn unknown_user_options_look_like_a_real_users() {
    // Shapes matching this deployment's authenticators (16-byte ids, internal).
    let shapes = vec![FakeCredentialShape::new(
        16,
        vec![AuthenticatorTransport::Internal],
    )];
    let pk = passkeys()
        .with_enumeration_secret([42; 32])
        .with_fake_credential_shapes(shapes)
        .unwrap();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    register(&pk, &alice, &mut auth).await;
    let opts = AuthenticationOptions::default();

    let (real, _ceremony) = pk
        .start_authentication_for_name("alice", &opts)
        .await
        .unwrap();
    assert_eq!(real.allow_credentials.len(), 1);

    // An unknown name: one or two descriptors, same shape as the real one.
    let mut saw = std::collections::BTreeSet::new();
    for name in ["mallory", "eve", "trent", "oscar", "peggy", "victor"] {
        let (fake, _ceremony) = pk.start_authentication_for_name(name, &opts).await.unwrap();
        assert!((1..=2).contains(&fake.allow_credentials.len()));
        saw.insert(fake.allow_credentials.len());
        let mut fake_shape = shape_of(&fake);
        fake_shape["allowCredentials"]
            .as_array_mut()
            .unwrap()
            .truncate(1);
        assert_eq!(fake_shape, shape_of(&real), "{name}");
        // Deterministic: asking again lists the same ids, like a real account.
        let (again, _ceremony) = pk.start_authentication_for_name(name, &opts).await.unwrap();
        assert_eq!(ids(&again.allow_credentials), ids(&fake.allow_credentials));
        assert_ne!(again.challenge, fake.challenge);
    }
    assert_eq!(saw.len(), 2, "both one and two fake credentials occur");

    // Finishing against an unknown name fails like a wrong credential.
    let (fake, ceremony) = pk
        .start_authentication_for_name("mallory", &opts)
        .await
        .unwrap();
    let resp = auth.get_forced(&fake, alice_id(&pk, &alice).await.as_slice());
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::UnknownCredential)
    ));
    // ... and a client answering with the fake id itself gets the same error.
    let (fake, ceremony) = pk
        .start_authentication_for_name("mallory", &opts)
        .await
        .unwrap();
    let fake_id = fake.allow_credentials[0].id.as_slice().to_vec();
    let mut forger = SoftAuthenticator::new(ORIGIN);
    forger.credentials.push(soft::SoftCredential {
        id: fake_id.clone(),
        key: random_key(),
        rp_id: "example.com".into(),
        user_handle: vec![1; 32],
        counter: 0,
    });
    let resp = forger.get(&fake).unwrap();
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::UnknownCredential)
    ));
    // A wrong credential for a real user: the same error.
    let (real, ceremony) = pk
        .start_authentication_for_name("alice", &opts)
        .await
        .unwrap();
    let resp = forger.get_forced(&real, &fake_id);
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::UnknownCredential)
    ));

    // The real user signs in through the same flow.
    let (real, ceremony) = pk
        .start_authentication_for_name("alice", &opts)
        .await
        .unwrap();
    let resp = auth.get(&real).unwrap();
    pk.finish_authentication(&ceremony, &resp).await.unwrap();
}

async fn alice_id(pk: &Passkeys<MemoryStore>, alice: &User) -> Vec<u8> {
    pk.store()
        .credentials_for_user(&alice.handle)
        .await
        .unwrap()[0]
        .id()
        .to_vec()
}

#[tokio::test]
async fn enumeration_defaults_and_uv_is_not_revealed() {
    let pk = passkeys(); // random secret, default shapes
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    register(&pk, &alice, &mut auth).await;
    pk.store()
        .set_account_policy(&alice.handle, AccountPolicy::passkey_only())
        .unwrap();
    let opts = Profile::SecurityKeySecondFactor.authentication_options();
    let (real, ceremony) = pk
        .start_authentication_for_name("alice", &opts)
        .await
        .unwrap();
    let (fake, _) = pk
        .start_authentication_for_name("nobody", &opts)
        .await
        .unwrap();
    // Same UV, timeout, hints and rpId for both: passkey-only is not revealed ...
    assert_eq!(real.user_verification, fake.user_verification);
    assert_eq!(real.timeout, fake.timeout);
    assert_eq!(real.hints, fake.hints);
    assert_eq!(real.rp_id, fake.rp_id);
    let lens = [16, 20, 32, 64];
    for d in &fake.allow_credentials {
        assert!(lens.contains(&d.id.len()));
        assert!(!d.transports.is_empty());
    }
    // ... but still enforced at finish.
    auth.uv = false;
    let resp = auth.get(&real).unwrap();
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::UserNotVerified)
    ));
    // A known account without active credentials also gets fakes.
    let bob = user("bob");
    let b = register(&pk, &bob, &mut SoftAuthenticator::new(ORIGIN)).await;
    pk.revoke_credential(&bob.handle, b.id()).await.unwrap();
    let (o, _ceremony) = pk
        .start_authentication_for_name("bob", &opts)
        .await
        .unwrap();
    assert!(!o.allow_credentials.is_empty());
    assert!(!ids(&o.allow_credentials).contains(&b.id().to_vec()));
    assert!(
        pk.with_fake_credential_shapes(Vec::new()).is_err(),
        "an empty shape list is refused"
    );
}

// ---- profiles --------------------------------------------------------------------

#[tokio::test]
async fn passkey_profile_registers_and_signs_in_discoverably() {
    let pk = passkeys();
    let alice = user("alice");
    let (opts, ceremony) = pk
        .start_registration(&alice, &Profile::Passkey.registration_options())
        .await
        .unwrap();
    let j = serde_json::to_value(&opts).unwrap();
    assert_eq!(j["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(j["authenticatorSelection"]["requireResidentKey"], true);
    assert_eq!(j["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(j["extensions"]["credProps"], true);
    let mut auth = SoftAuthenticator::synced(ORIGIN);
    auth.client_extension_results = json!({"credProps": {"rk": true}});
    let rec = pk
        .finish_registration(&ceremony, &auth.create(&opts).unwrap())
        .await
        .unwrap();
    assert_eq!(rec.discoverable(), Some(true));

    let (a, ceremony) = pk
        .start_authentication(None, &Profile::Passkey.authentication_options())
        .await
        .unwrap();
    assert!(a.allow_credentials.is_empty());
    assert_eq!(
        a.user_verification,
        Some(UserVerificationRequirement::Required)
    );
    let v = pk
        .finish_authentication(&ceremony, &auth.get(&a).unwrap())
        .await
        .unwrap();
    assert_eq!(v.user_handle(), &alice.handle);

    // UV required by the profile: an authenticator without UV is refused.
    let (a, ceremony) = pk
        .start_authentication(None, &Profile::Passkey.authentication_options())
        .await
        .unwrap();
    auth.uv = false;
    assert!(matches!(
        pk.finish_authentication(&ceremony, &auth.get(&a).unwrap())
            .await,
        Err(Error::UserNotVerified)
    ));
}

#[tokio::test]
async fn second_factor_profile_options() {
    let pk = passkeys();
    let alice = user("alice");
    let (opts, ceremony) = pk
        .start_registration(
            &alice,
            &Profile::SecurityKeySecondFactor.registration_options(),
        )
        .await
        .unwrap();
    let j = serde_json::to_value(&opts).unwrap();
    assert_eq!(j["authenticatorSelection"]["residentKey"], "discouraged");
    assert_eq!(j["authenticatorSelection"]["userVerification"], "preferred");
    assert_eq!(j["hints"], json!(["security-key"]));
    let mut key = SoftAuthenticator::new(ORIGIN);
    key.uv = false;
    key.transports = vec!["nfc", "usb"];
    pk.finish_registration(&ceremony, &key.create(&opts).unwrap())
        .await
        .unwrap();
    let (a, ceremony) = pk
        .start_authentication(
            Some(&alice.handle),
            &Profile::SecurityKeySecondFactor.authentication_options(),
        )
        .await
        .unwrap();
    assert_eq!(a.allow_credentials.len(), 1);
    pk.finish_authentication(&ceremony, &key.get(&a).unwrap())
        .await
        .unwrap();
    assert!(!pk.may_drop_password(&alice.handle).await.unwrap());
}

// ---- extensions ------------------------------------------------------------------

#[tokio::test]
async fn cred_protect_enforcement_at_registration() {
    let pk = passkeys();
    let alice = user("alice");
    let ext = RegistrationExtensions::new()
        .cred_protect(CredProtectPolicy::UserVerificationRequired, true)
        .min_pin_length()
        .build();
    let ro = RegistrationOptions {
        extensions: Some(ext),
        ..RegistrationOptions::default()
    };

    // No credProtect output: refused.
    let (opts, ceremony) = pk.start_registration(&alice, &ro).await.unwrap();
    assert_eq!(
        opts.extensions.as_ref().unwrap()["enforceCredentialProtectionPolicy"],
        true
    );
    let resp = SoftAuthenticator::new(ORIGIN).create(&opts).unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::CredProtect {
            required: 3,
            got: None
        })
    ));

    // A lower level: refused.
    let (opts, ceremony) = pk.start_registration(&alice, &ro).await.unwrap();
    let mut auth = SoftAuthenticator::new(ORIGIN);
    auth.authenticator_extensions = Some(ciborium::value::Value::Map(vec![(
        ciborium::value::Value::Text("credProtect".into()),
        ciborium::value::Value::Integer(2.into()),
    )]));
    assert!(matches!(
        pk.finish_registration(&ceremony, &auth.create(&opts).unwrap())
            .await,
        Err(Error::CredProtect {
            required: 3,
            got: Some(2)
        })
    ));

    // The requested level (and a minPinLength output): accepted and surfaced.
    let (opts, ceremony) = pk.start_registration(&alice, &ro).await.unwrap();
    auth.authenticator_extensions = Some(ciborium::value::Value::Map(vec![
        (
            ciborium::value::Value::Text("credProtect".into()),
            ciborium::value::Value::Integer(3.into()),
        ),
        (
            ciborium::value::Value::Text("minPinLength".into()),
            ciborium::value::Value::Integer(8.into()),
        ),
    ]));
    let v = pk
        .finish_registration_verified(&ceremony, &auth.create(&opts).unwrap())
        .await
        .unwrap();
    assert_eq!(v.cred_protect(), Some(3));
    assert_eq!(v.min_pin_length(), Some(8));
    assert!(
        pk.store()
            .credential_by_id(v.record().id())
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn prf_results_and_unknown_extensions_pass_through() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::synced(ORIGIN);
    register(&pk, &alice, &mut auth).await;
    let ext = AuthenticationExtensions::new()
        .prf_eval(b"salt-one", None)
        .other("futureExtension", json!({"x": 1}))
        .build();
    let ao = AuthenticationOptions {
        extensions: Some(ext),
        ..AuthenticationOptions::default()
    };
    let (opts, ceremony) = pk.start_authentication(None, &ao).await.unwrap();
    let j = serde_json::to_value(&opts).unwrap();
    assert_eq!(j["extensions"]["prf"]["eval"]["first"], "c2FsdC1vbmU");
    assert_eq!(j["extensions"]["futureExtension"], json!({"x": 1}));
    auth.client_extension_results = json!({"prf": {"results": {"first": "AAECAw"}}});
    let v = pk
        .finish_authentication(&ceremony, &auth.get(&opts).unwrap())
        .await
        .unwrap();
    assert_eq!(
        v.prf(),
        Some(PrfOutputs {
            enabled: None,
            first: Some(vec![0, 1, 2, 3]),
            second: None
        })
    );
}

#[tokio::test]
async fn appid_extension_accepts_the_appid_hash_only_when_requested_and_used() {
    const APPID: &str = "https://example.com/u2f/appid.json";
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    // Model a legacy U2F credential: the authenticator scopes it to the AppID.
    auth.credentials[0].rp_id = APPID.into();
    auth.client_extension_results = json!({"appid": true});

    let with_appid = AuthenticationOptions {
        extensions: Some(AuthenticationExtensions::new().appid(APPID).build()),
        ..AuthenticationOptions::default()
    };
    let (opts, ceremony) = pk
        .start_authentication(Some(&alice.handle), &with_appid)
        .await
        .unwrap();
    let v = pk
        .finish_authentication(&ceremony, &auth.get_forced(&opts, rec.id()))
        .await
        .unwrap();
    assert!(v.appid_used());

    // Without the appid input in the state, the client's `appid: true` is ignored.
    let (opts, ceremony) = pk
        .start_authentication(Some(&alice.handle), &AuthenticationOptions::default())
        .await
        .unwrap();
    assert!(matches!(
        pk.finish_authentication(&ceremony, &auth.get_forced(&opts, rec.id()))
            .await,
        Err(Error::RpIdHash)
    ));

    // With the appid input but the client not reporting its use: RP ID hash expected.
    auth.client_extension_results = json!({"appid": false});
    let (opts, ceremony) = pk
        .start_authentication(Some(&alice.handle), &with_appid)
        .await
        .unwrap();
    assert!(matches!(
        pk.finish_authentication(&ceremony, &auth.get_forced(&opts, rec.id()))
            .await,
        Err(Error::RpIdHash)
    ));
}

// ---- Signal API payloads -----------------------------------------------------------

#[tokio::test]
async fn signal_payloads_have_the_spec_field_names() {
    let pk = passkeys();
    let alice = user("alice");
    let a = register(&pk, &alice, &mut SoftAuthenticator::new(ORIGIN)).await;
    let b = register(&pk, &alice, &mut SoftAuthenticator::new(ORIGIN)).await;
    let c = register(&pk, &alice, &mut SoftAuthenticator::new(ORIGIN)).await;
    pk.disable_credential(&alice.handle, b.id()).await.unwrap();
    pk.revoke_credential(&alice.handle, c.id()).await.unwrap();

    let all: AllAcceptedCredentialsOptions = pk
        .signal_all_accepted_credentials(&alice.handle)
        .await
        .unwrap();
    let j = serde_json::to_value(&all).unwrap();
    assert_eq!(j["rpId"], "example.com");
    assert_eq!(j["userId"], relypass::json::b64url(alice.handle.as_bytes()));
    let mut listed: Vec<String> = j["allAcceptedCredentialIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    let mut want = vec![
        relypass::json::b64url(a.id()),
        relypass::json::b64url(b.id()),
    ];
    want.sort();
    assert_eq!(listed, want, "active and disabled, not revoked");
    assert_eq!(j.as_object().unwrap().len(), 3);

    let u: CurrentUserDetailsOptions = pk.signal_current_user_details(&alice.handle).await.unwrap();
    assert_eq!(
        serde_json::to_value(&u).unwrap(),
        json!({
            "rpId": "example.com",
            "userId": relypass::json::b64url(alice.handle.as_bytes()),
            "name": "alice",
            "displayName": "ALICE",
        })
    );

    let unk = UnknownCredentialOptions::new(pk.relying_party(), &[0xfb, 0xff]);
    assert_eq!(
        serde_json::to_string(&unk).unwrap(),
        r#"{"rpId":"example.com","credentialId":"-_8"}"#
    );
}
