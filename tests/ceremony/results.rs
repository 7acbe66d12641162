//! What verified results, states and responses report, and the boundaries of
//! the checks that guard them: the tests mutation testing asked for
//! (docs/mutation-testing.md). Each names the mutant it catches. The values
//! here are read by the `Passkeys` service and the stores, whose suites are
//! outside the mutation run's selected tests, so each needs one here.

use super::*;

/// Mutation testing (docs/mutation-testing.md): the authentication state
/// reports what `start` put in it — the named user, the expiry, the AppID
/// offered — and the response its user handle. `user`, `expires_at`, `appid`
/// and `AuthenticationResponse::user_handle` returning constants were not
/// caught by any selected test (only the `Passkeys` service reads them).
#[test]
fn authentication_state_and_response_report_what_was_given() {
    let (rp, mut a, rec) = registered(Alg::Es256);
    let handle = relypass::UserHandle::new(rec.user_handle().as_bytes().to_vec()).unwrap();
    let options = AuthenticationOptions {
        extensions: Some(
            relypass::extensions::AuthenticationExtensions::new()
                .appid("https://example.com/appid.json")
                .build(),
        ),
        ..Default::default()
    };
    let creds = [rec.clone()];
    let (_, named) = relypass::danger::start_authentication_with(
        &rp,
        Some((&handle, &creds[..])),
        &options,
        Challenge::from_bytes(vec![3; 32]),
        NOW,
    )
    .unwrap();
    assert_eq!(named.user(), Some(&handle));
    assert!(named.expires_at() > NOW);
    assert_eq!(named.appid(), Some("https://example.com/appid.json"));
    let (request, anyone) = start_discoverable(&rp, 4);
    assert_eq!(anyone.user(), None);
    assert_eq!(anyone.appid(), None);
    let resp =
        AuthenticationResponse::from_json(&a.authenticate(&request, &Tamper::default())).unwrap();
    assert_eq!(resp.user_handle(), Some(handle.as_bytes()));
}

/// A plain response is read by the one-pass reader into one buffer and an
/// unusual one (here: an extra member) by serde_json; every accessor, the
/// lazily built `json()` and the verdict must not depend on which.
#[test]
fn plain_and_serde_read_responses_answer_alike() {
    let (rp, mut a, rec) = registered(Alg::Es256);
    let (request, _) = start_discoverable(&rp, 6);
    let plain = a.authenticate(&request, &Tamper::default());
    let mut v: serde_json::Value = serde_json::from_str(&plain).unwrap();
    v["unknownMember"] = serde_json::json!(1);
    let unusual = v.to_string();
    let fast = AuthenticationResponse::from_json(&plain).unwrap();
    let slow = AuthenticationResponse::from_json(&unusual).unwrap();
    assert_eq!(fast.credential_id(), slow.credential_id());
    assert_eq!(fast.user_handle(), slow.user_handle());
    assert_eq!(fast.challenge(), slow.challenge());
    assert_eq!(
        serde_json::to_value(fast.json()).unwrap(),
        serde_json::to_value(slow.json()).unwrap()
    );
    let verdict = |r: &AuthenticationResponse| {
        let (_, state) = start_discoverable(&rp, 6);
        relypass::danger::finish_authentication_at(&rp, state, r, &rec, NOW)
            .map(|v| v.update().clone())
    };
    assert_eq!(verdict(&fast).unwrap(), verdict(&slow).unwrap());
}

/// Mutation testing: a state is good up to and including the second it
/// expires (`expires_at`: "Unix seconds after which finish refuses"), and
/// refused one second later — `>` weakened to `>=` was not caught.
#[test]
fn auth_state_is_good_through_its_expiry_second() {
    let (rp, mut a, rec) = registered(Alg::Es256);
    let start = |c: u8| start_discoverable(&rp, c);
    let (options, state) = start(5);
    let last = state.expires_at();
    let resp =
        AuthenticationResponse::from_json(&a.authenticate(&options, &Tamper::default())).unwrap();
    assert!(relypass::danger::finish_authentication_at(&rp, state, &resp, &rec, last).is_ok());
    let (options, state) = start(6);
    let resp =
        AuthenticationResponse::from_json(&a.authenticate(&options, &Tamper::default())).unwrap();
    assert!(matches!(
        relypass::danger::finish_authentication_at(&rp, state, &resp, &rec, last + 1),
        Err(Error::StateExpired)
    ));
}

/// Mutation testing: the update a verified sign-in hands the store carries
/// exactly what the assertion proved — the credential, the counter it was
/// verified against (the store's compare-and-set guard), the new counter, the
/// backup state, the time, the clone flag — and the response reports the
/// challenge it signed. Constants in any of these accessors were not caught
/// by the selected tests (only the `Passkeys` service and the stores read
/// them); a wrong counter there would defeat clone detection.
#[test]
fn credential_update_carries_what_the_assertion_proved() {
    let (rp, mut a, rec) = registered(Alg::Es256);
    let rec = relypass_testkit::records::with(&rec, "sign_count", serde_json::json!(7));
    // A synced passkey now backed up: BE as registered, BS set.
    let rec = relypass_testkit::records::with(&rec, "backup_eligible", serde_json::json!(true));
    a.flags = common::UP | UV | common::BE | common::BS;
    let (options, state) = start_discoverable(&rp, 9);
    let t = Tamper {
        sign_count: Some(12),
        ..Default::default()
    };
    let resp = AuthenticationResponse::from_json(&a.authenticate(&options, &t)).unwrap();
    assert_eq!(resp.challenge(), Some(vec![9; 32]));
    let v = relypass::danger::finish_authentication_at(&rp, state, &resp, &rec, NOW + 5).unwrap();
    let u = v.update();
    assert_eq!(u.credential_id(), rec.id());
    assert_eq!(u.previous_sign_count(), 7);
    assert_eq!(u.sign_count(), 12);
    assert!(u.backup_state());
    assert_eq!(u.last_used_at(), NOW + 5);
    assert!(!u.possibly_cloned());
    let mut applied = rec.clone();
    u.apply_to(&mut applied);
    assert_eq!(applied.sign_count(), 12);
    assert_eq!(applied.last_used_at(), Some(NOW + 5));
}

/// Mutation testing: `verify_assertion` refuses a cached key parsed for
/// another record — another credential id, or the same id with other key
/// bytes (a key replaced by another server) — with `CachedKeyMismatch`
/// before any step runs; `belongs_to` answering `true`, or needing only one
/// of the two to match, was not caught by the selected tests. The verified
/// result reports the credential, its flags and UV.
#[test]
fn cached_key_of_another_record_is_refused() {
    let (rp, mut a, rec) = registered(Alg::Es256);
    let other_id = relypass_testkit::records::with(
        &rec,
        "id",
        serde_json::json!(relypass::json::b64url(&[0xAB; 16])),
    );
    let (_, _, ed) = registered(Alg::Ed25519);
    let other_key = relypass_testkit::records::with(
        &rec,
        "public_key",
        serde_json::json!(relypass::json::b64url(ed.public_key())),
    );
    let start = |c: u8| start_discoverable(&rp, c);
    for (what, wrong) in [
        ("another credential id", &other_id),
        ("same id, other key", &other_key),
    ] {
        let key = relypass::danger::CachedKey::for_record(wrong).unwrap();
        let (options, state) = start(7);
        let resp = AuthenticationResponse::from_json(&a.authenticate(&options, &Tamper::default()))
            .unwrap();
        assert!(
            matches!(
                relypass::danger::verify_assertion(&rp, state, &resp, &rec, &key, NOW),
                Err(Error::CachedKeyMismatch)
            ),
            "{what}"
        );
    }
    let key = relypass::danger::CachedKey::for_record(&rec).unwrap();
    assert_eq!(key.credential_id(), rec.id());
    let (options, state) = start(8);
    let resp =
        AuthenticationResponse::from_json(&a.authenticate(&options, &Tamper::default())).unwrap();
    let v = relypass::danger::verify_assertion(&rp, state, &resp, &rec, &key, NOW).unwrap();
    assert_eq!(v.credential_id(), rec.id());
    assert!(v.user_verified() && v.flags().user_verified() && v.flags().user_present());
}

/// §7.2 step 22 "If authData.signCount is nonzero or credentialRecord.signCount
/// is nonzero, then run the following sub-step": a stored counter of 5 and a
/// received 0 is a counter that went backwards, refused under the default
/// (strict) policy. Mutation testing found `||` weakened to `&&` uncaught
/// (every test had both counters zero or both nonzero).
#[test]
fn auth_received_zero_after_a_nonzero_stored_counter_refused() {
    let (rp, mut a, rec) = registered(Alg::Es256);
    let rec = relypass_testkit::records::with(&rec, "sign_count", serde_json::json!(5));
    let t = Tamper {
        sign_count: Some(0),
        ..Default::default()
    };
    assert!(matches!(
        authenticate(&rp, &mut a, &rec, &t),
        Err(Error::Counter {
            stored: 5,
            received: 0
        })
    ));
}

// ---- registration: what the verified result reports ----------------------------

/// An authenticator extension map (`authData` extensions) of text keys and
/// integer values, CBOR-encoded, to follow the attested credential data.
fn extension_map(entries: &[(&str, i64)]) -> Vec<u8> {
    let map = ciborium::value::Value::Map(
        entries
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
    );
    let mut out = Vec::new();
    ciborium::ser::into_writer(&map, &mut out).unwrap();
    out
}

/// Mutation testing: a verified registration reports the authenticator's
/// flags and AAGUID, the client extension outputs untouched, the
/// authenticator's extension map, and each extension output read from them
/// (credProps.rk, credProtect, minPinLength, prf, largeBlob); with no outputs
/// each reads as absent. Every one of these accessors returning a constant
/// (`Default`, `None`, `Some(0)`, ...) was uncaught: only the `Passkeys`
/// service and its suites read them.
#[test]
fn verified_registration_reports_flags_aaguid_and_extension_outputs() {
    let rp = rp();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 5);
    let t = Tamper {
        flags: Some(common::UP | UV | AT | common::ED),
        auth_data_suffix: Some(extension_map(&[("credProtect", 3), ("minPinLength", 8)])),
        ..Default::default()
    };
    let v = register_verified_json(&rp, &mut a, &RegistrationOptions::default(), &t, |j| {
        j["clientExtensionResults"] = serde_json::json!({
            "credProps": {"rk": true},
            "prf": {"enabled": true},
            "largeBlob": {"supported": true},
        });
    })
    .unwrap();
    let flags = v.flags();
    assert!(flags.user_present() && flags.user_verified() && flags.extension_data());
    assert_eq!(v.aaguid(), relypass::Aaguid([0x42; 16]));
    assert_eq!(v.client_extension_results()["largeBlob"]["supported"], true);
    assert!(v.authenticator_extensions().is_some());
    assert_eq!(v.cred_props_rk(), Some(true));
    assert_eq!(v.cred_protect(), Some(3));
    assert_eq!(v.min_pin_length(), Some(8));
    assert_eq!(
        v.prf(),
        Some(relypass::extensions::PrfOutputs {
            enabled: Some(true),
            first: None,
            second: None,
        })
    );
    assert_eq!(
        v.large_blob(),
        Some(relypass::extensions::LargeBlobOutputs {
            supported: Some(true),
            blob: None,
            written: None,
        })
    );

    // No extension outputs at all, and a client saying the key is not resident.
    let mut b = SoftAuthenticator::new(Alg::Es256, ORIGIN, 6);
    let v = register_verified_json(
        &rp,
        &mut b,
        &RegistrationOptions::default(),
        &Tamper::default(),
        |j| j["clientExtensionResults"] = serde_json::json!({"credProps": {"rk": false}}),
    )
    .unwrap();
    assert!(!v.flags().extension_data());
    assert_eq!(v.authenticator_extensions(), None);
    assert_eq!(v.cred_props_rk(), Some(false));
    assert_eq!(v.cred_protect(), None);
    assert_eq!(v.min_pin_length(), None);
    assert_eq!(v.prf(), None);
    assert_eq!(v.large_blob(), None);
    let v = register_verified_json(
        &rp,
        &mut b,
        &RegistrationOptions::default(),
        &Tamper::default(),
        |j| j["clientExtensionResults"] = serde_json::json!({}),
    )
    .unwrap();
    assert_eq!(v.cred_props_rk(), None);
}

/// Mutation testing: the registration state reports its expiry and the
/// response the credential id it claims (`expires_at` and
/// `RegistrationResponse::credential_id` returning constants were uncaught;
/// the service reads them to expire states and to check §7.1 step 26, "the
/// credentialId is not yet registered").
#[test]
fn registration_state_and_response_report_what_was_given() {
    let rp = rp();
    let (options, state) = relypass::danger::start_registration_with(
        &rp,
        &user(),
        &[],
        &RegistrationOptions::default(),
        Challenge::from_bytes(vec![1; 32]),
        NOW,
    )
    .unwrap();
    let timeout_s = u64::from(options.timeout.unwrap()) / 1000;
    assert_eq!(state.expires_at(), NOW + timeout_s);
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 7);
    let resp = RegistrationResponse::from_json(&a.register(&options, &Tamper::default())).unwrap();
    assert_eq!(resp.credential_id(), &a.credential_id[..]);
}

/// §5.4.6 requireResidentKey: "Relying Parties SHOULD set it to true if, and
/// only if, residentKey is set to required." Mutation testing found `==`
/// turned into `!=` uncaught (no selected test read the member).
#[test]
fn require_resident_key_set_if_and_only_if_resident_key_required() {
    use relypass::json::ResidentKeyRequirement as Rk;
    let rp = rp();
    for (rk, expected) in [
        (Rk::Required, true),
        (Rk::Preferred, false),
        (Rk::Discouraged, false),
    ] {
        let opts = RegistrationOptions {
            resident_key: Some(rk),
            ..Default::default()
        };
        let (options, _) = relypass::danger::start_registration_with(
            &rp,
            &user(),
            &[],
            &opts,
            Challenge::from_bytes(vec![1; 32]),
            NOW,
        )
        .unwrap();
        let json = serde_json::to_value(&options).unwrap();
        assert_eq!(
            json["authenticatorSelection"]["requireResidentKey"], expected,
            "{rk:?}"
        );
        assert_eq!(json["authenticatorSelection"]["residentKey"], rk.as_str());
    }
}

/// §7.1 step 28, "Verify that the values of the client extension outputs …
/// and the authenticator extension outputs in the extensions in authData are
/// as expected": with `enforceCredentialProtectionPolicy`, credProtect level 3
/// requested, a missing output or level 2 is refused and level 3 accepted.
/// Mutation testing found `got < required` turned into `==`, `>` and `<=`
/// uncaught by the selected tests (the boundaries were tested only through the
/// service, in tests/lifecycle).
#[test]
fn cred_protect_enforced_at_exactly_the_requested_level() {
    use relypass::extensions::{CredProtectPolicy, RegistrationExtensions};
    let rp = rp();
    let opts = RegistrationOptions {
        extensions: Some(
            RegistrationExtensions::new()
                .cred_protect(CredProtectPolicy::UserVerificationRequired, true)
                .build(),
        ),
        ..Default::default()
    };
    let with_level = |level: Option<i64>| Tamper {
        flags: level.map(|_| common::UP | UV | AT | common::ED),
        auth_data_suffix: level.map(|l| extension_map(&[("credProtect", l)])),
        ..Default::default()
    };
    for (level, got) in [(None, None), (Some(1), Some(1)), (Some(2), Some(2))] {
        let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 8);
        assert!(
            matches!(
                register_with(&rp, &mut a, &opts, &with_level(level)),
                Err(Error::CredProtect { required: 3, got: g }) if g == got
            ),
            "{level:?}"
        );
    }
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 8);
    let v = register_verified_json(&rp, &mut a, &opts, &with_level(Some(3)), |_| {}).unwrap();
    assert_eq!(v.cred_protect(), Some(3));
}

/// §7.1 step 25, "Verify that the credentialId is ≤ 1023 bytes": an id of
/// exactly 1023 bytes registers. Mutation testing found the step's `>`
/// turned into `>=` or `==` uncaught (the parser's own bound is tested, this
/// step's was not).
#[test]
fn credential_id_of_exactly_1023_bytes_registers() {
    let rp = rp();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 9);
    a.credential_id = vec![0x5A; relypass::limits::MAX_CREDENTIAL_ID];
    let rec = register(&rp, &mut a, &Tamper::default()).unwrap();
    assert_eq!(rec.id().len(), 1023);
}

// ---- authentication: AppID, extension outputs, update -------------------------

/// §10.1.1 (FIDO AppID): "If true, the AppID was used and thus, when
/// verifying the assertion, the Relying Party MUST expect the rpIdHash to be
/// the hash of the AppID, not the RP ID." The AppID hash is accepted only when
/// the RP offered an AppID at start *and* the client reports using it.
/// Mutation testing found the match guard replaced by `true` or `false`, and
/// `VerifiedAuthentication::appid_used` by constants, uncaught.
#[test]
fn appid_hash_accepted_only_when_offered_and_used() {
    const APPID: &str = "https://example.com/u2f/appid.json";
    let (rp, mut a, rec) = registered(Alg::Es256);
    let offered = AuthenticationOptions {
        extensions: Some(
            relypass::extensions::AuthenticationExtensions::new()
                .appid(APPID)
                .build(),
        ),
        ..Default::default()
    };
    let not_offered = AuthenticationOptions::default();
    // A legacy U2F credential: the authenticator scopes it to the AppID.
    let u2f = Tamper {
        rp_id: Some(APPID.into()),
        ..Default::default()
    };
    let used = |j: &mut serde_json::Value| {
        j["clientExtensionResults"] = serde_json::json!({"appid": true});
    };
    let unused = |j: &mut serde_json::Value| {
        j["clientExtensionResults"] = serde_json::json!({"appid": false});
    };
    let v = authenticate_json(&rp, &mut a, &rec, false, &offered, &u2f, used).unwrap();
    assert!(v.appid_used());
    // Not offered at start: the client's `appid: true` changes nothing.
    assert!(matches!(
        authenticate_json(&rp, &mut a, &rec, false, &not_offered, &u2f, used),
        Err(Error::RpIdHash)
    ));
    // Offered but not used: the RP ID's hash is expected.
    assert!(matches!(
        authenticate_json(&rp, &mut a, &rec, false, &offered, &u2f, unused),
        Err(Error::RpIdHash)
    ));
    let v = authenticate_json(
        &rp,
        &mut a,
        &rec,
        false,
        &offered,
        &Tamper::default(),
        unused,
    )
    .unwrap();
    assert!(!v.appid_used());
}

/// Mutation testing: a verified sign-in reports UV as the flags say, the
/// client extension outputs untouched, the authenticator's extension map,
/// and the prf and largeBlob outputs read from them; none when there are
/// none. The update carries a backup state of false when BS is clear, and
/// applying it never clears a clone warning already on the record
/// (`|=` turned into `&=` in `apply_to` was uncaught).
#[test]
fn verified_authentication_reports_uv_and_extension_outputs() {
    let (rp, mut a, rec) = registered(Alg::Es256);
    let ext = extension_map(&[("exampleExtension", 1)]);
    let t = Tamper {
        flags: Some(common::UP | UV | common::ED),
        auth_data_suffix: Some(ext.clone()),
        ..Default::default()
    };
    let v = authenticate_json(&rp, &mut a, &rec, false, &Default::default(), &t, |j| {
        j["clientExtensionResults"] = serde_json::json!({
            "prf": {"results": {"first": "AAECAw"}},
            "largeBlob": {"blob": "AQI"},
        });
    })
    .unwrap();
    assert!(v.user_verified());
    assert_eq!(v.client_extension_results()["largeBlob"]["blob"], "AQI");
    let parsed: ciborium::value::Value = ciborium::de::from_reader(&ext[..]).unwrap();
    assert_eq!(v.authenticator_extensions(), Some(&parsed));
    assert_eq!(
        v.prf(),
        Some(relypass::extensions::PrfOutputs {
            enabled: None,
            first: Some(vec![0, 1, 2, 3]),
            second: None,
        })
    );
    assert_eq!(
        v.large_blob(),
        Some(relypass::extensions::LargeBlobOutputs {
            supported: None,
            blob: Some(vec![1, 2]),
            written: None,
        })
    );

    // UP only, UV discouraged, no outputs; the record carries a clone warning.
    a.flags = common::UP;
    let warned = relypass_testkit::records::with(&rec, "possibly_cloned", serde_json::json!(true));
    let opts = AuthenticationOptions {
        user_verification: Some(relypass::json::UserVerificationRequirement::Discouraged),
        ..Default::default()
    };
    let v = authenticate_with(&rp, &mut a, &warned, false, &opts, &Tamper::default()).unwrap();
    assert!(!v.user_verified());
    assert_eq!(v.authenticator_extensions(), None);
    assert_eq!(v.prf(), None);
    assert_eq!(v.large_blob(), None);
    assert!(!v.possibly_cloned() && !v.update().backup_state());
    let mut applied = warned.clone();
    v.apply_to(&mut applied);
    assert!(
        applied.possibly_cloned(),
        "a later good sign-in keeps the warning"
    );
}

/// Mutation testing: a challenge's base64url form is what clientDataJSON
/// carries (unpadded, URL alphabet); `to_base64url` returning constants was
/// uncaught.
#[test]
fn challenge_base64url_is_unpadded_url_alphabet() {
    assert_eq!(
        Challenge::from_bytes(vec![0xFB, 0xFF]).to_base64url(),
        "-_8"
    );
    assert_eq!(
        Challenge::from_bytes(vec![1; 32]).to_base64url(),
        "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"
    );
}

/// Mutation testing: an outcome has a trust path only when it carries
/// certificates *and* an attestation type other than `None` (a statement the
/// policy did not check keeps its certificates for logs, but nothing may
/// trust them). Every mutant of `has_trust_path` was uncaught: only the
/// attestation suites, outside the selected tests, read it.
#[test]
fn trust_path_needs_certificates_and_an_attestation_type() {
    use relypass::attestation::{AttestationOutcome, AttestationType};
    let outcome = |attestation_type, trust_path: Vec<Vec<u8>>| AttestationOutcome {
        fmt: "packed".into(),
        attestation_type,
        attested_aaguid: None,
        trust_path,
    };
    let cert = vec![vec![0x30, 0x00]];
    assert!(outcome(AttestationType::Basic, cert.clone()).has_trust_path());
    assert!(outcome(AttestationType::AttCa, cert.clone()).has_trust_path());
    assert!(!outcome(AttestationType::None, cert).has_trust_path());
    assert!(!outcome(AttestationType::Basic, Vec::new()).has_trust_path());
    assert!(!outcome(AttestationType::None, Vec::new()).has_trust_path());
}
