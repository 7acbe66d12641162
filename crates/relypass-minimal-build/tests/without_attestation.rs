//! relypass without its default features (no `attestation`: no X.509, no
//! certificate-based formats). A passkey site that requests
//! `attestation: "none"` registers and signs in as usual; a policy that asks
//! for statements to be verified refuses every format that needs a
//! certificate, because the spec's step "Verify that attStmt is a correct
//! attestation statement ... using the attestation statement format fmt's
//! verification procedure" cannot be skipped.

use relypass::attestation::{TrustMode, TrustPolicy};
use relypass::{Error, MemoryStore, Passkeys, RelyingParty, User, UserHandle};
use relypass_testkit::soft_authenticator::{Alg, SoftAuthenticator, Tamper};

const ORIGIN: &str = "https://example.com";

fn passkeys(mode: TrustMode) -> Passkeys<MemoryStore> {
    let rp = RelyingParty::builder("example.com", "Example")
        .origin(ORIGIN)
        .trust_policy(TrustPolicy {
            mode,
            ..TrustPolicy::default()
        })
        .build()
        .unwrap();
    Passkeys::new(rp, MemoryStore::new())
}

fn user() -> User {
    User {
        handle: UserHandle::random().unwrap(),
        name: "alice".into(),
        display_name: "Alice".into(),
    }
}

#[tokio::test]
async fn none_attestation_registers_and_signs_in() {
    let pk = passkeys(TrustMode::None);
    let alice = user();
    let mut auth = SoftAuthenticator::new(Alg::Es256, ORIGIN, 1);
    let (options, ceremony) = pk
        .start_registration(&alice, &Default::default())
        .await
        .unwrap();
    let response = auth.register(&options, &Tamper::default());
    pk.finish_registration(&ceremony, &response).await.unwrap();
    let (request, ceremony) = pk
        .start_authentication(Some(&alice.handle), &Default::default())
        .await
        .unwrap();
    let response = auth.authenticate(&request, &Tamper::default());
    let signed_in = pk
        .finish_authentication(&ceremony, &response)
        .await
        .unwrap();
    assert_eq!(signed_in.user_handle(), &alice.handle);
}

#[tokio::test]
async fn certificate_formats_are_refused_when_statements_must_verify() {
    for fmt in [
        "fido-u2f",
        "tpm",
        "android-key",
        "android-safetynet",
        "apple",
    ] {
        let pk = passkeys(TrustMode::Any);
        let mut auth = SoftAuthenticator::new(Alg::Es256, ORIGIN, 2);
        let (options, ceremony) = pk
            .start_registration(&user(), &Default::default())
            .await
            .unwrap();
        let tamper = Tamper {
            fmt: Some(fmt.into()),
            ..Tamper::default()
        };
        let response = auth.register(&options, &tamper);
        let result = pk.finish_registration(&ceremony, &response).await;
        // (With the feature, these empty statements fail as `Error::Attestation`.)
        assert!(
            matches!(result, Err(Error::UnsupportedAttestationFormat(_))),
            "{fmt}: {result:?}"
        );
    }
}

#[tokio::test]
async fn packed_with_a_certificate_is_refused_when_statements_must_verify() {
    use ciborium::Value;
    let pk = passkeys(TrustMode::Any);
    let mut auth = SoftAuthenticator::new(Alg::Es256, ORIGIN, 3);
    let (options, ceremony) = pk
        .start_registration(&user(), &Default::default())
        .await
        .unwrap();
    let tamper = Tamper {
        fmt: Some("packed".into()),
        att_stmt: Some(vec![
            (Value::Text("alg".into()), Value::Integer((-7).into())),
            (Value::Text("sig".into()), Value::Bytes(vec![0x30; 70])),
            (
                Value::Text("x5c".into()),
                Value::Array(vec![Value::Bytes(vec![0x30; 300])]),
            ),
        ]),
        ..Tamper::default()
    };
    let response = auth.register(&options, &tamper);
    let result = pk.finish_registration(&ceremony, &response).await;
    assert!(
        matches!(result, Err(Error::UnsupportedAttestationFormat(_))),
        "{result:?}"
    );
}
