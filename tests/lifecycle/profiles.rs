//! Profiles.

use super::*;

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
