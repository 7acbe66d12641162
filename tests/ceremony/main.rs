//! Both ceremonies through the public API: round trips for ES256, Ed25519 and
//! RS256, and the failures that are no numbered §7.1 / §7.2 step (expiry,
//! state from another RP, malformed JSON, inactive credentials, ...). The
//! negative test of each numbered step is a row of the step table in
//! `tests/spec_steps/main.rs`.

use relypass_testkit::ceremonies::*;
use relypass_testkit::soft_authenticator as common;

use common::{AT, Alg, SoftAuthenticator, Tamper, UV};
use relypass::danger::Challenge;
use relypass::{
    AuthenticationOptions, AuthenticationResponse, CounterPolicy, CredentialRecord,
    CredentialState, Error, RegistrationOptions, RegistrationResponse, RelyingParty,
};

// ---- round trips -------------------------------------------------------------

#[test]
fn round_trip_all_algorithms() {
    for alg in [Alg::Es256, Alg::Ed25519, Alg::Rs256] {
        let (rp, mut a, mut rec) = registered(alg);
        assert_eq!(rec.algorithm().to_i64(), a.key.cose_alg(), "{alg:?}");
        assert_eq!(rec.state(), CredentialState::Active);
        assert!(rec.user_verified());
        assert_eq!(rec.discoverable(), Some(true));
        assert_eq!(rec.transports().len(), 2);
        for round in 1..=3u32 {
            let v = authenticate(&rp, &mut a, &rec, &Tamper::default()).unwrap();
            assert_eq!(v.sign_count(), round);
            assert_eq!(v.user_handle(), rec.user_handle());
            assert!(v.user_verified());
            v.apply_to(&mut rec);
            assert_eq!(rec.sign_count(), round);
            assert_eq!(rec.last_used_at(), Some(NOW + 1));
        }
        // Discoverable sign-in: no allow list, the user handle identifies the user.
        let v = authenticate_with(
            &rp,
            &mut a,
            &rec,
            true,
            &Default::default(),
            &Tamper::default(),
        )
        .unwrap();
        assert_eq!(v.sign_count(), 4);
    }
}

#[test]
fn options_json_has_spec_field_names() {
    let rp = rp();
    let existing = {
        let (_, _, mut r) = registered(Alg::Es256);
        r = relypass_testkit::records::with(
            &r,
            "state",
            serde_json::json!(CredentialState::Disabled),
        );
        let mut revoked = r.clone();
        revoked = relypass_testkit::records::with(
            &revoked,
            "id",
            serde_json::json!(relypass::json::Base64Url::from(vec![9u8; 16])),
        );
        revoked = relypass_testkit::records::with(
            &revoked,
            "state",
            serde_json::json!(CredentialState::Revoked),
        );
        let mut pending = r.clone();
        pending = relypass_testkit::records::with(
            &pending,
            "id",
            serde_json::json!(relypass::json::Base64Url::from(vec![8u8; 16])),
        );
        pending = relypass_testkit::records::with(
            &pending,
            "state",
            serde_json::json!(CredentialState::Pending),
        );
        vec![r, revoked, pending]
    };
    let (opts, _) = rp
        .start_registration(&user(), &existing, &RegistrationOptions::default())
        .unwrap();
    let v = serde_json::to_value(&opts).unwrap();
    for k in [
        "rp",
        "user",
        "challenge",
        "pubKeyCredParams",
        "timeout",
        "excludeCredentials",
        "authenticatorSelection",
        "attestation",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert_eq!(v["user"]["displayName"], "Alice");
    assert_eq!(
        v["pubKeyCredParams"][0],
        serde_json::json!({"type": "public-key", "alg": -7})
    );
    // Disabled is excluded; revoked and pending are not.
    assert_eq!(v["excludeCredentials"].as_array().unwrap().len(), 1);
    assert_eq!(opts.challenge.len(), 32);
    let (req, _) = rp.start_authentication(None, &Default::default()).unwrap();
    let v = serde_json::to_value(&req).unwrap();
    assert_eq!(v["rpId"], "example.com");
    assert_eq!(v["allowCredentials"], serde_json::json!([]));
    // Safe default: UV required unless the host relaxes it.
    assert_eq!(v["userVerification"], "required");
}

#[test]
fn challenges_are_random() {
    let rp = rp();
    let (a, _) = rp.start_authentication(None, &Default::default()).unwrap();
    let (b, _) = rp.start_authentication(None, &Default::default()).unwrap();
    assert_ne!(a.challenge, b.challenge);
}

#[test]
fn state_round_trips_through_serde() {
    let rp = rp();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 5);
    let (options, state) = relypass::danger::start_registration_with(
        &rp,
        &user(),
        &[],
        &Default::default(),
        Challenge::from_bytes(vec![1; 32]),
        NOW,
    )
    .unwrap();
    let stored = String::from_utf8(state.into_bytes()).unwrap();
    let state = relypass::danger::RegistrationState::from_bytes(stored.as_bytes()).unwrap();
    let resp = RegistrationResponse::from_json(&a.register(&options, &Tamper::default())).unwrap();
    relypass::danger::finish_registration_at(&rp, state, &resp, NOW).unwrap();
}

// ---- registration failures outside the §7.1 steps --------------------------------

#[test]
fn reg_expired_state() {
    let rp = rp();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 4);
    let (options, state) = relypass::danger::start_registration_with(
        &rp,
        &user(),
        &[],
        &Default::default(),
        Challenge::from_bytes(vec![1; 32]),
        NOW,
    )
    .unwrap();
    let resp = RegistrationResponse::from_json(&a.register(&options, &Tamper::default())).unwrap();
    assert!(matches!(
        relypass::danger::finish_registration_at(&rp, state, &resp, NOW + 301),
        Err(Error::StateExpired)
    ));
}

#[test]
fn reg_state_from_another_rp() {
    let other = RelyingParty::builder("example.org", "Other")
        .origin("https://example.org")
        .build()
        .unwrap();
    let rp = rp();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 4);
    let (options, state) = relypass::danger::start_registration_with(
        &other,
        &user(),
        &[],
        &Default::default(),
        Challenge::from_bytes(vec![1; 32]),
        NOW,
    )
    .unwrap();
    let resp = RegistrationResponse::from_json(&a.register(&options, &Tamper::default())).unwrap();
    assert!(matches!(
        relypass::danger::finish_registration_at(&rp, state, &resp, NOW),
        Err(Error::StateMismatch)
    ));
}

#[test]
fn reg_malformed_json() {
    for bad in [
        "",
        "{}",
        "[]",
        r#"{"id":"AA","rawId":"AA","type":"public-key","response":{}}"#,
    ] {
        assert!(
            matches!(
                RegistrationResponse::from_json(bad),
                Err(Error::Malformed { .. })
            ),
            "{bad}"
        );
    }
}

// ---- authentication outside the §7.2 steps ---------------------------------------

#[test]
fn auth_counter_regression_under_warn() {
    // Strict (the default) refuses it: the §7.2 step table, tests/spec_steps/main.rs.
    let (_, mut a, mut rec) = registered(Alg::Es256);
    rec = relypass_testkit::records::with(&rec, "sign_count", serde_json::json!(10));
    let warn = rp_with(|b| b.counter_policy(CounterPolicy::Warn));
    let v = authenticate(
        &warn,
        &mut a,
        &rec,
        &Tamper {
            sign_count: Some(3),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(v.possibly_cloned());
    assert!(v.update().possibly_cloned(), "the store is told too");
    assert_eq!(v.sign_count(), 10, "the counter never moves backwards");
}

#[test]
fn auth_zero_counters_are_fine() {
    let (rp, mut a, rec) = registered(Alg::Es256);
    for _ in 0..3 {
        let v = authenticate(
            &rp,
            &mut a,
            &rec,
            &Tamper {
                sign_count: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(!v.possibly_cloned());
    }
}

#[test]
fn auth_inactive_credentials_refused() {
    let (rp, mut a, mut rec) = registered(Alg::Es256);
    for s in [
        CredentialState::Disabled,
        CredentialState::Revoked,
        CredentialState::Pending,
    ] {
        rec = relypass_testkit::records::with(&rec, "state", serde_json::json!(s));
        assert!(matches!(
            authenticate_with(
                &rp,
                &mut a,
                &rec,
                true,
                &Default::default(),
                &Tamper::default()
            ),
            Err(Error::CredentialNotActive)
        ));
    }
}

#[test]
fn auth_id_and_raw_id_must_agree() {
    let (rp, mut a, rec) = registered(Alg::Es256);
    let (options, state) = start_discoverable(&rp, 2);
    let mut v: serde_json::Value =
        serde_json::from_str(&a.authenticate(&options, &Tamper::default())).unwrap();
    let raw_id = v["rawId"].as_str().unwrap().to_owned();
    // Other texts of the same bytes are refused too: padded, and (when the
    // id's length leaves trailing bits) with a trailing bit set, which a
    // lenient decoder reads to the same bytes.
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let non_canonical = |t: &str| -> Option<String> {
        let last = ALPHABET.find(t.chars().last()?)?;
        (!t.len().is_multiple_of(4)).then(|| {
            let flipped = &ALPHABET[last ^ 1..(last ^ 1) + 1];
            format!("{}{flipped}", &t[..t.len() - 1])
        })
    };
    let mut ids = vec!["AAAA".to_owned(), format!("{raw_id}=")];
    ids.extend(non_canonical(&raw_id));
    for id in ids {
        let (_, state) = start_discoverable(&rp, 2);
        v["id"] = id.clone().into();
        let resp = AuthenticationResponse::from_json(&v.to_string()).unwrap();
        assert!(
            matches!(
                relypass::danger::finish_authentication_at(&rp, state, &resp, &rec, NOW),
                Err(Error::CredentialIdMismatch)
            ),
            "{id}"
        );
    }
    // The same non-canonical text as both id and rawId is no encoding of the
    // bytes either (the one-pass reader leaves it to serde_json).
    if let Some(nc) = non_canonical(&raw_id) {
        v["id"] = nc.clone().into();
        v["rawId"] = nc.into();
        if let Ok(resp) = AuthenticationResponse::from_json(&v.to_string()) {
            assert!(
                relypass::danger::finish_authentication_at(&rp, state, &resp, &rec, NOW).is_err()
            );
        }
    } else {
        drop(state);
    }
}

#[test]
fn auth_expired_state() {
    let (rp, mut a, rec) = registered(Alg::Es256);
    let (options, state) = start_discoverable(&rp, 2);
    let resp =
        AuthenticationResponse::from_json(&a.authenticate(&options, &Tamper::default())).unwrap();
    assert!(matches!(
        relypass::danger::finish_authentication_at(&rp, state, &resp, &rec, NOW + 10_000),
        Err(Error::StateExpired)
    ));
}

// ---- the store-backed service ---------------------------------------------------

#[tokio::test]
async fn passkeys_service_end_to_end_and_single_use_states() {
    use relypass::{MemoryStore, Passkeys};
    let pk = Passkeys::new(rp(), MemoryStore::new());
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 9);
    let (options, ceremony) = pk
        .start_registration(&user(), &Default::default())
        .await
        .unwrap();
    let json = a.register(&options, &Tamper::default());
    let rec = pk.finish_registration(&ceremony, &json).await.unwrap();
    // The same response again: the state was taken once.
    assert!(matches!(
        pk.finish_registration(&ceremony, &json).await,
        Err(Error::StateUsed)
    ));
    // A new ceremony lists the credential in excludeCredentials (a client that
    // ignores it is refused: §7.1 step 26 in tests/spec_steps/main.rs).
    let (options, _) = pk
        .start_registration(&user(), &Default::default())
        .await
        .unwrap();
    assert_eq!(options.exclude_credentials.len(), 1);

    let (req, ceremony) = pk
        .start_authentication(Some(rec.user_handle()), &Default::default())
        .await
        .unwrap();
    let json = a.authenticate(&req, &Tamper::default());
    let v = pk.finish_authentication(&ceremony, &json).await.unwrap();
    assert_eq!(v.sign_count(), 1);
    // Replaying the same assertion fails: the challenge was consumed.
    assert!(matches!(
        pk.finish_authentication(&ceremony, &json).await,
        Err(Error::StateUsed)
    ));
    use relypass::CredentialStore;
    let stored = pk
        .store()
        .credentials_for_user(rec.user_handle())
        .await
        .unwrap();
    assert_eq!(stored[0].sign_count(), 1);
    assert!(stored[0].last_used_at().is_some());
}

/// `finish_*` take the deserialized wire types (what a web framework's JSON
/// extractor produces) as well as text, by value or by reference, and the
/// service is shared as `Arc<Passkeys<S>>` across tasks.
#[tokio::test]
async fn passkeys_service_takes_typed_responses() {
    use relypass::json::{AuthenticationResponseJson, RegistrationResponseJson};
    use relypass::{MemoryStore, Passkeys};
    use std::sync::Arc;
    let pk = Arc::new(Passkeys::new(rp(), MemoryStore::new()));
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 11);
    let (options, ceremony): (relypass::CreationOptionsJson, _) = pk
        .start_registration(&user(), &Default::default())
        .await
        .unwrap();
    let typed: RegistrationResponseJson =
        serde_json::from_str(&a.register(&options, &Tamper::default())).unwrap();
    let rec = pk.finish_registration(&ceremony, &typed).await.unwrap();
    assert_eq!(rec.user_handle(), &user().handle);

    let pk2 = Arc::clone(&pk);
    let handle = rec.user_handle().clone();
    let verified = tokio::spawn(async move {
        let (req, ceremony): (relypass::RequestOptionsJson, _) = pk2
            .start_authentication(Some(&handle), &Default::default())
            .await
            .unwrap();
        let typed: AuthenticationResponseJson =
            serde_json::from_str(&a.authenticate(&req, &Tamper::default())).unwrap();
        pk2.finish_authentication(&ceremony, typed).await
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(verified.sign_count(), 1);
}

// ---- audit: crypto and flags defects ------------------------------------------

/// A COSE OKP key `{1: 1, 3: alg, -1: crv, -2: x}`.
fn okp_key(alg: i64, crv: i64, x: &[u8]) -> Vec<u8> {
    use ciborium::value::Value;
    let v = Value::Map(vec![
        (Value::from(1), Value::from(1)),
        (Value::from(3), Value::from(alg)),
        (Value::from(-1), Value::from(crv)),
        (Value::from(-2), Value::Bytes(x.to_vec())),
    ]);
    let mut out = Vec::new();
    ciborium::ser::into_writer(&v, &mut out).unwrap();
    out
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The identity point of edwards25519 (y = 1), canonically encoded.
const ED25519_IDENTITY: &str = "0100000000000000000000000000000000000000000000000000000000000000";
/// Small-order points in other encodings: a point of order 8, a point of order
/// 4 (y = 0), and the identity with y = p + 1 (non-canonical).
const ED25519_OTHER_SMALL_ORDER: [&str; 3] = [
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

#[test]
fn small_order_ed25519_key_refused_at_registration() {
    let rp = rp();
    for x in std::iter::once(ED25519_IDENTITY).chain(ED25519_OTHER_SMALL_ORDER) {
        let mut a = SoftAuthenticator::new(Alg::Ed25519, ORIGIN, 3);
        let err = register(
            &rp,
            &mut a,
            &Tamper {
                public_key: Some(okp_key(-8, 6, &hex(x))),
                ..Default::default()
            },
        )
        .map(|_| ())
        .unwrap_err();
        assert!(matches!(err, Error::InvalidPublicKey(_)), "{x}: {err:?}");
    }
}

#[test]
fn small_order_ed25519_stored_key_cannot_sign_in() {
    // A credential stored before the fix with the identity as its key, and the
    // signature R = basepoint, S = 1 that satisfies [S]B = R + [k]A for any message
    // when A is the identity. `ring` (cofactorless, no small-order check) accepted it.
    let (rp, mut a, mut rec) = registered(Alg::Ed25519);
    rec = relypass_testkit::records::with(
        &rec,
        "public_key",
        serde_json::json!(relypass::json::Base64Url::from(okp_key(
            -8,
            6,
            &hex(ED25519_IDENTITY)
        ))),
    );
    let mut sig = hex("5866666666666666666666666666666666666666666666666666666666666666");
    let mut s = [0u8; 32];
    s[0] = 1;
    sig.extend_from_slice(&s);
    let err = authenticate(
        &rp,
        &mut a,
        &rec,
        &Tamper {
            signature: Some(sig),
            ..Default::default()
        },
    )
    .map(|_| ())
    .unwrap_err();
    // Refused when the stored key is parsed, in every build, before any backend.
    assert!(matches!(err, Error::InvalidPublicKey(_)), "{err:?}");
}

/// The W3C L3 test vectors' Ed448 public key (57 bytes).
const ED448_X: &str = "8051ef4f94670b5abf17da2e9558ba6eba94eb8704363915b4d666de287ad329de9f1f075211aba602dc6e7a5e52b15a8ee1c984a9f8887380";

#[test]
fn ed448_key_not_admitted_by_eddsa_default() {
    // EdDSA (-8) is in the default list; Ed448 is not. An OKP crv 7 key labelled
    // -8 is an Ed448 key and must not slip in under EdDSA.
    let rp = rp();
    assert!(rp.algorithms().contains(&relypass::CoseAlgorithm::EdDSA));
    let mut a = SoftAuthenticator::new(Alg::Ed25519, ORIGIN, 3);
    let err = register(
        &rp,
        &mut a,
        &Tamper {
            public_key: Some(okp_key(-8, 7, &hex(ED448_X))),
            ..Default::default()
        },
    )
    .map(|_| ())
    .unwrap_err();
    assert!(matches!(err, Error::UnsupportedAlgorithm(_)), "{err:?}");
}

#[cfg(feature = "ed448")]
#[test]
fn ed448_key_admitted_when_listed() {
    use relypass::CoseAlgorithm;
    let rp = rp_with(|b| b.algorithms([CoseAlgorithm::EdDSA, CoseAlgorithm::Ed448]));
    let mut a = SoftAuthenticator::new(Alg::Ed25519, ORIGIN, 3);
    register(
        &rp,
        &mut a,
        &Tamper {
            public_key: Some(okp_key(-8, 7, &hex(ED448_X))),
            ..Default::default()
        },
    )
    .unwrap();
}

/// A COSE RSA key `{1: 3, 3: -257, -1: n, -2: e}`; `n` need not be a real
/// modulus (nothing factors it), only odd and of the stated size.
fn rsa_key(bits: usize, e: &[u8]) -> Vec<u8> {
    use ciborium::value::Value;
    let mut n = vec![0xffu8; bits.div_ceil(8)];
    if !bits.is_multiple_of(8) {
        n[0] = 0xff >> (8 - bits % 8);
    }
    let v = Value::Map(vec![
        (Value::from(1), Value::from(3)),
        (Value::from(3), Value::from(-257)),
        (Value::from(-1), Value::Bytes(n)),
        (Value::from(-2), Value::Bytes(e.to_vec())),
    ]);
    let mut out = Vec::new();
    ciborium::ser::into_writer(&v, &mut out).unwrap();
    out
}

fn register_rsa_key(rp: &RelyingParty, key: Vec<u8>) -> Result<CredentialRecord, Error> {
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 3);
    register(
        rp,
        &mut a,
        &Tamper {
            public_key: Some(key),
            ..Default::default()
        },
    )
}

#[test]
fn rsa_1024_key_refused_by_default() {
    let err = register_rsa_key(&rp(), rsa_key(1024, &[1, 0, 1]))
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::RsaKeyTooSmall {
                bits: 1024,
                min: 2048
            }
        ),
        "{err:?}"
    );
    // A 2047-bit modulus is under 2048 too.
    assert!(register_rsa_key(&rp(), rsa_key(2047, &[1, 0, 1])).is_err());
    // 2048 bits is fine.
    register_rsa_key(&rp(), rsa_key(2048, &[1, 0, 1])).unwrap();
}

#[test]
fn rsa_key_under_1024_bits_always_refused() {
    for bits in [1023, 512] {
        let err = register_rsa_key(&rp(), rsa_key(bits, &[1, 0, 1]))
            .map(|_| ())
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidPublicKey("RSA modulus under 1024 bits")),
            "{bits}: {err:?}"
        );
    }
}

#[test]
fn rsa_even_exponent_refused() {
    for e in [&[2u8][..], &[1, 0, 0], &[1, 0, 2]] {
        let err = register_rsa_key(&rp(), rsa_key(2048, e))
            .map(|_| ())
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidPublicKey("RSA public exponent is even")),
            "{e:?}: {err:?}"
        );
    }
}

#[test]
fn rsa_exponent_one_refused() {
    let err = register_rsa_key(&rp(), rsa_key(2048, &[1]))
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidPublicKey("RSA public exponent below 3")),
        "{err:?}"
    );
}

#[test]
fn rsa_1024_key_accepted_with_legacy_knob() {
    let rp = rp_with(|b| b.allow_legacy_rsa_1024(true));
    let rec = register_rsa_key(&rp, rsa_key(1024, &[1, 0, 1])).unwrap();
    assert_eq!(rec.algorithm(), relypass::CoseAlgorithm::RS256);
    // The knob stops at 1024 bits.
    let err = register_rsa_key(&rp, rsa_key(1023, &[1, 0, 1]))
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidPublicKey(_)), "{err:?}");
}

#[test]
fn rsa_1024_stored_key_refused_at_sign_in_by_default() {
    // A credential registered under the knob (or before the fix) is refused at
    // sign-in by an RP without it, before any signature work.
    let legacy = rp_with(|b| b.allow_legacy_rsa_1024(true));
    let rec = register_rsa_key(&legacy, rsa_key(1024, &[1, 0, 1])).unwrap();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 3);
    let err = authenticate(&rp(), &mut a, &rec, &Tamper::default())
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::RsaKeyTooSmall {
                bits: 1024,
                min: 2048
            }
        ),
        "{err:?}"
    );
}

/// An extensions map as an old Firefox wrote it after the attested credential
/// data, ED flag clear: `{"hmac-secret": h'...32 bytes...'}` (the PRF output in
/// cleartext).
fn firefox_cleartext_prf() -> Vec<u8> {
    use ciborium::value::Value;
    let v = Value::Map(vec![(
        Value::Text("hmac-secret".into()),
        Value::Bytes(vec![0x5a; 32]),
    )]);
    let mut out = Vec::new();
    ciborium::ser::into_writer(&v, &mut out).unwrap();
    out
}

#[test]
fn firefox_cleartext_prf_gets_its_own_error() {
    let err = reg_err(Tamper {
        auth_data_suffix: Some(firefox_cleartext_prf()),
        ..Default::default()
    });
    let trailing = firefox_cleartext_prf().len();
    assert!(
        matches!(err, Error::CleartextExtensionsWithoutEdFlag { trailing: t } if t == trailing),
        "{err:?}"
    );
    // The message tells an operator what happened and what to do.
    let msg = err.to_string();
    assert!(msg.contains(&format!("{trailing} trailing bytes")), "{msg}");
    assert!(msg.contains("update the browser"), "{msg}");
    assert!(msg.contains("ED flag is clear"), "{msg}");
    assert!(msg.contains("Firefox"), "{msg}");
}

#[test]
fn other_trailing_auth_data_bytes_keep_the_malformed_error() {
    // Not a CBOR map, a map followed by more bytes, and a truncated map: these
    // are not the Firefox shape and stay "trailing bytes".
    let mut map_then_more = firefox_cleartext_prf();
    map_then_more.push(0);
    let truncated = firefox_cleartext_prf()[..10].to_vec();
    for suffix in [vec![0x00], vec![0x82, 0x01, 0x02], map_then_more, truncated] {
        let err = reg_err(Tamper {
            auth_data_suffix: Some(suffix.clone()),
            ..Default::default()
        });
        assert!(
            matches!(
                err,
                Error::Malformed {
                    reason: "trailing bytes",
                    ..
                }
            ),
            "{suffix:?}: {err:?}"
        );
    }
}

#[test]
fn assertion_without_up_refused_even_when_registration_relaxed() {
    // A conditional create (§7.1 step 15 "If options.mediation is not set to
    // conditional…") may register with UP clear...
    let rp = rp();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 3);
    let conditional = RegistrationOptions {
        conditional_mediation: true,
        ..Default::default()
    };
    let rec = register_with(
        &rp,
        &mut a,
        &conditional,
        &Tamper {
            flags: Some(UV | AT),
            ..Default::default()
        },
    )
    .unwrap();
    // ...but §7.2 step 16 has no exception: UP is always required at sign-in,
    // whatever the registration was allowed.
    let err = authenticate(
        &rp,
        &mut a,
        &rec,
        &Tamper {
            flags: Some(UV),
            ..Default::default()
        },
    )
    .map(|_| ())
    .unwrap_err();
    assert!(matches!(err, Error::UserNotPresent), "{err:?}");
    // Discoverable sign-in too.
    let err = authenticate_with(
        &rp,
        &mut a,
        &rec,
        true,
        &AuthenticationOptions::default(),
        &Tamper {
            flags: Some(UV),
            ..Default::default()
        },
    )
    .map(|_| ())
    .unwrap_err();
    assert!(matches!(err, Error::UserNotPresent), "{err:?}");
}

#[test]
fn up_relaxation_is_fixed_in_the_registration_state() {
    let rp = rp();
    let no_up = Tamper {
        flags: Some(UV | AT),
        ..Default::default()
    };
    let start = |opts: &RegistrationOptions| {
        relypass::danger::start_registration_with(
            &rp,
            &user(),
            &[],
            opts,
            Challenge::from_bytes(vec![1; 32]),
            NOW,
        )
        .unwrap()
    };
    let conditional = RegistrationOptions {
        conditional_mediation: true,
        ..Default::default()
    };
    // The flag survives a round trip through a serialized state.
    let (options, state) = start(&conditional);
    assert!(state.conditional_mediation());
    let stored = String::from_utf8(state.into_bytes()).unwrap();
    let state = relypass::danger::RegistrationState::from_bytes(stored.as_bytes()).unwrap();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 3);
    let resp = RegistrationResponse::from_json(&a.register(&options, &no_up)).unwrap();
    relypass::danger::finish_registration_at(&rp, state, &resp, NOW).unwrap();
    // A modal registration requires UP, and its serialized state has no flag to
    // flip (a state from before the field existed deserializes the same way).
    let (options, state) = start(&RegistrationOptions::default());
    assert!(!state.conditional_mediation());
    let stored = String::from_utf8(state.into_bytes()).unwrap();
    assert!(!stored.contains("conditional"), "{stored}");
    let state = relypass::danger::RegistrationState::from_bytes(stored.as_bytes()).unwrap();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 4);
    let resp = RegistrationResponse::from_json(&a.register(&options, &no_up)).unwrap();
    assert!(matches!(
        relypass::danger::finish_registration_at(&rp, state, &resp, NOW),
        Err(Error::UserNotPresent)
    ));
}

/// A discoverable sign-in's start (no user named) with the challenge `[c; 32]`.
fn start_discoverable(
    rp: &RelyingParty,
    c: u8,
) -> (
    relypass::json::RequestOptionsJson,
    relypass::danger::AuthenticationState,
) {
    relypass::danger::start_authentication_with(
        rp,
        None,
        &Default::default(),
        Challenge::from_bytes(vec![c; 32]),
        NOW,
    )
    .unwrap()
}

mod results;
