//! Ceremony benchmarks: `cargo bench -p relypass-benches --bench ceremony`.
//!
//! Groups (see benches/README.md for the measured table):
//! - `finish_authentication/{es256,ed25519,rs256}`: response JSON → verified update
//!   (`AuthenticationResponse::from_json` + `finish_authentication_at`, which also
//!   parses the stored COSE key);
//! - `finish_authentication_cached_key/...`: the same with the stored key parsed
//!   once (`verify_assertion`), as a host caching keys would run it;
//! - `raw_verify/...`: the signature check alone on the same bytes, twice: through
//!   `relypass::internal::signature::verify` (the backend in use, including DER decoding and
//!   hashing) and straight through the crypto crate (p256 `verify_prehash`,
//!   ed25519-dalek `verify_strict`, rsa PKCS#1 v1.5 `verify`), so ceremony
//!   overhead reads as a ratio;
//! - webauthn-rs-core 0.6 on the same fixtures is the separate crate
//!   `benches/webauthn-rs/` (its dependencies cannot share our graph);
//! - `finish_registration/...`: `none` from the software authenticator, and one
//!   conformance vector per attestation format (verified under
//!   [`FORMAT_TRUST`]);
//! - `parse/...`: clientDataJSON, authenticatorData and COSE key parsing alone,
//!   and the response JSON beside two serde_json reference rows;
//! - `digest/sha256/client_data_json`: the hash every sign-in must take.

use relypass_testkit::soft_authenticator as common;

use common::{Alg, SoftAuthenticator, Tamper};
use criterion::{BatchSize, Criterion, criterion_group};
use relypass::attestation::{TrustMode, TrustPolicy};
use relypass::danger::{AuthenticationState, Challenge, RegistrationState};
use relypass::internal::authenticator_data::AuthenticatorData;
use relypass::internal::client_data::CollectedClientData;
use relypass::internal::cose::{CoseAlgorithm, CredentialPublicKey, PublicKey};
use relypass::json::{UserVerificationRequirement, b64url_decode};
use relypass::{
    AuthenticationOptions, AuthenticationResponse, CredentialRecord, CredentialState,
    RegistrationOptions, RegistrationResponse, RelyingParty, User, UserHandle,
};
use sha2::{Digest, Sha256};
use std::hint::black_box;
use std::time::Duration;

/// Trust mode for the attestation-format registration benches. `None` while the
/// packed / tpm / android-key / apple verifiers have not landed (every statement
/// is then accepted unchecked, so those rows measure parsing only); switch to
/// `TrustMode::Any` once they have, to measure statement verification.
const FORMAT_TRUST: TrustMode = TrustMode::Any;

const ORIGIN: &str = "https://login.example.com";
const RP_ID: &str = "example.com";
const NOW: u64 = 1_800_000_000;

fn rp() -> RelyingParty {
    RelyingParty::builder(RP_ID, "Example")
        .origin(ORIGIN)
        .algorithms([
            CoseAlgorithm::ES256,
            CoseAlgorithm::EdDSA,
            CoseAlgorithm::RS256,
        ])
        .build()
        .expect("valid RP")
}

fn user() -> User {
    User {
        handle: UserHandle::new(vec![7; 16]).expect("valid handle"),
        name: "alice".into(),
        display_name: "Alice".into(),
    }
}

/// One stored credential and one assertion over it, as the browser sends it,
/// from `benches/fixtures/` (the webauthn-rs-core comparison reads the same files).
struct AuthCase {
    name: &'static str,
    rp: RelyingParty,
    record: CredentialRecord,
    /// The state between start and finish, serialized: states are not `Clone`,
    /// so each timed run restores its own (in the untimed setup).
    state: Vec<u8>,
    response_json: String,
    /// The signed message parts and signature, for the raw verification rows.
    auth_data: Vec<u8>,
    client_data_json: Vec<u8>,
    signature: Vec<u8>,
}

fn auth_case(name: &'static str, text: &str) -> AuthCase {
    let case: serde_json::Value = serde_json::from_str(text).expect("fixture JSON");
    let rp = RelyingParty::builder(case["rp"]["id"].as_str().expect("rp id"), "Example")
        .origin(case["rp"]["origins"][0].as_str().expect("origin"))
        .build()
        .expect("valid RP");
    let b64 = |v: &serde_json::Value| v.as_str().and_then(b64url_decode).expect("base64url");
    let cred = &case["credential"];
    let public_key = b64(&cred["public_key"]);
    let handle = UserHandle::new(b64(&cred["user_handle"])).expect("handle");
    let record = serde_json::from_value::<CredentialRecord>(serde_json::json!({
        "id": relypass::json::Base64Url::from(b64(&cred["id"])),
        "user_handle": handle,
        "algorithm": CredentialPublicKey::from_cose_bytes(&public_key)
            .expect("key")
            .algorithm(),
        "public_key": relypass::json::Base64Url::from(public_key.clone()),
        "sign_count": cred["sign_count"].as_u64().expect("counter") as u32,
        "backup_eligible": cred["backup_eligible"].as_bool().expect("BE"),
        "backup_state": false,
        "user_verified": true,
        "transports": [],
        "aaguid": relypass::Aaguid::ZERO,
        "attestation_format": "none",
        "attestation_type": relypass::attestation::AttestationType::None,
        "discoverable": null,
        "created_at": NOW,
        "last_used_at": null,
        "name": null,
        "state": CredentialState::Active,
        "state_changed_at": NOW,
        "possibly_cloned": false,
    }))
    .expect("record");
    let creds = [record.clone()];
    let (_, state) = relypass::danger::start_authentication_with(
        &rp,
        Some((&handle, &creds[..])),
        &AuthenticationOptions::default(),
        Challenge::from_bytes(b64(&case["challenge"])),
        NOW,
    )
    .expect("start authentication");
    let r = &case["response"]["response"];
    AuthCase {
        name,
        rp,
        record,
        state: state.into_bytes(),
        auth_data: b64(&r["authenticatorData"]),
        client_data_json: b64(&r["clientDataJSON"]),
        signature: b64(&r["signature"]),
        response_json: case["response"].to_string(),
    }
}

fn auth_cases() -> [AuthCase; 3] {
    [
        auth_case("es256", include_str!("fixtures/authentication-es256.json")),
        auth_case(
            "ed25519",
            include_str!("fixtures/authentication-ed25519.json"),
        ),
        auth_case("rs256", include_str!("fixtures/authentication-rs256.json")),
    ]
}

fn bench_authentication(c: &mut Criterion) {
    let cases = auth_cases();

    let mut g = c.benchmark_group("finish_authentication");
    for case in &cases {
        // The response must verify, or the bench would time an early exit.
        case.sign_in(case.state(), None);
        g.bench_function(case.name, |b| {
            b.iter_batched(
                || case.state(),
                |state| case.sign_in(state, None),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();

    // The same, with the stored key parsed once and cached by the host
    // (`verify_assertion`): what the ceremony adds beyond the signature itself.
    let mut g = c.benchmark_group("finish_authentication_cached_key");
    for case in &cases {
        let key = relypass::danger::CachedKey::for_record(&case.record).expect("stored key");
        g.bench_function(case.name, |b| {
            b.iter_batched(
                || case.state(),
                |state| case.sign_in(state, Some(&key)),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();

    let mut g = c.benchmark_group("raw_verify");
    for case in &cases {
        let key =
            CredentialPublicKey::from_cose_bytes(case.record.public_key()).expect("stored key");
        let cd_hash = Sha256::digest(&case.client_data_json);
        let parts: [&[u8]; 2] = [&case.auth_data, cd_hash.as_slice()];
        // Through relypass's signature module: the backend in use.
        relypass::internal::signature::verify(&key, &parts, &case.signature).expect("verifies");
        g.bench_function(format!("{}/relypass_signature", case.name), |b| {
            b.iter(|| {
                relypass::internal::signature::verify(
                    black_box(&key),
                    black_box(&parts),
                    &case.signature,
                )
            })
        });
        // Straight through the crypto crate, with decoding and hashing done ahead.
        let msg = [case.auth_data.as_slice(), cd_hash.as_slice()].concat();
        match key.key() {
            PublicKey::P256(vk) => {
                use p256::ecdsa::signature::hazmat::PrehashVerifier;
                let sig = p256::ecdsa::Signature::from_der(&case.signature).expect("DER");
                let prehash = Sha256::digest(&msg);
                vk.verify_prehash(&prehash, &sig).expect("verifies");
                g.bench_function(format!("{}/p256_verify_prehash", case.name), |b| {
                    b.iter(|| vk.verify_prehash(black_box(&prehash), black_box(&sig)))
                });
            }
            PublicKey::Ed25519(vk) => {
                let sig = ed25519_dalek::Signature::from_slice(&case.signature).expect("64 bytes");
                vk.verify_strict(&msg, &sig).expect("verifies");
                g.bench_function(format!("{}/ed25519_dalek_verify_strict", case.name), |b| {
                    b.iter(|| vk.verify_strict(black_box(&msg), black_box(&sig)))
                });
            }
            PublicKey::Rsa(k) => {
                let hashed = Sha256::digest(&msg);
                let scheme = || rsa::Pkcs1v15Sign::new::<sha2::Sha256>();
                k.verify(scheme(), &hashed, &case.signature)
                    .expect("verifies");
                g.bench_function(format!("{}/rsa_pkcs1v15_verify", case.name), |b| {
                    b.iter(|| k.verify(scheme(), black_box(&hashed), black_box(&case.signature)))
                });
            }
            _ => unreachable!("only the three algorithms above are benchmarked"),
        }
    }
    g.finish();
}

/// A registration from a conformance vector, with the RP it describes.
impl AuthCase {
    /// One timed sign-in: the response JSON parsed, then the ceremony, with
    /// the stored key parsed per call (`key: None`, `finish_authentication_at`)
    /// or parsed once and cached (`verify_assertion`, as `Passkeys` does).
    fn sign_in(
        &self,
        state: AuthenticationState,
        key: Option<&relypass::danger::CachedKey>,
    ) -> relypass::VerifiedAuthentication {
        let resp = AuthenticationResponse::from_json(black_box(&self.response_json)).expect("JSON");
        match key {
            Some(key) => {
                relypass::danger::verify_assertion(&self.rp, state, &resp, &self.record, key, NOW)
            }
            None => relypass::danger::finish_authentication_at(
                &self.rp,
                state,
                &resp,
                &self.record,
                NOW,
            ),
        }
        .expect("verifies")
    }
    fn state(&self) -> AuthenticationState {
        AuthenticationState::from_bytes(&self.state).expect("state")
    }
}

impl RegCase {
    fn state(&self) -> RegistrationState {
        RegistrationState::from_bytes(&self.state).expect("state")
    }
}

struct RegCase {
    name: String,
    rp: RelyingParty,
    /// Serialized, like `AuthCase::state`.
    state: Vec<u8>,
    response: String,
    now: u64,
}

fn reg_case_from_vector(path: &str, text: &str) -> RegCase {
    let case: serde_json::Value = serde_json::from_str(text).expect("case JSON");
    let mut b = RelyingParty::builder(case["rp"]["id"].as_str().expect("rp id"), "Bench");
    for o in case["rp"]["origins"].as_array().into_iter().flatten() {
        b = b.origin(o.as_str().expect("origin"));
    }
    if let Some(algs) = case["policy"]["allowed_algorithms"].as_array() {
        b = b.algorithms(
            algs.iter()
                .filter_map(serde_json::Value::as_i64)
                .map(CoseAlgorithm::from_i64),
        );
    }
    // The vector's own policy: its UV flag decides, not the library's
    // default (Required since 0.2), or UV-less vectors would not verify and
    // their rows would be skipped.
    b = b.user_verification(
        if case["policy"]["user_verification"].as_str() == Some("required") {
            UserVerificationRequirement::Required
        } else {
            UserVerificationRequirement::Preferred
        },
    );
    let rp = b
        .trust_policy(TrustPolicy {
            mode: FORMAT_TRUST,
            ..TrustPolicy::default()
        })
        .build()
        .expect("RP");
    let challenge = case["challenge"]
        .as_str()
        .and_then(b64url_decode)
        .expect("challenge");
    let now = case["now"].as_u64().unwrap_or(NOW);
    let (_, state) = relypass::danger::start_registration_with(
        &rp,
        &user(),
        &[],
        &RegistrationOptions::default(),
        Challenge::from_bytes(challenge),
        now,
    )
    .expect("start");
    RegCase {
        name: path.to_owned(),
        rp,
        state: state.into_bytes(),
        response: case["response"].to_string(),
        now,
    }
}

macro_rules! vector {
    ($name:literal, $path:literal) => {
        (
            $name,
            include_str!(concat!("../test-vectors/conformance/vectors/", $path)),
        )
    };
}

fn bench_registration(c: &mut Criterion) {
    let mut cases = Vec::new();
    // `none` from the software authenticator (ES256), same RP as the sign-in rows.
    {
        let rp = rp();
        let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 6);
        let (opts, state) = relypass::danger::start_registration_with(
            &rp,
            &user(),
            &[],
            &RegistrationOptions::default(),
            Challenge::from_bytes(vec![1; 32]),
            NOW,
        )
        .expect("start");
        cases.push(RegCase {
            name: "none/soft-es256".into(),
            response: a.register(&opts, &Tamper::default()),
            rp,
            state: state.into_bytes(),
            now: NOW,
        });
    }
    for (name, text) in [
        vector!("none/w3c-es256", "none/w3c-none-es256.json"),
        vector!("packed-self/w3c-es256", "packed/w3c-packed-self-es256.json"),
        vector!(
            "packed-full/yubikey5nfc",
            "packed/yubikey5nfc-demo-yubico.json"
        ),
        vector!(
            "tpm/windows-hello-rs256",
            "tpm/windows-hello-surface-pro-4-rs256.json"
        ),
        vector!("android-key/pixel-8a", "android-key/pixel-8a-2025.json"),
        vector!("apple/iphone-2021", "apple/iphone-passkey-2021.json"),
    ] {
        cases.push(reg_case_from_vector(name, text));
    }

    let mut g = c.benchmark_group("finish_registration");
    for case in &cases {
        let check = RegistrationResponse::from_json(&case.response).expect("JSON");
        if let Err(e) =
            relypass::danger::finish_registration_at(&case.rp, case.state(), &check, case.now)
        {
            eprintln!(
                "finish_registration/{}: does not verify ({e}), skipped",
                case.name
            );
            continue;
        }
        g.bench_function(&case.name, |b| {
            b.iter_batched(
                || case.state(),
                |state| {
                    let resp =
                        RegistrationResponse::from_json(black_box(&case.response)).expect("JSON");
                    relypass::danger::finish_registration_at(&case.rp, state, &resp, case.now)
                        .expect("verifies")
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn bench_parsing(c: &mut Criterion) {
    let [es, _, _] = auth_cases();
    let rs_key = {
        let a = SoftAuthenticator::new(Alg::Rs256, ORIGIN, 5);
        a.key.cose_public_key()
    };
    // Registration authData (with attested credential data and the COSE key).
    let reg_auth_data = {
        let rp = rp();
        let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 7);
        let (opts, _) = relypass::danger::start_registration_with(
            &rp,
            &user(),
            &[],
            &RegistrationOptions::default(),
            Challenge::from_bytes(vec![1; 32]),
            NOW,
        )
        .expect("start");
        let v: serde_json::Value =
            serde_json::from_str(&a.register(&opts, &Tamper::default())).expect("JSON");
        let att = v["response"]["attestationObject"]
            .as_str()
            .and_then(b64url_decode)
            .expect("attestation object");
        relypass::internal::attestation::AttestationObject::parse(&att)
            .expect("parses")
            .auth_data()
            .to_vec()
    };
    let mut g = c.benchmark_group("parse");
    g.bench_function("client_data_json", |b| {
        b.iter(|| CollectedClientData::parse(black_box(&es.client_data_json)).expect("parses"))
    });
    g.bench_function("authenticator_data/assertion", |b| {
        b.iter(|| AuthenticatorData::parse(black_box(&es.auth_data)).expect("parses"))
    });
    g.bench_function("authenticator_data/attested_es256", |b| {
        b.iter(|| AuthenticatorData::parse(black_box(&reg_auth_data)).expect("parses"))
    });
    g.bench_function("cose_key/es256", |b| {
        b.iter(|| {
            CredentialPublicKey::from_cose_bytes(black_box(es.record.public_key())).expect("parses")
        })
    });
    g.bench_function("cose_key/rs256", |b| {
        b.iter(|| CredentialPublicKey::from_cose_bytes(black_box(&rs_key)).expect("parses"))
    });
    g.bench_function("authentication_response_json", |b| {
        b.iter(|| AuthenticationResponse::from_json(black_box(&es.response_json)).expect("parses"))
    });
    // Two reference rows for the one above, on the same bytes: serde_json into
    // borrowed `&str` members (no copy, no escape handling, no decode: less
    // than the reader must do), then the same with the five base64url members
    // decoded into one buffer by the decoder the reader uses. They say what
    // the row above would cost with a mainstream JSON parser in its place.
    g.bench_function("authentication_response_json/serde_json_borrowed", |b| {
        b.iter(|| {
            serde_json::from_str::<BorrowedResponse>(black_box(&es.response_json)).expect("parses")
        })
    });
    g.bench_function(
        "authentication_response_json/serde_json_borrowed_decoded",
        |b| {
            b.iter(|| {
                let r: BorrowedResponse =
                    serde_json::from_str(black_box(&es.response_json)).expect("parses");
                let mut buf = Vec::with_capacity(r.len_hint());
                for member in r.base64_members() {
                    base64_simd::URL_SAFE_NO_PAD
                        .decode_append(member, &mut buf)
                        .expect("base64url");
                }
                buf
            })
        },
    );
    let (name, text) = vector!("packed-self/w3c-es256", "packed/w3c-packed-self-es256.json");
    let packed = reg_case_from_vector(name, text);
    g.bench_function("registration_response_json/packed-self", |b| {
        b.iter(|| RegistrationResponse::from_json(black_box(&packed.response)).expect("parses"))
    });
    g.finish();
    // The hash §7.2 requires of every sign-in, on the same clientDataJSON: a
    // part of the sign-in's overhead that no reader can lower.
    let mut g = c.benchmark_group("digest");
    g.bench_function("sha256/client_data_json", |b| {
        b.iter(|| Sha256::digest(black_box(&es.client_data_json)))
    });
    g.finish();
}

/// The sign-in response as serde_json reads it with every string borrowed:
/// the reference rows `parse/authentication_response_json/serde_json_*`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // read by serde only: what is parsed, not what is used
struct BorrowedResponse<'a> {
    id: &'a str,
    raw_id: &'a str,
    #[serde(rename = "type")]
    type_: &'a str,
    #[serde(borrow)]
    response: BorrowedAssertion<'a>,
    #[serde(default)]
    authenticator_attachment: Option<&'a str>,
    #[serde(default)]
    client_extension_results: serde::de::IgnoredAny,
}

/// `response` of [`BorrowedResponse`].
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct BorrowedAssertion<'a> {
    #[serde(rename = "clientDataJSON")]
    client_data_json: &'a str,
    authenticator_data: &'a str,
    signature: &'a str,
    #[serde(default)]
    user_handle: Option<&'a str>,
}

impl BorrowedResponse<'_> {
    /// The base64url members the reader decodes: rawId and the four of
    /// `response` (`id` is the same text as `rawId`).
    fn base64_members(&self) -> impl Iterator<Item = &[u8]> {
        let r = &self.response;
        [
            self.raw_id,
            r.client_data_json,
            r.authenticator_data,
            r.signature,
        ]
        .into_iter()
        .chain(r.user_handle)
        .map(str::as_bytes)
    }

    /// Room for every decoded member, as the reader reserves it.
    fn len_hint(&self) -> usize {
        self.base64_members()
            .map(|m| base64_simd::URL_SAFE_NO_PAD.estimated_decoded_length(m.len()))
            .sum()
    }
}

/// Where in the stack a timed pair runs. An Ed25519 verify's speed depends on
/// the address of its stack frame within a 4 KiB page (most likely 4 KiB
/// aliasing between its stack-held tables and other addresses with the same
/// low twelve bits), and the ceremony reaches `verify_strict` from a deeper
/// frame than the bare check does. One binary under `setarch -R`, its stack
/// moved only by the size of the environment, read the Ed25519 overhead row
/// as anything from −11.5 % to +11.4 % by where the stack started, each
/// figure repeating to ±0.1 % (benches/README.md). ASLR moves the stack by a
/// multiple of 16 bytes per process, hence rows that never repeated between
/// processes. Measuring at one position measures that position; each pair
/// here runs at the next of 256 positions spread over a page instead, so a row
/// is the ceremony's cost over all of them (the effect of environment size on
/// measurements is Mytkowicz et al., "Producing wrong data without doing
/// anything obviously wrong!", ASPLOS 2009).
fn next_stack_shift() -> u8 {
    use std::sync::atomic::{AtomicU8, Ordering};
    // An odd stride visits all 256 positions, scattered, so a short sample
    // still sees positions from the whole page.
    static NEXT: AtomicU8 = AtomicU8::new(0);
    NEXT.fetch_add(167, Ordering::Relaxed)
}

/// Runs `f` with the stack `shift` × 16 bytes (plus a few frames' fixed cost)
/// deeper than at `shift` 0: one frame of 16 × 2^b bytes for each bit b set.
fn with_stack_shift(shift: u8, f: &mut dyn FnMut()) {
    #[inline(never)]
    fn pad<const N: usize>(rest: u8, f: &mut dyn FnMut()) {
        let pad = std::mem::MaybeUninit::<[u8; N]>::uninit();
        // Taken before and after the call, so the frame holds all N bytes
        // for as long as `f` runs.
        black_box(&pad);
        with_stack_shift(rest, f);
        black_box(&pad);
    }
    let bit = shift & shift.wrapping_neg();
    let rest = shift & !bit;
    match bit {
        0 => f(),
        1 => pad::<16>(rest, f),
        2 => pad::<32>(rest, f),
        4 => pad::<64>(rest, f),
        8 => pad::<128>(rest, f),
        16 => pad::<256>(rest, f),
        32 => pad::<512>(rest, f),
        64 => pad::<1024>(rest, f),
        _ => pad::<2048>(rest, f),
    }
}

/// The ceremony's own cost, measured directly: each iteration times the whole
/// ceremony and the bare signature check of the same signature, back to back
/// (in alternating order), and adds up the difference. Interleaving the two cancels the drift of a
/// shared machine that separate rows would see, so `overhead/...` divided by
/// `raw_verify/es256/relypass_signature` is the overhead ratio the issue targets.
/// Each sample reports the median of its per-pair differences (times the pair
/// count, as criterion divides by it): a preemption lands in one leg of one pair
/// and would otherwise swing a sum by tens of microseconds either way.
fn bench_overhead(c: &mut Criterion) {
    /// Per criterion sample: (median extra time of the ceremony, median time of
    /// the signature check alone), both in ns, from the same interleaved pairs.
    type Samples = std::cell::RefCell<Vec<(f64, f64)>>;
    fn interleaved<S>(
        iters: u64,
        samples: &Samples,
        new_state: &impl Fn() -> S,
        ceremony: &mut impl FnMut(S),
        signature: &mut impl FnMut(),
    ) -> Duration {
        use std::time::Instant;
        let mut extra: Vec<i128> = Vec::with_capacity(iters as usize);
        let mut sig: Vec<u128> = Vec::with_capacity(iters as usize);
        for i in 0..iters {
            let shift = next_stack_shift();
            // Each pair's state is made just before it, outside both timings:
            // a server deserializes the state it takes right before `finish`.
            // Made all ahead, a sample's states (megabytes at high iteration
            // counts) had gone cold by their turn, a cost no server pays.
            let mut state = Some(new_state());
            let mut run = || {
                if let Some(s) = state.take() {
                    ceremony(s)
                }
            };
            // The legs take turns going first: whichever runs first pays for
            // the caches and branch predictors the other left (a constant
            // bias of either sign, several per cent of an Ed25519 verify when
            // the ceremony always went first).
            let (mut t0, mut t1, mut t2) = (Instant::now(), Instant::now(), Instant::now());
            // Both legs run at the same stack position, a different one for
            // each pair (see `with_stack_shift`).
            with_stack_shift(shift, &mut || {
                t0 = Instant::now();
                if i % 2 == 0 {
                    run();
                } else {
                    signature();
                }
                t1 = Instant::now();
                if i % 2 == 0 {
                    signature();
                } else {
                    run();
                }
                t2 = Instant::now();
            });
            let (c, s) = if i % 2 == 0 {
                (t1 - t0, t2 - t1)
            } else {
                (t2 - t1, t1 - t0)
            };
            extra.push(c.as_nanos() as i128 - s.as_nanos() as i128);
            sig.push(s.as_nanos());
        }
        extra.sort_unstable();
        sig.sort_unstable();
        let median = extra.get(extra.len() / 2).copied().unwrap_or(0);
        let sig_median = sig.get(sig.len() / 2).copied().unwrap_or(0);
        samples
            .borrow_mut()
            .push((median as f64, sig_median as f64));
        // Criterion refuses a zero time; 1 ns per pair stands for "none measured".
        Duration::from_nanos((median.max(1) as u64).saturating_mul(iters))
    }
    /// The overhead as a fraction of the signature check, both taken from the
    /// same pairs: the median over samples of (extra ÷ signature). Printed for
    /// `benches/report.sh`, which quotes it; no drift between rows enters it.
    fn report_ratio(name: &str, samples: &Samples) {
        let mut r: Vec<f64> = samples
            .borrow()
            .iter()
            .filter(|(_, s)| *s > 0.0)
            .map(|(e, s)| e / s)
            .collect();
        r.sort_by(f64::total_cmp);
        if let Some(m) = r.get(r.len() / 2) {
            println!(
                "overhead-ratio {name} {:.3} % ({} samples)",
                100.0 * m,
                r.len()
            );
        }
        samples.borrow_mut().clear();
    }
    let samples = Samples::default();

    let mut g = c.benchmark_group("overhead");
    let [es, ed, _] = auth_cases();
    /// One row of interleaved pairs named `name`: `ceremony` consumes a state
    /// made ahead by `new_state` (outside the timing), `baseline` is the
    /// signature check alone; the ratio is printed for `report.sh`.
    fn pair_row<S>(
        g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        samples: &Samples,
        name: &str,
        new_state: impl Fn() -> S,
        mut ceremony: impl FnMut(S),
        mut baseline: impl FnMut(),
    ) {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                interleaved(iters, samples, &new_state, &mut ceremony, &mut baseline)
            })
        });
        report_ratio(name, samples);
    }
    /// One sign-in row: the whole ceremony (response JSON parsed, then
    /// `finish_authentication_at`, which parses the stored key, or, when
    /// `cached`, `verify_assertion` with the key parsed once, as `Passkeys`
    /// does) interleaved with `baseline`, the signature check alone.
    fn sign_in_row(
        g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        samples: &Samples,
        case: &AuthCase,
        cached: bool,
        baseline: impl FnMut(),
    ) {
        let name = if cached {
            format!("verify_assertion/{}", case.name)
        } else {
            format!("finish_authentication/{}", case.name)
        };
        let key = relypass::danger::CachedKey::for_record(&case.record).expect("stored key");
        let ceremony = |state| {
            black_box(case.sign_in(state, cached.then_some(&key)));
        };
        pair_row(g, samples, &name, || case.state(), ceremony, baseline);
    }
    // ES256: against relypass's own signature check (`signature::verify`: the
    // message hashed, then the pure-Rust or, with `--features ring`, ring's
    // verify), with the key parsed per call and cached.
    let key = CredentialPublicKey::from_cose_bytes(es.record.public_key()).expect("key");
    let cd_hash = Sha256::digest(&es.client_data_json);
    let parts: [&[u8]; 2] = [&es.auth_data, cd_hash.as_slice()];
    let es_signature = || {
        relypass::internal::signature::verify(black_box(&key), black_box(&parts), &es.signature)
            .expect("verifies")
    };
    sign_in_row(&mut g, &samples, &es, false, es_signature);
    sign_in_row(&mut g, &samples, &es, true, es_signature);
    // The floor under the ES256 target: a sign-in with every WebAuthn check
    // left out. What stays is what any sign-in must do besides the signature
    // check: read the response JSON (base64url members decoded), parse
    // authenticatorData (for the counter), hash clientDataJSON (§7.2 step 20)
    // and consume the state. No type, challenge, origin, rpIdHash, flag,
    // credential, user or counter check; no result. Its ratio beside
    // `verify_assertion/es256`'s says how much of the overhead the checks are.
    //
    // `floor_after_read` is what both floor rows do once the response is
    // read: the signed parts, authenticatorData, the hash, the signature; then
    // the state is consumed.
    let floor_after_read = |state, resp: &AuthenticationResponse| {
        let [cdj, ad, sig] = relypass::internal::signed_parts(resp);
        let auth_data = AuthenticatorData::parse(ad).expect("authData");
        let hash = Sha256::digest(cdj);
        relypass::internal::signature::verify(&key, &[ad, hash.as_slice()], sig).expect("verifies");
        black_box(auth_data.sign_count());
        drop(state);
    };
    pair_row(
        &mut g,
        &samples,
        "floor/es256",
        || es.state(),
        |state| {
            let resp =
                AuthenticationResponse::from_json(black_box(&es.response_json)).expect("JSON");
            floor_after_read(state, &resp);
        },
        es_signature,
    );
    // The same floor with the response JSON read ahead, outside the timing:
    // the difference between the two rows is what reading it costs in place.
    pair_row(
        &mut g,
        &samples,
        "floor/es256/json_read_ahead",
        || {
            let resp = AuthenticationResponse::from_json(&es.response_json).expect("JSON");
            (es.state(), resp)
        },
        |(state, resp)| {
            floor_after_read(state, black_box(&resp));
            drop(resp);
        },
        es_signature,
    );
    // Ed25519: against a bare strict verify in ed25519-dalek, with the key
    // decoded ahead and the signed message (authData ‖ hash) built ahead.
    let ed_key = CredentialPublicKey::from_cose_bytes(ed.record.public_key()).expect("key");
    let PublicKey::Ed25519(vk) = ed_key.key() else {
        panic!("an Ed25519 key")
    };
    let ed_msg = [
        ed.auth_data.as_slice(),
        Sha256::digest(&ed.client_data_json).as_slice(),
    ]
    .concat();
    let ed_sig = ed25519_dalek::Signature::from_slice(&ed.signature).expect("64 bytes");
    sign_in_row(&mut g, &samples, &ed, true, || {
        vk.verify_strict(black_box(&ed_msg), black_box(&ed_sig))
            .expect("verifies")
    });

    // Packed self attestation: the signature is the statement's own, checked
    // with the credential key over authData ‖ SHA-256(clientDataJSON).
    let (name, text) = vector!("packed-self/w3c-es256", "packed/w3c-packed-self-es256.json");
    let case = reg_case_from_vector(name, text);
    let v: serde_json::Value = serde_json::from_str(&case.response).expect("JSON");
    let b64 = |p: &str| {
        v.pointer(p)
            .and_then(serde_json::Value::as_str)
            .and_then(b64url_decode)
            .expect("base64url")
    };
    let att = b64("/response/attestationObject");
    let cdj = b64("/response/clientDataJSON");
    let obj = relypass::internal::attestation::AttestationObject::parse(&att).expect("parses");
    let auth_data = AuthenticatorData::parse(obj.auth_data()).expect("authData");
    let acd = auth_data.attested_credential_data().expect("credential");
    let sig = obj
        .att_stmt()
        .iter()
        .find_map(|(k, v)| match (k, v) {
            (ciborium::Value::Text(k), ciborium::Value::Bytes(s)) if k == "sig" => Some(s.clone()),
            _ => None,
        })
        .expect("sig");
    let cdh = Sha256::digest(&cdj);
    let reg_parts: [&[u8]; 2] = [obj.auth_data(), cdh.as_slice()];
    relypass::internal::signature::verify(&acd.public_key, &reg_parts, &sig).expect("verifies");
    pair_row(
        &mut g,
        &samples,
        "finish_registration/packed-self",
        || case.state(),
        |state| {
            let resp = RegistrationResponse::from_json(black_box(&case.response)).expect("JSON");
            black_box(
                relypass::danger::finish_registration_at(&case.rp, state, &resp, case.now)
                    .expect("verifies"),
            );
        },
        || {
            relypass::internal::signature::verify(
                black_box(&acd.public_key),
                black_box(&reg_parts),
                &sig,
            )
            .expect("verifies")
        },
    );
    g.bench_function("packed-self/signature_verify", |b| {
        b.iter(|| {
            relypass::internal::signature::verify(
                black_box(&acd.public_key),
                black_box(&reg_parts),
                &sig,
            )
        })
    });
    g.finish();
}

fn config() -> Criterion {
    // About 5.5 s per row; the whole bench takes about three minutes on 2 cores.
    Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_authentication, bench_registration, bench_parsing, bench_overhead
}

/// `CEREMONY_CALLGRIND=ALG:WHAT:N` (ALG `es256`, `ed25519` or `rs256`): instead of
/// criterion, run N of one operation on that fixture and exit, for instruction
/// counts under `valgrind --tool=callgrind`, which the load of a shared machine
/// does not change (wall-clock rows cannot resolve 0.1 µs there). WHAT is
/// - `full`: `from_json` + `finish_authentication_at` (parses the stored key);
/// - `cached`: `from_json` + `verify_assertion` with the key parsed once;
/// - `sig`: `signature::verify` alone, clientDataJSON hash taken ahead (the
///   `overhead/...` rows' baseline);
/// - `crate`: the crypto crate alone (the `raw_verify/.../<crate>` rows);
/// - `none`: nothing (the setup alone).
///
/// Every mode deserializes N states first, so setup cancels out of a
/// difference: per-operation instructions are (count at N = 101 − count at
/// N = 1) ÷ 100, and the ceremony's overhead is `cached` (or `full`) minus `sig`
/// (or `crate`). `benches/callgrind.sh` runs the whole table.
fn callgrind_mode(spec: &str) {
    let mut it = spec.split(':');
    let (alg, what, n) = match (
        it.next(),
        it.next(),
        it.next().and_then(|n| n.parse::<usize>().ok()),
    ) {
        (Some(a), Some(w), Some(n)) => (a, w, n),
        _ => panic!("CEREMONY_CALLGRIND=ALG:WHAT:N, e.g. ed25519:cached:101"),
    };
    let case = auth_cases()
        .into_iter()
        .find(|c| c.name == alg)
        .expect("ALG is es256, ed25519 or rs256");
    let key = CredentialPublicKey::from_cose_bytes(case.record.public_key()).expect("stored key");
    let cached = relypass::danger::CachedKey::for_record(&case.record).expect("stored key");
    let cd_hash = Sha256::digest(&case.client_data_json);
    let parts: [&[u8]; 2] = [&case.auth_data, cd_hash.as_slice()];
    let msg = [case.auth_data.as_slice(), cd_hash.as_slice()].concat();
    let states: Vec<AuthenticationState> = (0..n).map(|_| case.state()).collect();
    for state in states {
        match what {
            "full" => {
                black_box(case.sign_in(state, None));
            }
            "cached" => {
                black_box(case.sign_in(state, Some(&cached)));
            }
            "sig" => {
                drop(state);
                relypass::internal::signature::verify(
                    black_box(&key),
                    black_box(&parts),
                    black_box(&case.signature),
                )
                .expect("verifies");
            }
            "crate" => {
                drop(state);
                match key.key() {
                    PublicKey::P256(vk) => {
                        use p256::ecdsa::signature::hazmat::PrehashVerifier;
                        let sig = p256::ecdsa::Signature::from_der(black_box(&case.signature))
                            .expect("DER");
                        vk.verify_prehash(&Sha256::digest(black_box(&msg)), &sig)
                            .expect("verifies");
                    }
                    PublicKey::Ed25519(vk) => {
                        let sig = ed25519_dalek::Signature::from_slice(black_box(&case.signature))
                            .expect("64 bytes");
                        vk.verify_strict(black_box(&msg), &sig).expect("verifies");
                    }
                    PublicKey::Rsa(k) => {
                        let scheme = rsa::Pkcs1v15Sign::new::<sha2::Sha256>();
                        k.verify(
                            scheme,
                            &Sha256::digest(black_box(&msg)),
                            black_box(&case.signature),
                        )
                        .expect("verifies");
                    }
                    _ => unreachable!("only the three algorithms above are benchmarked"),
                }
            }
            "none" => drop(black_box(state)),
            _ => panic!("WHAT is full, cached, sig, crate or none"),
        }
    }
}

fn main() {
    if let Ok(spec) = std::env::var("CEREMONY_CALLGRIND") {
        callgrind_mode(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
