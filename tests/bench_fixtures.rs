//! The benchmark inputs in `benches/fixtures/`: one sign-in per algorithm (ES256,
//! Ed25519, RS256) from the software authenticator, as `relypass-conformance/1`
//! cases. `benches/ceremony.rs` and the webauthn-rs-core comparison
//! (`benches/webauthn-rs/`) both read these files, so both libraries verify the
//! same bytes.
//!
//! The software authenticator signs deterministically (RFC 6979 ECDSA, Ed25519,
//! PKCS#1 v1.5), so this test regenerates each case and checks the committed file
//! is identical and verifies. `UPDATE_BENCH_FIXTURES=1 cargo test --test
//! bench_fixtures` rewrites them.

use relypass_testkit::soft_authenticator as common;

use common::{Alg, SoftAuthenticator, Tamper};
use relypass::danger::Challenge;
use relypass::json::b64url;
use relypass::{
    AuthenticationOptions, AuthenticationResponse, RegistrationOptions, RegistrationResponse,
    RelyingParty, User, UserHandle,
};
use serde_json::json;

const ORIGIN: &str = "https://login.example.com";
const RP_ID: &str = "example.com";
const NOW: u64 = 1_800_000_000;

fn fixture(alg: Alg, name: &str) -> String {
    let rp = RelyingParty::builder(RP_ID, "Example")
        .origin(ORIGIN)
        .build()
        .unwrap();
    let user = User {
        handle: UserHandle::new(vec![7; 16]).unwrap(),
        name: "alice".into(),
        display_name: "Alice".into(),
    };
    let mut a = SoftAuthenticator::new(alg, ORIGIN, 5);
    let (opts, state) = relypass::danger::start_registration_with(
        &rp,
        &user,
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
    let challenge = vec![2; 32];
    let creds = [record.clone()];
    let (opts, state) = relypass::danger::start_authentication_with(
        &rp,
        Some((record.user_handle(), &creds[..])),
        &AuthenticationOptions::default(),
        Challenge::from_bytes(challenge.clone()),
        NOW,
    )
    .unwrap();
    let response = a.authenticate(&opts, &Tamper::default());
    // It verifies with relypass before it is written anywhere.
    let resp = AuthenticationResponse::from_json(&response).unwrap();
    relypass::danger::finish_authentication_at(&rp, state, &resp, &record, NOW).unwrap();
    let case = json!({
        "schema": "relypass-conformance/1",
        "name": format!("bench/authentication-{name}"),
        "source": "tests/bench_fixtures.rs (software authenticator, deterministic signatures)",
        "ceremony": "authentication",
        "expected": "valid",
        "rp": { "id": RP_ID, "origins": [ORIGIN] },
        "challenge": b64url(&challenge),
        "now": NOW,
        "policy": { "user_verification": "preferred" },
        "response": serde_json::from_str::<serde_json::Value>(&response).unwrap(),
        "credential": {
            "id": b64url(record.id()),
            "public_key": b64url(record.public_key()),
            "sign_count": record.sign_count(),
            "user_handle": b64url(record.user_handle().as_bytes()),
            "backup_eligible": record.backup_eligible(),
        },
    });
    let mut s = serde_json::to_string_pretty(&case).unwrap();
    s.push('\n');
    s
}

#[test]
fn bench_fixtures_are_current_and_verify() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures");
    let update = std::env::var_os("UPDATE_BENCH_FIXTURES").is_some();
    for (alg, name) in [
        (Alg::Es256, "es256"),
        (Alg::Ed25519, "ed25519"),
        (Alg::Rs256, "rs256"),
    ] {
        let want = fixture(alg, name);
        let path = dir.join(format!("authentication-{name}.json"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: run UPDATE_BENCH_FIXTURES=1 cargo test --test bench_fixtures",
            path.display()
        );
    }
}

/// `internal::signed_parts` (which `benches/ceremony.rs`'s `overhead/floor`
/// rows time a sign-in with) hands back clientDataJSON, authenticatorData and
/// the signature as decoded, whichever reader read the response: the
/// one-pass reader (the fixtures' plain form) or `serde_json` (a response
/// handed in already deserialized).
#[test]
fn signed_parts_are_the_decoded_members_for_both_readers() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures");
    for name in ["es256", "ed25519", "rs256"] {
        let text =
            std::fs::read_to_string(dir.join(format!("authentication-{name}.json"))).unwrap();
        let case: serde_json::Value = serde_json::from_str(&text).unwrap();
        let member = |m: &str| {
            let t = case["response"]["response"][m].as_str().unwrap();
            relypass::json::b64url_decode(t).unwrap()
        };
        let want = [
            member("clientDataJSON"),
            member("authenticatorData"),
            member("signature"),
        ];
        let response = case["response"].to_string();
        let plain = AuthenticationResponse::from_json(&response).unwrap();
        let parsed = AuthenticationResponse::from_parsed(serde_json::from_str(&response).unwrap());
        for r in [&plain, &parsed] {
            let got = relypass::internal::signed_parts(r);
            assert_eq!(got.map(<[u8]>::to_vec), want, "{name}");
        }
    }
}
