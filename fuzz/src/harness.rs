//! The body of every fuzz target, as plain functions over bytes.
//!
//! Shared by the libFuzzer binaries in `fuzz/fuzz_targets/` and by the main
//! crate's `tests/fuzz_regressions.rs` (which includes this file by path), so a
//! crash input replays through exactly the code the fuzzer ran. Only relypass's
//! public API is used, plus `serde_json`, `base64`, `sha2` and `ciborium`, which
//! both crates have. Every function must return, never panic, whatever the bytes
//! (the `assert!`s state properties of what the library returned: a failing one
//! is a finding too).

use relypass::attestation::{TrustMode, TrustPolicy};
use relypass::danger::Challenge;
use relypass::internal::attestation::android_key::AndroidKeyEnforcement;
use relypass::internal::attestation::tpm_structures::{self, TpmsAttest, TpmtPublic};
use relypass::internal::attestation::{
    self, AttestationObject, VerificationInput, android_key, android_key_description,
    android_safetynet, apple, compound, fido_u2f, jws, none, packed, tpm,
};
use relypass::internal::authenticator_data::AuthenticatorData;
use relypass::internal::cert_path::{self, PathOptions};
use relypass::internal::client_data::CollectedClientData;
use relypass::internal::cose::CredentialPublicKey;
use relypass::json::Base64Url;
use relypass::{
    AuthenticationOptions, AuthenticationResponse, RegistrationResponse, RelyingParty, User,
    UserHandle,
};
use serde_json::Value;
use std::sync::OnceLock;

// Reading a conformance case into a relying party: the test kit's reader, shared
// with the conformance runner and the attestation tests.
pub use relypass_testkit::conformance_case;

/// Verification time when a case gives none (fixed, so runs are reproducible).
pub use conformance_case::DEFAULT_NOW;

// The seed inputs of every target, built next to the functions that take them
// apart (a submodule, so every includer of this file has them).
#[path = "seeds.rs"]
pub mod seeds;

/// `clientDataJSON` bytes → `CollectedClientData::parse`. True when it parsed.
pub fn client_data(data: &[u8]) -> bool {
    // The one-pass reader of plain client data agrees with serde_json or
    // stands aside (`client_data::scan`).
    if let Ok(text) = core::str::from_utf8(data) {
        let (fast, slow) = CollectedClientData::both_readers(text);
        if let Some(fast) = fast {
            let slow =
                slow.unwrap_or_else(|e| panic!("the reader read what serde_json refuses: {e}"));
            assert_eq!(
                fast, slow,
                "the reader and serde_json read different values"
            );
        }
    }
    match CollectedClientData::parse(data) {
        Ok(c) => {
            // Touch every member (Debug walks them all).
            let _ = format!("{c:?}");
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    }
}

/// authenticatorData bytes → `AuthenticatorData::parse`. True when it parsed.
pub fn authenticator_data(data: &[u8]) -> bool {
    match AuthenticatorData::parse(data) {
        Ok(a) => {
            let _ = format!("{a:?} {:?}", a.flags());
            if let Some(acd) = a.attested_credential_data() {
                let _ = acd.aaguid.to_string();
                // The key bytes kept are exactly what parsed: re-parsing agrees.
                let again = CredentialPublicKey::from_cose_bytes(acd.public_key_bytes);
                assert!(
                    again.is_ok(),
                    "public_key_bytes of a parsed key do not parse alone"
                );
            }
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    }
}

/// `now[8, BE] ‖ clientDataHash[32] ‖ attestationObject` → `AttestationObject::parse`,
/// `AuthenticatorData::parse` of its authData, then `attestation::verify` under
/// `TrustMode::Any` (every format's statement checks), `Trusted` with no anchors
/// (chains are built and refused) and `None`. The seed corpus carries each real
/// case's time and hash, so the unmutated seeds verify. Returns whether `Any`
/// accepted the statement.
pub fn attestation_object(data: &[u8]) -> bool {
    let Some((now, rest)) = data.split_first_chunk::<8>() else {
        return false;
    };
    let Some((hash, att)) = rest.split_first_chunk::<32>() else {
        return false;
    };
    let now = u64::from_be_bytes(*now);
    let Ok(obj) = AttestationObject::parse(att) else {
        return false;
    };
    let _ = (obj.fmt(), obj.att_stmt().len());
    let Ok(auth_data) = AuthenticatorData::parse(obj.auth_data()) else {
        return false;
    };
    let input = VerificationInput {
        auth_data: &auth_data,
        client_data_hash: hash,
        now,
    };
    let mut accepted = false;
    for mode in [TrustMode::Any, TrustMode::Trusted, TrustMode::None] {
        let policy = TrustPolicy {
            mode,
            ..TrustPolicy::default()
        };
        match attestation::verify(&obj, &input, &policy) {
            Ok(outcome) => {
                let _ = (outcome.has_trust_path(), format!("{outcome:?}"));
                if mode == TrustMode::Any {
                    accepted = true;
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    accepted
}

/// COSE_Key bytes → `CredentialPublicKey::from_cose_bytes`; a key that parses is
/// then run through `signature::verify` with a few wrong signatures, which must
/// all be refused. True when the key parsed.
pub fn cose_key(data: &[u8]) -> bool {
    let Ok(key) = CredentialPublicKey::from_cose_bytes(data) else {
        return false;
    };
    let _ = format!("{:?} {:?}", key.algorithm(), key.key());
    let parts: [&[u8]; 2] = [b"authenticator data", &[0x5a; 32]];
    for sig in [
        &[][..],
        &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
        &[0x01; 64],
        &[0xff; 256],
        &[0x00; 512],
    ] {
        assert!(
            relypass::internal::signature::verify(&key, &parts, sig).is_err(),
            "a made-up signature verified"
        );
    }
    true
}

/// Response JSON → `RegistrationResponse::from_json`. True when it parsed.
pub fn registration_json(data: &[u8]) -> bool {
    let Ok(s) = core::str::from_utf8(data) else {
        return false;
    };
    match RegistrationResponse::from_json(s) {
        Ok(r) => {
            let _ = (r.credential_id().len(), format!("{:?}", r.json()));
            let j = r.json();
            same_bytes_as_lenient(
                s,
                &[
                    ("/rawId", Some(j.raw_id.as_slice())),
                    (
                        "/response/clientDataJSON",
                        Some(j.response.client_data_json.as_slice()),
                    ),
                    (
                        "/response/attestationObject",
                        Some(j.response.attestation_object.as_slice()),
                    ),
                    (
                        "/response/authenticatorData",
                        j.response.authenticator_data.as_ref().map(|b| b.as_slice()),
                    ),
                    (
                        "/response/publicKey",
                        j.response.public_key.as_ref().map(|b| b.as_slice()),
                    ),
                ],
            );
            true
        }
        Err(_) => false,
    }
}

/// Oracle for the response parsers' fast base64url decoding: every member that
/// parsed holds exactly the bytes `Base64UrlSafeData`'s own (lenient) decoding
/// gives for the same JSON value.
fn same_bytes_as_lenient(json: &str, members: &[(&str, Option<&[u8]>)]) {
    let Ok(v) = serde_json::from_str::<Value>(json) else {
        panic!("from_json accepted what serde_json::Value refuses");
    };
    for (ptr, got) in members {
        let Some(member) = v.pointer(ptr) else {
            continue;
        };
        if member.is_null() || member.as_str() == Some("") {
            continue;
        }
        let lenient = serde_json::from_value::<Base64Url>(member.clone())
            .unwrap_or_else(|e| panic!("{ptr}: parsed, yet the lenient decoder refuses: {e}"));
        assert_eq!(Some(lenient.as_slice()), *got, "{ptr}: bytes differ");
    }
}

/// Response JSON → `AuthenticationResponse::from_json`. True when it parsed.
pub fn authentication_json(data: &[u8]) -> bool {
    let Ok(s) = core::str::from_utf8(data) else {
        return false;
    };
    // The one-pass reader of plain responses agrees with serde_json or stands
    // aside (`json::assertion_scan`).
    let plain = relypass::internal::assertion_scan::scan(s);
    // `id` sent as the text of `rawId` is base64url of the decoded rawId (the
    // ceremony then skips encoding rawId to compare them).
    if let Some(p) = plain.as_ref().filter(|p| p.id_is_raw_id_text()) {
        assert_eq!(
            p.id(),
            relypass::json::b64url(p.raw_id()).as_bytes(),
            "id flagged as rawId's text is not its encoding"
        );
    }
    if let Some(fast) = plain.map(|p| p.to_json()) {
        let slow: relypass::json::AuthenticationResponseJson = serde_json::from_str(s)
            .unwrap_or_else(|e| panic!("the scan read what serde_json refuses: {e}"));
        assert_eq!(
            serde_json::to_value(&fast).expect("serializes"),
            serde_json::to_value(&slow).expect("serializes"),
            "the scan and serde_json read different values"
        );
    }
    match AuthenticationResponse::from_json(s) {
        Ok(r) => {
            let _ = (r.credential_id().len(), r.user_handle(), r.challenge());
            let j = r.json();
            same_bytes_as_lenient(
                s,
                &[
                    ("/rawId", Some(j.raw_id.as_slice())),
                    (
                        "/response/clientDataJSON",
                        Some(j.response.client_data_json.as_slice()),
                    ),
                    (
                        "/response/authenticatorData",
                        Some(j.response.authenticator_data.as_slice()),
                    ),
                    ("/response/signature", Some(j.response.signature.as_slice())),
                    ("/response/userHandle", r.user_handle()),
                ],
            );
            true
        }
        Err(_) => false,
    }
}

/// The certificates the format-level targets trust: the roots of the
/// conformance vectors, the root of the synthetic statements
/// (test-vectors/attestation) and the roots of the certificate-path fixtures
/// (test-vectors/pki). Compiled in (paths relative to this file) so the fuzz
/// binaries and `cargo test` see the same set whatever their working directory.
const ANCHOR_PEMS: &[&str] = &[
    include_str!("../../test-vectors/conformance/trust-anchors/apple-webauthn-root-ca.pem"),
    include_str!("../../test-vectors/conformance/trust-anchors/globalsign-root-ca-r1.pem"),
    include_str!("../../test-vectors/conformance/trust-anchors/globalsign-root-ca-r2.pem"),
    include_str!(
        "../../test-vectors/conformance/trust-anchors/google-hardware-attestation-root-1.pem"
    ),
    include_str!(
        "../../test-vectors/conformance/trust-anchors/google-hardware-attestation-root-2.pem"
    ),
    include_str!(
        "../../test-vectors/conformance/trust-anchors/google-hardware-attestation-root-3.pem"
    ),
    include_str!(
        "../../test-vectors/conformance/trust-anchors/google-hardware-attestation-root-4.pem"
    ),
    include_str!(
        "../../test-vectors/conformance/trust-anchors/google-hardware-attestation-root-5.pem"
    ),
    include_str!("../../test-vectors/conformance/trust-anchors/microsoft-tpm-root-ca-2014.pem"),
    include_str!(
        "../../test-vectors/conformance/trust-anchors/w3c-test-vectors-attestation-ca.pem"
    ),
    include_str!(
        "../../test-vectors/conformance/trust-anchors/yubico-u2f-root-ca-serial-457200631.pem"
    ),
];
const ANCHOR_DERS: &[&[u8]] = &[
    include_bytes!("../../test-vectors/attestation/root.der"),
    include_bytes!("../../test-vectors/pki/ec_root.der"),
    include_bytes!("../../test-vectors/pki/rsa_root.der"),
    include_bytes!("../../test-vectors/pki/ed_root.der"),
    include_bytes!("../../test-vectors/pki/p521_root.der"),
    include_bytes!("../../test-vectors/pki/root_pl0.der"),
];

/// [`ANCHOR_PEMS`] and [`ANCHOR_DERS`], parsed once: as attestation anchors
/// (for trust policies) and as bare path anchors (for `cert_path`).
struct Anchors {
    attestation: Vec<relypass::attestation::TrustAnchor>,
    path: Vec<cert_path::TrustAnchor>,
}

fn anchors() -> &'static Anchors {
    static ANCHORS: OnceLock<Anchors> = OnceLock::new();
    ANCHORS.get_or_init(|| {
        let mut attestation = Vec::new();
        for pem in ANCHOR_PEMS {
            attestation
                .extend(relypass::attestation::TrustAnchor::from_pem(pem).expect("anchor PEM"));
        }
        for der in ANCHOR_DERS {
            attestation
                .push(relypass::attestation::TrustAnchor::from_der(der).expect("anchor DER"));
        }
        let path = attestation
            .iter()
            .map(|a| cert_path::TrustAnchor::from_der(a.der()).expect("anchor DER"))
            .collect();
        Anchors { attestation, path }
    })
}

/// Splits off a big-endian `u16` length and that many bytes (fewer when the
/// input ends first: a truncated frame is still fed to the parsers).
fn frame(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = data.split_first_chunk::<2>()?;
    let len = usize::from(u16::from_be_bytes(*len)).min(rest.len());
    Some(rest.split_at(len))
}

/// `certInfoLen[2, BE] ‖ certInfo ‖ pubAreaLen[2, BE] ‖ pubArea ‖ aikCertificate`
/// (the TPM statement's `certInfo`, `pubArea` and `x5c[0]`) → `TpmsAttest::parse`,
/// `TpmtPublic::parse`, the object's name, the name match, and
/// `check_aik_certificate`. Returns whether certInfo and pubArea both parsed
/// and the name matched, as in a valid statement.
pub fn tpm_structures(data: &[u8]) -> bool {
    let Some((cert_info, rest)) = frame(data) else {
        return false;
    };
    let (pub_area, aik) = frame(rest).unwrap_or((rest, &[]));
    match tpm_structures::check_aik_certificate(aik) {
        Ok(info) => {
            let _ = format!("{info:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let attest = TpmsAttest::parse(cert_info);
    let public = TpmtPublic::parse(pub_area);
    if let Ok(a) = &attest {
        assert_eq!(a.magic, tpm_structures::TPM_GENERATED_VALUE);
        let _ = format!("{a:?}");
    }
    let Ok(public) = public else {
        return false;
    };
    assert_eq!(public.raw, pub_area, "pubArea kept is not what parsed");
    match (&public.parameters, &public.unique) {
        (
            tpm_structures::PublicParameters::Rsa { key_bits, .. },
            tpm_structures::PublicUnique::Rsa { modulus },
        ) => {
            // Parsing checks keyBits against the modulus: it must hold afterwards.
            assert_eq!(modulus.len() * 8, usize::from(*key_bits));
            assert!(public.parameters.rsa_exponent().is_some());
        }
        (
            tpm_structures::PublicParameters::Ecc { .. },
            tpm_structures::PublicUnique::Ecc { .. },
        ) => {
            assert!(public.parameters.rsa_exponent().is_none());
        }
        _ => panic!("pubArea parameters and unique of different key types"),
    }
    let _ = format!("{public:?}");
    let name = public.name();
    if let Ok(n) = &name {
        // nameAlg ‖ H_nameAlg(pubArea): the prefix is the algorithm, the rest its digest.
        assert_eq!(n.get(..2), Some(&public.name_alg.to_be_bytes()[..]));
        let digest_len = tpm_structures::tpm_hash_alg(public.name_alg)
            .map(|h| h.digest(b"").len())
            .expect("nameAlg computed a name");
        assert_eq!(n.len(), 2 + digest_len);
    }
    let Ok(attest) = attest else {
        return false;
    };
    match attest.attested_name_matches(&public) {
        Ok(matched) => {
            assert_eq!(matched, name.as_deref() == Ok(attest.attested.name));
            matched
        }
        Err(e) => {
            assert!(name.is_err(), "name computed, but matching failed: {e}");
            false
        }
    }
}

/// At most this many certificates per `x509_path` input: past
/// `DEFAULT_MAX_CHAIN_LEN`, so the length limit is reached too.
const MAX_PATH_CERTS: usize = cert_path::DEFAULT_MAX_CHAIN_LEN + 2;

/// `now[8, BE, signed] ‖ options[1] ‖ (len[2, BE] ‖ DER)*` (a certificate chain,
/// leaf first) → per certificate `certificate_spki`, `fido_aaguid_extension`,
/// `TrustAnchor::from_der` and the MDS key identifier; then `verify_path`
/// against the built-in anchors and against the chain's own last certificate,
/// and `verify_chain_signatures_only`. Options bit 0 turns validity checks
/// off, bit 1 refuses SHA-1. Returns whether the path reached a built-in anchor.
pub fn x509_path(data: &[u8]) -> bool {
    let Some((now, rest)) = data.split_first_chunk::<8>() else {
        return false;
    };
    let Some((&options, mut rest)) = rest.split_first() else {
        return false;
    };
    let mut opts = PathOptions::new(i64::from_be_bytes(*now));
    opts.check_validity = options & 1 == 0;
    opts.allow_sha1 = options & 2 == 0;
    let mut chain: Vec<&[u8]> = Vec::new();
    while chain.len() < MAX_PATH_CERTS {
        let Some((der, next)) = frame(rest) else {
            break;
        };
        chain.push(der);
        rest = next;
    }
    for der in &chain {
        if let Ok(spki) = cert_path::certificate_spki(der) {
            assert!(!spki.is_empty());
        }
        if let Ok(Some(ext)) = cert_path::fido_aaguid_extension(der) {
            let _ = format!("{ext:?}");
        }
        if let Ok(a) = cert_path::TrustAnchor::from_der(der) {
            assert_eq!(a.der(), *der);
        }
        if let Some(id) = relypass::attestation::mds::key_identifier(der) {
            assert_eq!(id.len(), 20, "a key identifier is a SHA-1 digest");
        }
    }
    let anchors = &anchors().path;
    let trusted = match cert_path::verify_path(&chain, anchors, &opts) {
        Ok(path) => {
            check_verified_path(&chain, anchors, &path, &opts);
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    };
    // The chain's own last certificate as the only anchor, so mutated chains
    // (whose roots are no longer the real ones) still reach the anchor checks.
    if let Some(own) = chain
        .last()
        .and_then(|root| cert_path::TrustAnchor::from_der(root).ok())
    {
        let own = [own];
        if let Ok(path) = cert_path::verify_path(&chain, &own, &opts) {
            check_verified_path(&chain, &own, &path, &opts);
        }
    }
    if let Err(e) = cert_path::verify_chain_signatures_only(&chain, &opts) {
        let _ = e.to_string();
    }
    trusted
}

/// What `verify_path` reports must describe `chain`: the path is a prefix of
/// it, the anchor is the one at the reported index, and the certificates it
/// used pass `verify_chain_signatures_only` (which checks the same links).
fn check_verified_path(
    chain: &[&[u8]],
    anchors: &[cert_path::TrustAnchor],
    path: &cert_path::VerifiedPath,
    opts: &PathOptions,
) {
    assert_eq!(anchors.get(path.anchor_index), Some(&path.anchor));
    if path.chain.is_empty() {
        // The leaf itself is an anchor.
        assert_eq!(chain.first().copied(), Some(path.anchor.der()));
        assert_eq!(path.unused_certificates + 1, chain.len());
        return;
    }
    assert_eq!(path.chain.len() + path.unused_certificates, chain.len());
    for (used, given) in path.chain.iter().zip(chain) {
        assert_eq!(used.as_slice(), *given);
    }
    let used: Vec<&[u8]> = path.chain.iter().map(Vec::as_slice).collect();
    if let Err(e) = cert_path::verify_chain_signatures_only(&used, opts) {
        panic!("verify_path accepted links verify_chain_signatures_only refuses: {e}");
    }
}

/// The hostname SafetyNet attestation certificates must be issued to (§8.5).
const SAFETYNET_HOST: &str = "attest.android.com";

/// Compact JWS text (a SafetyNet `response`) → `verify_compact_jws` with the
/// SafetyNet size bound; a verified JWS's certificates then go through
/// `leaf_hostname_matches` and `verify_chain_signatures_only`. True when the
/// signature verified.
pub fn jws(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else {
        return false;
    };
    match jws::verify_compact_jws(text, jws::SAFETYNET_MAX_JWS_LEN) {
        Ok(v) => {
            let leaf = v.x5c.first().expect("a verified JWS has x5c[0]");
            let _ = jws::leaf_hostname_matches(leaf, SAFETYNET_HOST);
            let _ = (v.alg, v.payload.get("nonce"), v.header.get("alg"));
            let x5c: Vec<&[u8]> = v.x5c.iter().map(Vec::as_slice).collect();
            let mut opts = PathOptions::new(0);
            opts.check_validity = false;
            let _ = cert_path::verify_chain_signatures_only(&x5c, &opts);
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    }
}

/// DER bytes → `parse_key_description` (the Android key attestation extension's
/// value) and `key_description_from_certificate` (a certificate that may carry
/// it). True when either found a KeyDescription.
pub fn android_key_description(data: &[u8]) -> bool {
    let direct = match android_key_description::parse_key_description(data) {
        Ok(kd) => {
            check_key_description(&kd, data.len());
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    };
    let in_cert = match android_key_description::key_description_from_certificate(data) {
        Ok(Some(kd)) => {
            check_key_description(&kd, data.len());
            true
        }
        Ok(None) => false,
        Err(e) => {
            let _ = e.to_string();
            false
        }
    };
    direct || in_cert
}

fn check_key_description(kd: &android_key_description::KeyDescription, input_len: usize) {
    // Every byte string was copied out of the input.
    assert!(kd.attestation_challenge.len() + kd.unique_id.len() <= input_len);
    for list in [&kd.software_enforced, &kd.tee_enforced] {
        let purposes = list.purpose.as_deref().unwrap_or_default();
        assert!(purposes.len() <= android_key_description::MAX_PURPOSES);
        assert_eq!(
            list.has_purpose(android_key_description::KM_PURPOSE_SIGN),
            purposes.contains(&android_key_description::KM_PURPOSE_SIGN)
        );
    }
    let _ = format!("{kd:?}");
}

/// The formats the `attestation_statement` selector byte chooses, by its low
/// three bits (the verifier each is handed to directly, not the dispatcher).
pub const STATEMENT_FORMATS: [&str; 8] = [
    "none",
    "packed",
    "fido-u2f",
    "tpm",
    "android-key",
    "android-safetynet",
    "apple",
    "compound",
];

/// Selector bit: verify under `TrustMode::Trusted` with the built-in anchors
/// (else `TrustMode::Any`).
pub const SELECT_TRUSTED: u8 = 0x08;
/// Selector bit: count android-key software-enforced lists (`TeeOrSoftware`).
pub const SELECT_ANDROID_SOFTWARE: u8 = 0x10;

/// The policy a selector byte asks for; built once per combination.
fn statement_policy(selector: u8) -> &'static TrustPolicy {
    static POLICIES: OnceLock<Vec<TrustPolicy>> = OnceLock::new();
    let policies = POLICIES.get_or_init(|| {
        (0u8..4)
            .map(|bits| TrustPolicy {
                mode: if bits & 1 != 0 {
                    TrustMode::Trusted
                } else {
                    TrustMode::Any
                },
                anchors: if bits & 1 != 0 {
                    anchors().attestation.clone()
                } else {
                    Vec::new()
                },
                android_key: if bits & 2 != 0 {
                    AndroidKeyEnforcement::TeeOrSoftware
                } else {
                    AndroidKeyEnforcement::TeeOnly
                },
                ..TrustPolicy::default()
            })
            .collect()
    });
    let bits = usize::from((selector & (SELECT_TRUSTED | SELECT_ANDROID_SOFTWARE)) >> 3);
    policies.get(bits).expect("four policies")
}

/// `selector[1] ‖ now[8, BE] ‖ clientDataHash[32] ‖ authDataLen[2, BE] ‖ authData ‖
/// attStmt (CBOR)` → the verifier of the format the selector's low three bits
/// choose ([`STATEMENT_FORMATS`]), called directly with the policy its other
/// bits choose, so each format's statement code is fuzzed whatever the outer
/// attestation object parser accepts. Returns whether the statement verified.
pub fn attestation_statement(data: &[u8]) -> bool {
    let Some((&selector, rest)) = data.split_first() else {
        return false;
    };
    let Some((now, rest)) = rest.split_first_chunk::<8>() else {
        return false;
    };
    let Some((hash, rest)) = rest.split_first_chunk::<32>() else {
        return false;
    };
    let Some((auth_data, mut stmt_bytes)) = frame(rest) else {
        return false;
    };
    let Ok(auth_data) = AuthenticatorData::parse(auth_data) else {
        return false;
    };
    // The depth bound the library's own CBOR reader applies.
    let Ok(stmt) = ciborium::de::from_reader_with_recursion_limit::<ciborium::Value, _>(
        &mut stmt_bytes,
        relypass::limits::MAX_CBOR_DEPTH,
    ) else {
        return false;
    };
    if !stmt_bytes.is_empty() {
        return false;
    }
    let input = VerificationInput {
        auth_data: &auth_data,
        client_data_hash: hash,
        now: u64::from_be_bytes(*now),
    };
    let policy = statement_policy(selector);
    let format = STATEMENT_FORMATS[usize::from(selector & 7)];
    let result = match (format, &stmt) {
        ("none", stmt) => none::verify_value(stmt).map(|()| None),
        ("compound", stmt) => {
            compound::verify(stmt, &input, policy, attestation::verify_statement).map(Some)
        }
        (_, ciborium::Value::Map(m)) => match format {
            "packed" => packed::verify(m, &input, policy),
            "fido-u2f" => fido_u2f::verify(m, &input, policy),
            "tpm" => tpm::verify(m, &input, policy),
            "android-key" => android_key::verify(m, &input, policy),
            "android-safetynet" => android_safetynet::verify(m, &input, policy),
            _ => apple::verify(m, &input, policy),
        }
        .map(Some),
        _ => return false,
    };
    match result {
        Ok(outcome) => {
            if let Some(o) = outcome {
                assert_eq!(o.fmt, format, "a verifier reported another format");
                if policy.mode == TrustMode::Trusted && !o.trust_path.is_empty() {
                    // A trusted path ends in one of the anchors.
                    let last = o.trust_path.last().map(Vec::as_slice);
                    assert!(
                        policy.anchors.iter().any(|a| Some(a.der()) == last),
                        "a trusted path that does not end in an anchor"
                    );
                }
                let _ = format!("{o:?}");
            }
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    }
}

/// What a `finish_*` harness concluded.
#[derive(Debug)]
pub enum Outcome {
    /// The bytes are not a usable case (not JSON, bad RP configuration, ...).
    NotACase(String),
    /// The ceremony ran and refused the response.
    Rejected(relypass::Error),
    /// The ceremony ran and verified the response.
    Verified,
}

impl Outcome {
    /// True for [`Outcome::Verified`].
    pub fn is_verified(&self) -> bool {
        matches!(self, Outcome::Verified)
    }
}

/// A `relypass-conformance/1` case (JSON) → `finish_registration_at` through the
/// public API, configured from the case as the conformance runner does.
pub fn finish_registration(data: &[u8]) -> Outcome {
    let case = match serde_json::from_slice::<Value>(data) {
        Ok(c) => c,
        Err(e) => return Outcome::NotACase(e.to_string()),
    };
    finish_registration_case(&case)
}

/// [`finish_registration`] over an already parsed case.
pub fn finish_registration_case(case: &Value) -> Outcome {
    let (rp, challenge, now) = match setup(case) {
        Ok(s) => s,
        Err(e) => return Outcome::NotACase(e),
    };
    let user = User {
        handle: UserHandle::new(b"conformance-user".to_vec()).expect("a valid handle"),
        name: "fuzz".into(),
        display_name: "Fuzz".into(),
    };
    let Ok((_, state)) = relypass::danger::start_registration_with(
        &rp,
        &user,
        &[],
        &conformance_case::registration_options(case),
        Challenge::from_bytes(challenge),
        now,
    ) else {
        return Outcome::NotACase("start_registration failed".into());
    };
    let Ok(response) = serde_json::to_string(&case["response"]) else {
        return Outcome::NotACase("response does not serialize".into());
    };
    let resp = match RegistrationResponse::from_json(&response) {
        Ok(r) => r,
        Err(e) => return Outcome::Rejected(e),
    };
    match relypass::danger::finish_registration_at(&rp, state, &resp, now) {
        Ok(v) => {
            // A verified registration's stored key must parse on its own.
            let rec = v.record();
            assert!(
                CredentialPublicKey::from_cose_bytes(rec.public_key()).is_ok(),
                "a verified registration stored a key that does not parse"
            );
            let _ = format!("{v:?}");
            Outcome::Verified
        }
        Err(e) => {
            let _ = e.to_string();
            Outcome::Rejected(e)
        }
    }
}

/// A `relypass-conformance/1` authentication case (JSON) → `finish_authentication_at`
/// against the case's stored credential, through the public API.
pub fn finish_authentication(data: &[u8]) -> Outcome {
    let case = match serde_json::from_slice::<Value>(data) {
        Ok(c) => c,
        Err(e) => return Outcome::NotACase(e.to_string()),
    };
    finish_authentication_case(&case)
}

/// [`finish_authentication`] over an already parsed case.
pub fn finish_authentication_case(case: &Value) -> Outcome {
    let (rp, challenge, now) = match setup(case) {
        Ok(s) => s,
        Err(e) => return Outcome::NotACase(e),
    };
    let Ok(response) = serde_json::to_string(&case["response"]) else {
        return Outcome::NotACase("response does not serialize".into());
    };
    let resp = match AuthenticationResponse::from_json(&response) {
        Ok(r) => r,
        Err(e) => return Outcome::Rejected(e),
    };
    let record = match conformance_case::stored_credential(case, &resp, now) {
        Ok(r) => r,
        Err(e) => return Outcome::NotACase(e),
    };
    let handle = record.user_handle().clone();
    let creds = [record];
    let Ok((_, state)) = relypass::danger::start_authentication_with(
        &rp,
        Some((&handle, &creds)),
        &AuthenticationOptions::default(),
        Challenge::from_bytes(challenge),
        now,
    ) else {
        return Outcome::NotACase("start_authentication failed".into());
    };
    match relypass::danger::finish_authentication_at(&rp, state, &resp, &creds[0], now) {
        Ok(v) => {
            let _ = format!("{v:?}");
            Outcome::Verified
        }
        Err(e) => {
            let _ = e.to_string();
            Outcome::Rejected(e)
        }
    }
}

/// The relying party, challenge and time a case describes, read as the
/// conformance runner reads them.
fn setup(case: &Value) -> Result<(RelyingParty, Vec<u8>, u64), String> {
    let rp = conformance_case::relying_party(case, "Fuzz", conformance_case::trust_policy(case))?;
    let challenge = conformance_case::challenge(case)?;
    let now = case["now"].as_u64().unwrap_or(DEFAULT_NOW);
    Ok((rp, challenge, now))
}
