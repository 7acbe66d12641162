//! The negative cases registration and assertion share: the credential's
//! id/rawId/type/response members, clientDataJSON (missing, malformed, wrong
//! type, challenge, origin), rpIdHash and the UP/UV flags. Plus the small
//! builders both tables use for their own rows.

use super::soft::{Tamper, UP, UV};
use super::*;

/// An edit of the credential JSON the authenticator returned.
pub type Edit = Box<dyn Fn(&mut Value)>;

/// One negative case: the authenticator's output (under `uv`, with `tamper`),
/// then `edit`, must fail with an errorMessage containing `why`.
pub struct Case {
    pub name: String,
    pub uv: &'static str,
    pub tamper: Tamper,
    pub edit: Edit,
    pub why: &'static str,
}

impl Case {
    /// The same case under `userVerification: uv`.
    pub fn uv(self, uv: &'static str) -> Self {
        Case { uv, ..self }
    }

    /// Applies the edit to `cred` (the authenticator's answer under `uv` and
    /// `tamper`) and checks that the result endpoint `path` refuses it with
    /// `why`. `ceremony` labels the case in failure messages.
    pub async fn expect_refused(
        &self,
        c: &mut Client,
        ceremony: &str,
        path: &str,
        mut cred: Value,
    ) {
        (self.edit)(&mut cred);
        let name = format!("{ceremony}: {}", self.name);
        c.expect_refused(&name, path, &cred, self.why).await;
    }
}

/// A case that edits the credential JSON.
pub fn edited(name: &str, edit: impl Fn(&mut Value) + 'static, why: &'static str) -> Case {
    Case {
        name: name.into(),
        uv: "preferred",
        tamper: Tamper::default(),
        edit: Box::new(edit),
        why,
    }
}

/// A case where the authenticator signs tampered data.
pub fn tampered(name: &str, tamper: Tamper, why: &'static str) -> Case {
    Case {
        tamper,
        ..edited(name, |_| {}, why)
    }
}

/// Removes a member of the credential.
pub fn without(member: &'static str) -> impl Fn(&mut Value) {
    move |v| {
        v.as_object_mut().unwrap().remove(member);
    }
}

/// Removes a member of the credential's `response`.
pub fn without_response(member: &'static str) -> impl Fn(&mut Value) {
    move |v| {
        v["response"].as_object_mut().unwrap().remove(member);
    }
}

/// Sets a member of the credential.
pub fn with(member: &'static str, value: impl Into<Value>) -> impl Fn(&mut Value) {
    let value = value.into();
    move |v| v[member] = value.clone()
}

/// Sets a member of the credential's `response`.
pub fn with_response(member: &'static str, value: impl Into<Value>) -> impl Fn(&mut Value) {
    let value = value.into();
    move |v| v["response"][member] = value.clone()
}

/// Replaces id and rawId (consistently) with an id the authenticator never made.
pub fn foreign_id(v: &mut Value) {
    v["id"] = "AAAA".into();
    v["rawId"] = "AAAA".into();
}

pub fn other_challenge() -> String {
    b64url(&[7u8; 32])
}

/// What the shared cases depend on for one ceremony.
pub struct Ceremony {
    /// The other ceremony's client data type (must be refused).
    pub other_type: &'static str,
    /// clientDataJSON bytes that are valid base64url but not client data JSON.
    pub not_json: &'static [u8],
    /// Flags the authenticator data must carry besides UP/UV (AT for
    /// registration).
    pub extra_flags: u8,
}

/// The cases registration and assertion have in common.
pub fn shared_cases(c: Ceremony) -> Vec<Case> {
    let t = Tamper::default;
    vec![
        edited("id missing", without("id"), "id is missing"),
        edited(
            "id differs from rawId",
            with("id", "AAAA"),
            "credential id mismatch",
        ),
        edited("rawId missing", without("rawId"), "rawId is missing"),
        edited("rawId not base64url", with("rawId", "!!!"), "malformed"),
        edited("type missing", without("type"), "type is missing"),
        edited(
            "type not public-key",
            with("type", "private-key"),
            "credential type",
        ),
        edited(
            "response missing",
            without("response"),
            "response is missing",
        ),
        edited(
            "clientDataJSON missing",
            without_response("clientDataJSON"),
            "clientDataJSON is missing",
        ),
        edited(
            "clientDataJSON not base64url",
            with_response("clientDataJSON", "@@@"),
            "malformed",
        ),
        edited(
            "clientDataJSON not JSON",
            with_response("clientDataJSON", b64url(c.not_json)),
            "malformed",
        ),
        tampered(
            &format!("clientData type {}", c.other_type),
            Tamper {
                client_data_type: Some(c.other_type.into()),
                ..t()
            },
            "client data type",
        ),
        tampered(
            "wrong challenge",
            Tamper {
                challenge: Some(other_challenge()),
                ..t()
            },
            "challenge mismatch",
        ),
        tampered(
            "wrong origin",
            Tamper {
                origin: Some("https://evil.example".into()),
                ..t()
            },
            "origin",
        ),
        tampered(
            "wrong rpIdHash",
            Tamper {
                rp_id: Some("evil.example".into()),
                ..t()
            },
            "rpIdHash",
        ),
        tampered(
            "flags: UP clear",
            Tamper {
                flags: Some(UV | c.extra_flags),
                ..t()
            },
            "user not present",
        ),
        tampered(
            "flags: UV clear, required",
            Tamper {
                flags: Some(UP | c.extra_flags),
                ..t()
            },
            "user verification required",
        )
        .uv("required"),
    ]
}

/// The session rules both result endpoints (`path`) share, for a `cred`
/// answering `owner`'s options: `stranger`, a session with options of its
/// own, is refused ("challenge mismatch"); the owner succeeds once; a replay
/// finds `none_in_progress`. `label` names the cases ("result", "assertion").
pub async fn stranger_then_replay(
    owner: &mut Client,
    stranger: &mut Client,
    path: &str,
    cred: &Value,
    label: &str,
    none_in_progress: &str,
) {
    let name = format!("{label} in another session");
    stranger
        .expect_refused(&name, path, cred, "challenge mismatch")
        .await;
    owner.expect_ok(path, cred).await;
    let name = format!("replayed {label}");
    owner
        .expect_refused(&name, path, cred, none_in_progress)
        .await;
}
