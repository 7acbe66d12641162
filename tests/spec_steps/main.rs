//! WebAuthn L3 §7.1 and §7.2, step by step: one table keyed by the library's
//! step ids (`relypass::internal::spec_steps`), each row a mutation of a valid
//! response, state or configuration and the `Error` it must produce.
//!
//! Three checks keep the table, the code and the spec's numbering together:
//! - `every_row_fails_its_step`: each mutation is refused with its error;
//! - `every_checked_step_has_a_row`: each step the library checks has a row, and
//!   the steps without one are the client's or the host's, or have nothing to
//!   fail (`Owner` says which, and why);
//! - `citations_in_src_agree_with_the_table` (in `citations.rs`): every
//!   `§7.x step N` in `src/` quotes the opening words of step N (or points
//!   elsewhere with `(see …)`), and each step is implemented, in a `//`
//!   comment citing it, in one place.

use relypass::attestation::{TrustMode, TrustPolicy};
use relypass::danger::Challenge;
use relypass::extensions::{CredProtectPolicy, RegistrationExtensions};
use relypass::internal::spec_steps::{Auth, Owner, Reg, Step};
use relypass::json::UserVerificationRequirement;
use relypass::{
    AuthenticationOptions, AuthenticationResponse, BackupPolicy, CoseAlgorithm, Error, MemoryStore,
    Passkeys, RegistrationOptions,
};
use relypass_testkit::ceremonies::*;

// The citation check over src/ (the third check above).
mod citations;
use relypass_testkit::soft_authenticator::{
    AT, Alg, BE, BS, SoftAuthenticator, Tamper, UP, UV, b64,
};

/// One negative test: `run` performs a ceremony with one thing wrong, which
/// `step` must refuse with an error that `expect` accepts.
struct Row {
    step: Step,
    what: &'static str,
    run: fn() -> Option<Error>,
    expect: fn(&Error) -> bool,
}

/// The error of a ceremony that must fail (`None` if it was accepted).
fn failed<T>(r: Result<T, Error>) -> Option<Error> {
    r.err()
}

macro_rules! row {
    // A registration with the default RP, the response tampered by these fields.
    ($step:expr, $what:literal, reg { $($f:ident: $v:expr),* }, $pat:pat) => {
        row!($step, $what, Some(reg_err(Tamper { $($f: $v,)* ..t() })), $pat)
    };
    // A sign-in with a fresh credential of this algorithm, tampered likewise.
    ($step:expr, $what:literal, auth($alg:ident) { $($f:ident: $v:expr),* }, $pat:pat) => {
        row!($step, $what, Some(auth_err(Alg::$alg, Tamper { $($f: $v,)* ..t() })), $pat)
    };
    ($step:expr, $what:literal, $run:expr, $pat:pat) => {
        Row {
            step: $step,
            what: $what,
            run: || $run,
            expect: |e| matches!(e, $pat),
        }
    };
}

fn t() -> Tamper {
    Tamper::default()
}

/// §7.1 step 5 / §7.2 step 8: clientDataJSON that UTF-8 decoding refuses.
fn not_utf8(v: &mut serde_json::Value) {
    v["response"]["clientDataJSON"] = b64(&[0x7b, 0xff, 0x7d]).into();
}

/// §7.1 step 6 / §7.2 step 9: clientDataJSON that is JSON but no object.
fn not_an_object(v: &mut serde_json::Value) {
    v["response"]["clientDataJSON"] = b64(b"[1]").into();
}

/// A registration with the default RP, its response JSON edited by `edit`.
fn reg_json(edit: fn(&mut serde_json::Value)) -> Option<Error> {
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 4);
    failed(register_json(
        &rp(),
        &mut a,
        &Default::default(),
        &t(),
        edit,
    ))
}

/// A registration with the RP configured by `f`, tampered by `tamper`.
fn reg_on(
    f: fn(relypass::RelyingPartyBuilder) -> relypass::RelyingPartyBuilder,
    alg: Alg,
    tamper: Tamper,
) -> Option<Error> {
    let mut a = SoftAuthenticator::new(alg, ORIGIN, 4);
    failed(register(&rp_with(f), &mut a, &tamper))
}

/// A sign-in with a fresh ES256 credential, its response JSON edited by `edit`.
fn auth_json(edit: fn(&mut serde_json::Value)) -> Option<Error> {
    let (rp, mut a, rec) = registered(Alg::Es256);
    failed(authenticate_json(
        &rp,
        &mut a,
        &rec,
        false,
        &Default::default(),
        &t(),
        edit,
    ))
}

/// A sign-in at an RP configured by `f` (same RP ID), tampered by `tamper`.
fn auth_on(
    f: fn(relypass::RelyingPartyBuilder) -> relypass::RelyingPartyBuilder,
    tamper: Tamper,
) -> Option<Error> {
    let (_, mut a, rec) = registered(Alg::Es256);
    failed(authenticate(&rp_with(f), &mut a, &rec, &tamper))
}

/// A discoverable sign-in (no user named before), tampered by `tamper`.
fn auth_discoverable(tamper: Tamper) -> Option<Error> {
    let (rp, mut a, rec) = registered(Alg::Es256);
    failed(authenticate_with(
        &rp,
        &mut a,
        &rec,
        true,
        &Default::default(),
        &tamper,
    ))
}

/// A sign-in whose state lists `listed` as allowCredentials and whose
/// response names credential `record_id` in the record handed to `finish`.
fn auth_with_ids(listed: Option<Vec<u8>>, record_id: Option<Vec<u8>>) -> Option<Error> {
    let (rp, mut a, rec) = registered(Alg::Es256);
    let with_id = |id: Vec<u8>| {
        let id = serde_json::json!(relypass::json::Base64Url::from(id));
        relypass_testkit::records::with(&rec, "id", id)
    };
    let creds = [listed.map_or_else(|| rec.clone(), with_id)];
    let (options, state) = relypass::danger::start_authentication_with(
        &rp,
        Some((rec.user_handle(), &creds[..])),
        &Default::default(),
        Challenge::from_bytes(vec![2; 32]),
        NOW,
    )
    .unwrap();
    let resp = AuthenticationResponse::from_json(&a.authenticate(&options, &t())).unwrap();
    let record = record_id.map_or_else(|| rec.clone(), with_id);
    failed(relypass::danger::finish_authentication_at(
        &rp, state, &resp, &record, NOW,
    ))
}

/// The same authenticator registers twice through the store-backed service,
/// ignoring excludeCredentials the second time.
fn register_twice() -> Option<Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let pk = Passkeys::new(rp(), MemoryStore::new());
        let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 9);
        for _ in 0..2 {
            let (options, ceremony) = pk
                .start_registration(&user(), &Default::default())
                .await
                .unwrap();
            let json = a.register(&options, &t());
            if let Err(e) = pk.finish_registration(&ceremony, &json).await {
                return Some(e);
            }
        }
        None
    })
}

fn rows() -> Vec<Row> {
    use Auth as A;
    use Reg as R;
    use Step::{Auth as S2, Reg as S1};
    vec![
        // ---- §7.1 Registering a New Credential ----
        row!(
            S1(R::ResponseType),
            "type is not public-key",
            reg {
                credential_type: Some("password".into())
            },
            Error::CredentialType
        ),
        row!(
            S1(R::Utf8Decode),
            "clientDataJSON is not UTF-8",
            reg_json(not_utf8),
            Error::Malformed { .. }
        ),
        row!(
            S1(R::ParseClientData),
            "clientDataJSON is not a JSON object",
            reg_json(not_an_object),
            Error::Malformed { .. }
        ),
        row!(
            S1(R::ClientDataType),
            "C.type is webauthn.get",
            reg {
                client_data_type: Some("webauthn.get".into())
            },
            Error::ClientDataType { .. }
        ),
        row!(
            S1(R::Challenge),
            "C.challenge is another challenge",
            reg {
                challenge: Some("AAAA".into())
            },
            Error::Challenge
        ),
        row!(
            S1(R::Origin),
            "C.origin is another site",
            reg {
                origin: Some("https://evil.example.net".into())
            },
            Error::Origin { .. }
        ),
        row!(
            S1(R::Origin),
            "C.origin shares a suffix without a dot boundary",
            reg {
                origin: Some("https://evillogin.example.com".into())
            },
            Error::Origin { .. }
        ),
        row!(
            S1(R::CrossOrigin),
            "C.crossOrigin is true, no iframes expected",
            reg {
                cross_origin: Some(true)
            },
            Error::CrossOrigin
        ),
        row!(
            S1(R::TopOrigin),
            "C.topOrigin is not an expected embedder",
            reg_on(
                |b| b
                    .allow_cross_origin(true)
                    .top_origin("https://shop.example.net"),
                Alg::Es256,
                Tamper {
                    cross_origin: Some(true),
                    top_origin: Some("https://evil.example.org".into()),
                    ..t()
                },
            ),
            Error::TopOrigin { .. }
        ),
        row!(
            S1(R::DecodeAttestationObject),
            "attestationObject is not CBOR",
            reg_json(|v| v["response"]["attestationObject"] = b64(&[0xff, 0x00]).into()),
            Error::Malformed { .. }
        ),
        row!(
            S1(R::RpIdHash),
            "rpIdHash of another RP ID",
            reg {
                rp_id: Some("example.org".into())
            },
            Error::RpIdHash
        ),
        row!(
            S1(R::UserPresent),
            "UP clear (not a conditional create)",
            reg {
                flags: Some(UV | AT)
            },
            Error::UserNotPresent
        ),
        row!(
            S1(R::UserVerified),
            "UV clear, UV required",
            {
                let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 4);
                let opts = RegistrationOptions {
                    user_verification: Some(UserVerificationRequirement::Required),
                    ..Default::default()
                };
                let tamper = Tamper {
                    flags: Some(UP | AT),
                    ..t()
                };
                failed(register_with(&rp(), &mut a, &opts, &tamper))
            },
            Error::UserNotVerified
        ),
        row!(
            S1(R::BackupStateWithoutEligibility),
            "BS set, BE clear",
            reg {
                flags: Some(UP | UV | AT | BS)
            },
            Error::BackupStateWithoutEligibility
        ),
        row!(
            S1(R::BackupEligibility),
            "BE set, the RP requires device-bound keys",
            reg_on(
                |b| b.backup_policy(BackupPolicy::RequireDeviceBound),
                Alg::Es256,
                Tamper {
                    flags: Some(UP | UV | AT | BE),
                    ..t()
                },
            ),
            Error::BackupNotAllowed { .. }
        ),
        row!(
            S1(R::BackupState),
            "BS set, the RP refuses backed-up keys",
            reg_on(
                |b| b.backup_policy(BackupPolicy::RefuseBackedUp),
                Alg::Es256,
                Tamper {
                    flags: Some(UP | UV | AT | BE | BS),
                    ..t()
                },
            ),
            Error::BackupNotAllowed { .. }
        ),
        row!(
            S1(R::Algorithm),
            "Ed25519 key, only ES256 offered",
            reg_on(|b| b.algorithms([CoseAlgorithm::ES256]), Alg::Ed25519, t()),
            Error::UnsupportedAlgorithm(_)
        ),
        row!(
            S1(R::Algorithm),
            "no attested credential data, so no key to check",
            reg {
                flags: Some(UP | UV)
            },
            Error::MissingAttestedCredentialData
        ),
        row!(
            S1(R::AttestationFormat),
            "fmt is no registered format",
            reg_on(
                |b| b.trust_policy(TrustPolicy {
                    mode: TrustMode::Any,
                    ..Default::default()
                }),
                Alg::Es256,
                Tamper {
                    fmt: Some("made-up".into()),
                    ..t()
                },
            ),
            Error::UnsupportedAttestationFormat(_)
        ),
        // §8.7: a `none` statement is the empty map; the one format where
        // unused members are not ignored (attestation module docs).
        row!(
            S1(R::AttestationStatement),
            "a none statement with a member",
            reg {
                att_stmt: Some(vec![(
                    ciborium::value::Value::Text("sig".into()),
                    ciborium::value::Value::Bytes(vec![1]),
                )])
            },
            Error::Attestation { format: "none", .. }
        ),
        row!(
            S1(R::Trustworthiness),
            "none attestation, the RP requires trusted",
            reg_on(
                |b| b.trust_policy(TrustPolicy {
                    mode: TrustMode::Trusted,
                    ..Default::default()
                }),
                Alg::Es256,
                t(),
            ),
            Error::AttestationNotTrusted(_)
        ),
        row!(
            S1(R::CredentialIdLength),
            "a 1024-byte credential id",
            {
                let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 4);
                a.credential_id = vec![0x5a; 1024];
                failed(register(&rp(), &mut a, &t()))
            },
            Error::CredentialIdTooLong { len: 1024 }
        ),
        row!(
            S1(R::CredentialIdUnused),
            "the same credential id registered again",
            register_twice(),
            Error::CredentialAlreadyRegistered
        ),
        row!(
            S1(R::Extensions),
            "credProtect enforced, no credProtect output",
            {
                let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 4);
                let opts = RegistrationOptions {
                    extensions: Some(
                        RegistrationExtensions::new()
                            .cred_protect(CredProtectPolicy::UserVerificationRequired, true)
                            .build(),
                    ),
                    ..Default::default()
                };
                failed(register_with(&rp(), &mut a, &opts, &t()))
            },
            Error::CredProtect {
                required: 3,
                got: None
            }
        ),
        // ---- §7.2 Verifying an Authentication Assertion ----
        row!(
            S2(A::ResponseType),
            "type is not public-key",
            auth(Es256) { credential_type: Some("password".into()) },
            Error::CredentialType
        ),
        row!(
            S2(A::AllowCredentials),
            "credential not in allowCredentials",
            auth_with_ids(Some(vec![0xee; 16]), None),
            Error::UnknownCredential
        ),
        row!(
            S2(A::IdentifyUser),
            "the record handed in is another credential's",
            auth_with_ids(None, Some(vec![0xee; 16])),
            Error::UnknownCredential
        ),
        row!(
            S2(A::IdentifyUser),
            "named user, userHandle of someone else",
            auth(Es256) { user_handle: Some(Some(vec![1; 16])) },
            Error::CredentialNotOwned
        ),
        row!(
            S2(A::IdentifyUser),
            "discoverable, userHandle of someone else",
            auth_discoverable(Tamper {
                user_handle: Some(Some(vec![1; 16])),
                ..t()
            }),
            Error::CredentialNotOwned
        ),
        row!(
            S2(A::IdentifyUser),
            "discoverable, no userHandle",
            auth_discoverable(Tamper {
                user_handle: Some(None),
                ..t()
            }),
            Error::MissingUserHandle
        ),
        row!(
            S2(A::Utf8Decode),
            "clientDataJSON is not UTF-8",
            auth_json(not_utf8),
            Error::Malformed { .. }
        ),
        row!(
            S2(A::ParseClientData),
            "clientDataJSON is not a JSON object",
            auth_json(not_an_object),
            Error::Malformed { .. }
        ),
        row!(
            S2(A::ClientDataType),
            "C.type is webauthn.create",
            auth(Es256) { client_data_type: Some("webauthn.create".into()) },
            Error::ClientDataType { .. }
        ),
        row!(
            S2(A::Challenge),
            "C.challenge is another challenge",
            auth(Es256) { challenge: Some("AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=".into()) },
            Error::Challenge
        ),
        row!(
            S2(A::Origin),
            "C.origin has another port",
            auth(Es256) { origin: Some("https://login.example.com:8443".into()) },
            Error::Origin { .. }
        ),
        row!(
            S2(A::Origin),
            "C.origin has a path",
            auth(Es256) { origin: Some("https://login.example.com/".into()) },
            Error::Origin { .. }
        ),
        row!(
            S2(A::CrossOrigin),
            "C.crossOrigin is true, no iframes expected",
            auth(Es256) { cross_origin: Some(true) },
            Error::CrossOrigin
        ),
        row!(
            S2(A::TopOrigin),
            "C.topOrigin is not an expected embedder",
            auth_on(
                |b| b
                    .allow_cross_origin(true)
                    .top_origin("https://shop.example.net"),
                Tamper {
                    cross_origin: Some(true),
                    top_origin: Some("https://evil.example.org".into()),
                    ..t()
                },
            ),
            Error::TopOrigin { .. }
        ),
        row!(
            S2(A::RpIdHash),
            "rpIdHash of a subdomain",
            auth(Es256) { rp_id: Some("login.example.com".into()) },
            Error::RpIdHash
        ),
        row!(
            S2(A::UserPresent),
            "UP clear",
            auth(Es256) { flags: Some(UV) },
            Error::UserNotPresent
        ),
        row!(
            S2(A::UserVerified),
            "UV clear, UV required",
            {
                let (rp, mut a, rec) = registered(Alg::Es256);
                let opts = AuthenticationOptions {
                    user_verification: Some(UserVerificationRequirement::Required),
                    ..Default::default()
                };
                let tamper = Tamper {
                    flags: Some(UP),
                    ..t()
                };
                failed(authenticate_with(&rp, &mut a, &rec, false, &opts, &tamper))
            },
            Error::UserNotVerified
        ),
        row!(
            S2(A::BackupStateWithoutEligibility),
            "BS set, BE clear",
            auth(Es256) { flags: Some(UP | UV | BS) },
            Error::BackupStateWithoutEligibility
        ),
        row!(
            S2(A::BackupEligibility),
            "BE set, the record says not eligible",
            auth(Es256) { flags: Some(UP | UV | BE) },
            Error::BackupEligibilityChanged
        ),
        row!(
            S2(A::BackupEligibility),
            "BS set, the RP's policy refuses backed-up keys",
            auth_on(
                |b| b.backup_policy(BackupPolicy::RefuseBackedUp),
                Tamper {
                    flags: Some(UP | UV | BE | BS),
                    ..t()
                },
            ),
            Error::BackupNotAllowed { .. }
        ),
        row!(
            S2(A::Signature),
            "ES256 signature with one bit flipped",
            auth(Es256) { corrupt_signature: true },
            Error::Signature
        ),
        row!(
            S2(A::Signature),
            "Ed25519 signature with one bit flipped",
            auth(Ed25519) { corrupt_signature: true },
            Error::Signature
        ),
        row!(
            S2(A::Signature),
            "RS256 signature with one bit flipped",
            auth(Rs256) { corrupt_signature: true },
            Error::Signature
        ),
        row!(
            S2(A::SignCount),
            "the counter did not advance (strict policy)",
            {
                let (rp, mut a, rec) = registered(Alg::Es256);
                let rec =
                    relypass_testkit::records::with(&rec, "sign_count", serde_json::json!(10));
                failed(authenticate(
                    &rp,
                    &mut a,
                    &rec,
                    &Tamper {
                        sign_count: Some(10),
                        ..t()
                    },
                ))
            },
            Error::Counter {
                stored: 10,
                received: 10
            }
        ),
    ]
}

#[test]
fn every_row_fails_its_step() {
    let mut wrong = Vec::new();
    for row in rows() {
        let cite = row.step.spec().cite();
        match (row.run)() {
            Some(e) if (row.expect)(&e) => {}
            Some(e) => wrong.push(format!("{cite} ({}): got {e:?}", row.what)),
            None => wrong.push(format!("{cite} ({}): accepted", row.what)),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_checked_step_has_a_row() {
    let rows = rows();
    for step in Step::all() {
        let spec = step.spec();
        let has_row = rows.iter().any(|r| r.step == step);
        match spec.owner {
            Owner::Library => assert!(has_row, "no negative test for {}", spec.cite()),
            Owner::NoCheck(why) | Owner::Client(why) | Owner::Host(why) => {
                assert!(!why.is_empty(), "{}", spec.cite());
                assert!(
                    !has_row,
                    "{} is not the library's check: {why}",
                    spec.cite()
                );
            }
        }
    }
}
