//! The username-enumeration defence.

use super::*;

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
