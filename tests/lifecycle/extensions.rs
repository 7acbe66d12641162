//! Extensions (credProps, credProtect, prf, largeBlob, appid).

use super::*;

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
