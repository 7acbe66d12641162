//! Signal API payloads.

use super::*;

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
