//! Every bound in `relypass::limits`, just over (and at) its value, through the
//! public API; and CBOR headers that claim far more than the input holds, checked
//! to fail fast without allocating what they claim.
//!
//! This test binary installs a tracking global allocator (the only `unsafe` here:
//! `GlobalAlloc` is an unsafe trait; the library itself forbids unsafe code).

use relypass_testkit::soft_authenticator as common;

use common::{Alg, SoftAuthenticator, Tamper};
use relypass::Field;
use relypass::danger::Challenge;
use relypass::internal::attestation::AttestationObject;
use relypass::internal::authenticator_data::AuthenticatorData;
use relypass::internal::client_data::CollectedClientData;
use relypass::internal::cose::CredentialPublicKey;
use relypass::json::b64url;
use relypass::limits::*;
use relypass::{
    AuthenticationOptions, AuthenticationResponse, CredentialRecord, Error, RegistrationOptions,
    RegistrationResponse, RelyingParty, User, UserHandle,
};
use serde_json::Value as Json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

// ---- allocation tracking ---------------------------------------------------

struct Tracking;

thread_local! {
    /// `Some(largest)` while the current thread is being measured.
    static LARGEST: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note(size: usize) {
    // `try_with`: never panic inside the allocator, even during thread teardown.
    let _ = LARGEST.try_with(|l| {
        if let Some(m) = l.get() {
            l.set(Some(m.max(size)));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged;
// the only addition is recording a size in a const-initialized thread-local `Cell`,
// which neither allocates nor unwinds.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Runs `f`, returning its result, the largest single allocation it made on this
/// thread, and how long it took.
fn measure<R>(f: impl FnOnce() -> R) -> (R, usize, Duration) {
    LARGEST.with(|l| l.set(Some(0)));
    let t = Instant::now();
    let r = f();
    let elapsed = t.elapsed();
    let largest = LARGEST.with(|l| l.replace(None)).unwrap_or(0);
    (r, largest, elapsed)
}

// ---- fixtures ----------------------------------------------------------------

const ORIGIN: &str = "https://login.example.com";
const NOW: u64 = 1_800_000_000;

fn rp() -> RelyingParty {
    RelyingParty::builder("example.com", "Example")
        .origin(ORIGIN)
        .build()
        .unwrap()
}

fn user() -> User {
    User {
        handle: UserHandle::new(vec![7; 16]).unwrap(),
        name: "alice".into(),
        display_name: "Alice".into(),
    }
}

/// Registers a credential, then returns a fresh authentication response (as JSON),
/// the record, and a function-like bundle to finish it.
struct AuthFixture {
    rp: RelyingParty,
    record: CredentialRecord,
    json: Json,
}

fn auth_fixture() -> AuthFixture {
    let rp = rp();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 3);
    let (opts, state) = relypass::danger::start_registration_with(
        &rp,
        &user(),
        &[],
        &RegistrationOptions::default(),
        Challenge::from_bytes(vec![1; 32]),
        NOW,
    )
    .unwrap();
    let reg = RegistrationResponse::from_json(&a.register(&opts, &Tamper::default())).unwrap();
    let record = relypass::danger::finish_registration_at(&rp, state, &reg, NOW)
        .unwrap()
        .into_record();
    let (opts, _) = auth_start(&rp, &record);
    let json = serde_json::from_str(&a.authenticate(&opts, &Tamper::default())).unwrap();
    AuthFixture { rp, record, json }
}

fn auth_start(
    rp: &RelyingParty,
    record: &CredentialRecord,
) -> (
    relypass::json::RequestOptionsJson,
    relypass::danger::AuthenticationState,
) {
    let creds = [record.clone()];
    relypass::danger::start_authentication_with(
        rp,
        Some((record.user_handle(), &creds[..])),
        &AuthenticationOptions::default(),
        Challenge::from_bytes(vec![2; 32]),
        NOW,
    )
    .unwrap()
}

impl AuthFixture {
    fn finish(&self, json: &Json) -> Result<relypass::VerifiedAuthentication, Error> {
        let (_, state) = auth_start(&self.rp, &self.record);
        let resp = AuthenticationResponse::from_json(&json.to_string())?;
        relypass::danger::finish_authentication_at(&self.rp, state, &resp, &self.record, NOW)
    }
}

struct RegFixture {
    rp: RelyingParty,
    json: Json,
}

fn reg_fixture() -> RegFixture {
    let rp = rp();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 4);
    let (opts, _) = reg_start(&rp);
    let json = serde_json::from_str(&a.register(&opts, &Tamper::default())).unwrap();
    RegFixture { rp, json }
}

fn reg_start(
    rp: &RelyingParty,
) -> (
    relypass::json::CreationOptionsJson,
    relypass::danger::RegistrationState,
) {
    relypass::danger::start_registration_with(
        rp,
        &user(),
        &[],
        &RegistrationOptions::default(),
        Challenge::from_bytes(vec![1; 32]),
        NOW,
    )
    .unwrap()
}

impl RegFixture {
    fn finish(&self, json: &Json) -> Result<relypass::VerifiedRegistration, Error> {
        let (_, state) = reg_start(&self.rp);
        let resp = RegistrationResponse::from_json(&json.to_string())?;
        relypass::danger::finish_registration_at(&self.rp, state, &resp, NOW)
    }
}

fn too_large(r: Result<impl Sized, Error>, field: Field, size: usize, max: usize) {
    match r {
        Err(Error::TooLarge {
            field: f,
            size: s,
            max: m,
        }) => assert_eq!((f, s, m), (field, size, max)),
        Err(e) => panic!("expected TooLarge {field:?}, got {e:?}"),
        Ok(_) => panic!("expected TooLarge {field:?}, got Ok"),
    }
}

fn not_too_large(r: Result<impl Sized, Error>) {
    assert!(
        !matches!(r, Err(Error::TooLarge { .. })),
        "refused as too large at the limit"
    );
}

// ---- the fixtures themselves verify ----------------------------------------

#[test]
fn fixtures_verify_untouched() {
    let f = auth_fixture();
    f.finish(&f.json).unwrap();
    let r = reg_fixture();
    r.finish(&r.json).unwrap();
}

// ---- response JSON -----------------------------------------------------------

#[test]
fn response_json_bound() {
    // Valid JSON padded with whitespace to exactly the limit parses; one more byte
    // is refused before parsing.
    let f = auth_fixture();
    let s = f.json.to_string();
    let at = format!("{s}{}", " ".repeat(MAX_RESPONSE_JSON - s.len()));
    assert!(AuthenticationResponse::from_json(&at).is_ok());
    let over = format!("{at} ");
    too_large(
        AuthenticationResponse::from_json(&over),
        Field::ResponseJson,
        MAX_RESPONSE_JSON + 1,
        MAX_RESPONSE_JSON,
    );
    let r = reg_fixture();
    let s = r.json.to_string();
    let at = format!("{s}{}", " ".repeat(MAX_RESPONSE_JSON - s.len()));
    assert!(RegistrationResponse::from_json(&at).is_ok());
    too_large(
        RegistrationResponse::from_json(&format!("{at} ")),
        Field::ResponseJson,
        MAX_RESPONSE_JSON + 1,
        MAX_RESPONSE_JSON,
    );
}

// ---- clientDataJSON ----------------------------------------------------------

#[test]
fn client_data_bound() {
    let at = vec![b' '; MAX_CLIENT_DATA_JSON];
    not_too_large(CollectedClientData::parse(&at));
    too_large(
        CollectedClientData::parse(&[b' '; MAX_CLIENT_DATA_JSON + 1]),
        Field::ClientDataJson,
        MAX_CLIENT_DATA_JSON + 1,
        MAX_CLIENT_DATA_JSON,
    );
    let big = b64url(&vec![b' '; MAX_CLIENT_DATA_JSON + 1]);
    let mut f = auth_fixture();
    f.json["response"]["clientDataJSON"] = big.clone().into();
    too_large(
        f.finish(&f.json),
        Field::ClientDataJson,
        MAX_CLIENT_DATA_JSON + 1,
        MAX_CLIENT_DATA_JSON,
    );
    let mut r = reg_fixture();
    r.json["response"]["clientDataJSON"] = big.into();
    too_large(
        r.finish(&r.json),
        Field::ClientDataJson,
        MAX_CLIENT_DATA_JSON + 1,
        MAX_CLIENT_DATA_JSON,
    );
}

// ---- authenticatorData -------------------------------------------------------

#[test]
fn authenticator_data_bound() {
    // At the limit: parsed (and refused for trailing bytes, not for size).
    let at = vec![0; MAX_AUTHENTICATOR_DATA];
    not_too_large(AuthenticatorData::parse(&at));
    too_large(
        AuthenticatorData::parse(&vec![0; MAX_AUTHENTICATOR_DATA + 1]),
        Field::AuthenticatorData,
        MAX_AUTHENTICATOR_DATA + 1,
        MAX_AUTHENTICATOR_DATA,
    );
    let mut f = auth_fixture();
    f.json["response"]["authenticatorData"] = b64url(&vec![0; MAX_AUTHENTICATOR_DATA + 1]).into();
    too_large(
        f.finish(&f.json),
        Field::AuthenticatorData,
        MAX_AUTHENTICATOR_DATA + 1,
        MAX_AUTHENTICATOR_DATA,
    );
}

// ---- attestation object ------------------------------------------------------

/// A CBOR attestation object `{"fmt": "none", "attStmt": stmt, "authData": h'…'}`
/// whose authData pads it to exactly `total` bytes.
fn att_obj_of_size(total: usize) -> Vec<u8> {
    use ciborium::value::Value;
    let enc = |auth_len: usize| {
        let v = Value::Map(vec![
            (Value::Text("fmt".into()), Value::Text("none".into())),
            (Value::Text("attStmt".into()), Value::Map(vec![])),
            (
                Value::Text("authData".into()),
                Value::Bytes(vec![0; auth_len]),
            ),
        ]);
        let mut out = Vec::new();
        ciborium::ser::into_writer(&v, &mut out).unwrap();
        out
    };
    // The header of the byte string grows with its length: search the exact size.
    let overhead = enc(0).len();
    let mut n = total.saturating_sub(overhead);
    while enc(n).len() > total {
        n -= 1;
    }
    let out = enc(n);
    assert_eq!(out.len(), total);
    out
}

#[test]
fn attestation_object_bound() {
    let at = att_obj_of_size(MAX_ATTESTATION_OBJECT);
    not_too_large(AttestationObject::parse(&at));
    let mut over = at.clone();
    over.push(0);
    too_large(
        AttestationObject::parse(&over),
        Field::AttestationObject,
        MAX_ATTESTATION_OBJECT + 1,
        MAX_ATTESTATION_OBJECT,
    );
    let mut r = reg_fixture();
    r.json["response"]["attestationObject"] = b64url(&over).into();
    too_large(
        r.finish(&r.json),
        Field::AttestationObject,
        MAX_ATTESTATION_OBJECT + 1,
        MAX_ATTESTATION_OBJECT,
    );
}

// ---- credential id -------------------------------------------------------------

#[test]
fn credential_id_bound_in_response() {
    for len in [MAX_CREDENTIAL_ID, MAX_CREDENTIAL_ID + 1] {
        let id = b64url(&vec![9; len]);
        let mut f = auth_fixture();
        f.json["id"] = id.clone().into();
        f.json["rawId"] = id.clone().into();
        let r = f.finish(&f.json);
        let mut g = reg_fixture();
        g.json["id"] = id.clone().into();
        g.json["rawId"] = id.into();
        let s = g.finish(&g.json);
        if len > MAX_CREDENTIAL_ID {
            assert!(matches!(r, Err(Error::CredentialIdTooLong { len: 1024 })));
            assert!(matches!(s, Err(Error::CredentialIdTooLong { len: 1024 })));
        } else {
            // At the limit the id is fine; it just is not this credential's.
            assert!(matches!(r, Err(Error::UnknownCredential)), "{r:?}");
            assert!(matches!(s, Err(Error::CredentialIdMismatch)), "{s:?}");
        }
    }
}

#[test]
fn credential_id_length_field_checked_before_reading() {
    // AT set, a length field of 1024 and no id bytes at all: refused by the bound,
    // not by truncation.
    let mut d = vec![0xab; 32];
    d.push(0x41);
    d.extend_from_slice(&[0; 4]);
    d.extend_from_slice(&[0; 16]);
    d.extend_from_slice(&1024u16.to_be_bytes());
    assert!(matches!(
        AuthenticatorData::parse(&d),
        Err(Error::CredentialIdTooLong { len: 1024 })
    ));
    // 0xffff claimed, nothing present.
    let n = d.len();
    d[n - 2..].copy_from_slice(&[0xff, 0xff]);
    assert!(matches!(
        AuthenticatorData::parse(&d),
        Err(Error::CredentialIdTooLong { len: 0xffff })
    ));
}

// ---- signature ---------------------------------------------------------------

#[test]
fn signature_bound() {
    let mut f = auth_fixture();
    f.json["response"]["signature"] = b64url(&vec![0x30; MAX_SIGNATURE]).into();
    assert!(matches!(f.finish(&f.json), Err(Error::Signature)));
    f.json["response"]["signature"] = b64url(&vec![0x30; MAX_SIGNATURE + 1]).into();
    too_large(
        f.finish(&f.json),
        Field::Signature,
        MAX_SIGNATURE + 1,
        MAX_SIGNATURE,
    );
}

// ---- user handle ---------------------------------------------------------------

#[test]
fn user_handle_bound() {
    assert!(UserHandle::new(vec![1; MAX_USER_HANDLE]).is_ok());
    assert!(matches!(
        UserHandle::new(vec![1; MAX_USER_HANDLE + 1]),
        Err(Error::Malformed {
            field: Field::UserHandle,
            ..
        })
    ));
    let mut f = auth_fixture();
    f.json["response"]["userHandle"] = b64url(&[7; MAX_USER_HANDLE]).into();
    assert!(matches!(f.finish(&f.json), Err(Error::CredentialNotOwned)));
    f.json["response"]["userHandle"] = b64url(&[7; MAX_USER_HANDLE + 1]).into();
    too_large(
        f.finish(&f.json),
        Field::UserHandle,
        MAX_USER_HANDLE + 1,
        MAX_USER_HANDLE,
    );
}

// ---- CBOR depth and extension entries --------------------------------------------

/// Authenticator data with ED set and `ext` as its extensions map.
fn auth_data_with_extensions(ext: &[u8]) -> Vec<u8> {
    let mut d = vec![0xab; 32];
    d.push(0x81); // UP | ED
    d.extend_from_slice(&[0; 4]);
    d.extend_from_slice(ext);
    d
}

/// `{ "a": [[[…0…]]] }` with `depth` levels of containers in all (the map counts one).
fn nested_extensions(depth: usize) -> Vec<u8> {
    let mut e = vec![0xa1, 0x61, b'a'];
    e.extend(std::iter::repeat_n(0x81, depth - 1));
    e.push(0x00);
    e
}

#[test]
fn cbor_depth_bound() {
    let ok = auth_data_with_extensions(&nested_extensions(MAX_CBOR_DEPTH));
    assert!(AuthenticatorData::parse(&ok).is_ok());
    let over = auth_data_with_extensions(&nested_extensions(MAX_CBOR_DEPTH + 1));
    assert!(matches!(
        AuthenticatorData::parse(&over),
        Err(Error::Malformed {
            field: Field::AuthenticatorExtensions,
            ..
        })
    ));
    // Tags count as a level too: a long chain of tags is refused, not recursed into.
    let mut tags = vec![0xa1, 0x61, b'a'];
    tags.extend(std::iter::repeat_n(0xc6, 10_000));
    tags.push(0x00);
    assert!(AuthenticatorData::parse(&auth_data_with_extensions(&tags)).is_err());
    // Deep nesting in the attestation object and the COSE key as well.
    let mut deep = vec![0x81; 100_000];
    deep.push(0);
    assert!(AttestationObject::parse(&deep).is_err());
    assert!(CredentialPublicKey::from_cose_bytes(&deep).is_err());
}

fn extension_map(entries: usize) -> Vec<u8> {
    use ciborium::value::Value;
    let m = Value::Map(
        (0..entries)
            .map(|i| (Value::Text(format!("e{i}")), Value::Bool(true)))
            .collect(),
    );
    let mut out = Vec::new();
    ciborium::ser::into_writer(&m, &mut out).unwrap();
    out
}

#[test]
fn extension_entries_bound() {
    let ok = auth_data_with_extensions(&extension_map(MAX_EXTENSION_ENTRIES));
    assert!(AuthenticatorData::parse(&ok).is_ok());
    let over = auth_data_with_extensions(&extension_map(MAX_EXTENSION_ENTRIES + 1));
    assert!(matches!(
        AuthenticatorData::parse(&over),
        Err(Error::Malformed {
            field: Field::AuthenticatorExtensions,
            ..
        })
    ));
}

// ---- certificates --------------------------------------------------------------

fn att_obj_with_x5c(certs: Vec<Vec<u8>>) -> Vec<u8> {
    use ciborium::value::Value;
    let v = Value::Map(vec![
        (Value::Text("fmt".into()), Value::Text("packed".into())),
        (
            Value::Text("attStmt".into()),
            Value::Map(vec![
                (Value::Text("alg".into()), Value::Integer((-7).into())),
                (Value::Text("sig".into()), Value::Bytes(vec![0x30; 70])),
                (
                    Value::Text("x5c".into()),
                    Value::Array(certs.into_iter().map(Value::Bytes).collect()),
                ),
            ]),
        ),
        (Value::Text("authData".into()), Value::Bytes(vec![0; 37])),
    ]);
    let mut out = Vec::new();
    ciborium::ser::into_writer(&v, &mut out).unwrap();
    out
}

#[test]
fn certificate_count_bound() {
    let ok = att_obj_with_x5c(vec![vec![0x30; 100]; MAX_CERTIFICATES]);
    assert!(AttestationObject::parse(&ok).is_ok());
    let over = att_obj_with_x5c(vec![vec![0x30; 100]; MAX_CERTIFICATES + 1]);
    assert!(matches!(
        AttestationObject::parse(&over),
        Err(Error::Malformed {
            field: Field::AttestationStatement,
            ..
        })
    ));
}

#[test]
fn certificate_size_bound() {
    let ok = att_obj_with_x5c(vec![vec![0x30; MAX_CERTIFICATE]]);
    assert!(AttestationObject::parse(&ok).is_ok());
    let over = att_obj_with_x5c(vec![vec![0x30; 10], vec![0x30; MAX_CERTIFICATE + 1]]);
    too_large(
        AttestationObject::parse(&over),
        Field::AttestationStatement,
        MAX_CERTIFICATE + 1,
        MAX_CERTIFICATE,
    );
}

// ---- RSA modulus ---------------------------------------------------------------

fn rsa_cose_key(n_len: usize) -> Vec<u8> {
    use ciborium::value::Value;
    let mut n = vec![0xff; n_len];
    n[n_len - 1] = 0xfb; // odd
    let v = Value::Map(vec![
        (Value::Integer(1.into()), Value::Integer(3.into())),
        (Value::Integer(3.into()), Value::Integer((-257).into())),
        (Value::Integer((-1).into()), Value::Bytes(n)),
        (Value::Integer((-2).into()), Value::Bytes(vec![1, 0, 1])),
    ]);
    let mut out = Vec::new();
    ciborium::ser::into_writer(&v, &mut out).unwrap();
    out
}

#[test]
fn rsa_modulus_bound() {
    assert!(!matches!(
        CredentialPublicKey::from_cose_bytes(&rsa_cose_key(MAX_RSA_MODULUS_BYTES)),
        Err(Error::InvalidPublicKey("RSA parameter size"))
    ));
    assert!(matches!(
        CredentialPublicKey::from_cose_bytes(&rsa_cose_key(MAX_RSA_MODULUS_BYTES + 1)),
        Err(Error::InvalidPublicKey("RSA parameter size"))
    ));
}

// ---- CBOR headers that lie about their length ---------------------------------------

/// CBOR headers with an 8-byte argument of 2^60, followed by ten bytes.
fn lying_headers() -> Vec<(&'static str, Vec<u8>)> {
    let claim = (1u64 << 60).to_be_bytes();
    let mut out = Vec::new();
    for (name, major) in [
        ("byte string", 0x5b),
        ("text string", 0x7b),
        ("array", 0x9b),
        ("map", 0xbb),
    ] {
        let mut v = vec![major];
        v.extend_from_slice(&claim);
        v.extend_from_slice(&[0x61; 10]);
        out.push((name, v));
    }
    out
}

/// Most the decoder may allocate at once for these inputs: its own small buffers,
/// nowhere near the claim (a claim honoured even in part would show up here).
const SMALL: usize = 64 * 1024;

#[test]
fn huge_cbor_length_claims_fail_fast_without_allocating() {
    for (name, header) in lying_headers() {
        // As a whole attestation object.
        let (r, largest, t) = measure(|| AttestationObject::parse(&header));
        assert!(r.is_err(), "{name}");
        assert!(largest < SMALL, "{name}: allocated {largest} bytes");
        assert!(t < Duration::from_secs(1), "{name}: took {t:?}");

        // As a COSE key.
        let (r, largest, t) = measure(|| CredentialPublicKey::from_cose_bytes(&header));
        assert!(r.is_err(), "{name}");
        assert!(largest < SMALL, "{name}: allocated {largest} bytes");
        assert!(t < Duration::from_secs(1), "{name}: took {t:?}");

        // As the value of an attestation object member (nested one level).
        let mut nested = vec![0xa1, 0x68];
        nested.extend_from_slice(b"authData");
        nested.extend_from_slice(&header);
        let (r, largest, _) = measure(|| AttestationObject::parse(&nested));
        assert!(r.is_err(), "{name}");
        assert!(largest < SMALL, "{name}: allocated {largest} bytes");

        // As the extensions map of authenticator data.
        let ad = auth_data_with_extensions(&header);
        let (r, largest, _) = measure(|| AuthenticatorData::parse(&ad));
        assert!(r.is_err(), "{name}");
        assert!(largest < SMALL, "{name}: allocated {largest} bytes");

        // As the credential public key inside attested credential data.
        let mut ad = vec![0xab; 32];
        ad.push(0x41);
        ad.extend_from_slice(&[0; 4]);
        ad.extend_from_slice(&[0; 16]);
        ad.extend_from_slice(&[0, 1, 0x55]);
        ad.extend_from_slice(&header);
        let (r, largest, _) = measure(|| AuthenticatorData::parse(&ad));
        assert!(r.is_err(), "{name}");
        assert!(largest < SMALL, "{name}: allocated {largest} bytes");
    }
}

#[test]
fn allocation_tracking_works() {
    // The measurement itself: a 1 MiB vector is seen.
    let (v, largest, _) = measure(|| vec![0u8; 1 << 20]);
    assert_eq!(v.len(), 1 << 20);
    assert!(largest >= 1 << 20);
}
