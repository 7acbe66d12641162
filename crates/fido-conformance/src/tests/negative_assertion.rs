//! The assertion half of the negative tests: each member of
//! ServerAuthenticatorAssertionResponse missing or invalid, each §7.2 check
//! (challenge, origin, type, rpIdHash, flags, counter, user handle), and the
//! session rules of `/assertion/result`.

use super::common_cases::*;
use super::soft::{Alg, SoftAuthenticator, Tamper};
use super::*;

/// Assertion cases, against a registered ES256 credential: the shared ones,
/// then the assertion-specific ones.
fn assertion_cases() -> Vec<Case> {
    let t = Tamper::default;
    let mut cases = shared_cases(Ceremony {
        other_type: "webauthn.create",
        not_json: b"[1,2]",
        extra_flags: 0,
    });
    cases.extend([
        edited("unknown credential", foreign_id, "unknown credential"),
        edited(
            "authenticatorData missing",
            without_response("authenticatorData"),
            "authenticatorData is missing",
        ),
        edited(
            "authenticatorData not base64url",
            with_response("authenticatorData", "@@@"),
            "malformed",
        ),
        edited(
            "authenticatorData truncated",
            with_response("authenticatorData", b64url(&[0u8; 20])),
            "authenticatorData: shorter",
        ),
        edited(
            "signature missing",
            without_response("signature"),
            "signature is missing",
        ),
        edited(
            "signature not base64url",
            with_response("signature", "@@@"),
            "malformed",
        ),
        tampered(
            "signature corrupted",
            Tamper {
                corrupt_signature: true,
                ..t()
            },
            "signature",
        ),
        tampered(
            "userHandle of another user",
            Tamper {
                user_handle: Some(Some(vec![9u8; 16])),
                ..t()
            },
            "does not belong",
        ),
        edited(
            "userHandle not a string",
            with_response("userHandle", 5),
            "userHandle is not a string",
        ),
        edited(
            "userHandle not base64url",
            with_response("userHandle", "@@@"),
            "malformed",
        ),
        tampered(
            "counter not advanced",
            Tamper {
                sign_count: Some(0),
                ..t()
            },
            "counter",
        ),
    ]);
    cases
}

/// A live server where `user` registered a fresh ES256 authenticator.
async fn registered(user: &str, seed: u8) -> (Client, SoftAuthenticator) {
    let mut c = live_server();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, seed);
    let options = c
        .attestation_options(&creation_request(user, "preferred"))
        .await;
    let cred = to_server_credential(&a.register(&options, &Tamper::default()));
    c.expect_ok("/attestation/result", &cred).await;
    (c, a)
}

/// Fresh assertion options for `user`, signed by `a` (with `tamper`).
async fn signed(
    c: &mut Client,
    a: &mut SoftAuthenticator,
    user: &str,
    uv: &str,
    tamper: &Tamper,
) -> Value {
    let options = c.assertion_options(&get_request(user, uv)).await;
    to_server_credential(&a.authenticate(&options, tamper))
}

pub async fn run_all() -> usize {
    let mut n = 0;
    let user = "signer@example.com";
    for case in assertion_cases() {
        let (mut c, mut a) = registered(user, 11).await;
        // One good sign-in first, so the stored counter is not zero.
        let cred = signed(&mut c, &mut a, user, "preferred", &Tamper::default()).await;
        c.expect_ok("/assertion/result", &cred).await;
        let cred = signed(&mut c, &mut a, user, case.uv, &case.tamper).await;
        case.expect_refused(&mut c, "assertion", "/assertion/result", cred)
            .await;
        n += 1;
    }
    n + assertion_sessions().await
}

async fn assertion_sessions() -> usize {
    const RESULT: &str = "/assertion/result";
    let user = "s2@example.com";
    let (mut c, mut a) = registered(user, 12).await;
    let cred = signed(&mut c, &mut a, user, "preferred", &Tamper::default()).await;
    let mut stranger = c.other_session();
    stranger
        .expect_refused(
            "assertion without a session",
            RESULT,
            &cred,
            "no authentication in progress",
        )
        .await;
    stranger
        .assertion_options(&get_request(user, "preferred"))
        .await;
    // Refused in that session; the owner finishes once; a replay is refused.
    stranger_then_replay(
        &mut c,
        &mut stranger,
        RESULT,
        &cred,
        "assertion",
        "no authentication in progress",
    )
    .await;
    // The replay under fresh options carries the old challenge.
    c.assertion_options(&get_request(user, "preferred")).await;
    c.expect_refused(
        "replayed assertion, new options",
        RESULT,
        &cred,
        "challenge mismatch",
    )
    .await;
    // Four refusals: no session, another session, a replay, and the last one above.
    4
}
