//! A registration harness for attestation tests: runs a conformance vector
//! or a synthetic case (test-vectors/attestation) through
//! `RelyingParty::finish_registration_at`, with helpers to mutate the
//! attestation object and clientDataJSON and to assert specific errors.
#![allow(dead_code)]

// The relying party a case describes: shared with the conformance runner and
// the fuzz harness.
use crate::conformance_case;

use crate::fixtures::{DEFAULT_NOW, b64_decode, conformance_dir, map_get, read_anchor_pem};
use ciborium::Value as Cbor;
use relypass::attestation::{AttestationType, TrustAnchor, TrustMode, TrustPolicy};
use relypass::danger::Challenge;
use relypass::internal::authenticator_data::{Aaguid, AuthenticatorData};
use relypass::json::b64url;
use relypass::{Error, RegistrationResponse, RelyingParty, User, UserHandle, VerifiedRegistration};
use serde_json::Value;

/// A registration ceremony: a conformance vector or a synthetic case.
#[derive(Clone)]
pub struct Reg {
    pub name: String,
    pub json: Value,
}

impl Reg {
    pub fn vector(rel: &str) -> Reg {
        let p = conformance_dir().join("vectors").join(rel);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        Reg {
            name: rel.to_owned(),
            json: serde_json::from_str(&text).unwrap(),
        }
    }

    pub fn synthetic(name: &str) -> Reg {
        let p = crate::repo_root()
            .join("test-vectors/attestation")
            .join(format!("{name}.json"));
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        Reg {
            name: name.to_owned(),
            json: serde_json::from_str(&text).unwrap(),
        }
    }

    pub fn now(&self) -> u64 {
        self.json["now"].as_u64().unwrap_or(DEFAULT_NOW as u64)
    }

    /// The anchors the case chains to (`policy.trust_anchors` or `anchors`).
    pub fn anchor_ders(&self) -> Vec<Vec<u8>> {
        let list = if self.json["policy"]["trust_anchors"].is_array() {
            &self.json["policy"]["trust_anchors"]
        } else {
            &self.json["anchors"]
        };
        list.as_array()
            .map(|a| a.iter().map(|s| b64_decode(s.as_str().unwrap())).collect())
            .unwrap_or_default()
    }

    pub fn anchors(&self) -> Vec<TrustAnchor> {
        self.anchor_ders()
            .iter()
            .map(|d| TrustAnchor::from_der(d).unwrap())
            .collect()
    }

    /// The case's policy under `mode`, with this case's anchors.
    pub fn policy(&self, mode: TrustMode) -> TrustPolicy {
        TrustPolicy {
            mode,
            anchors: self.anchors(),
            ..conformance_case::trust_policy(&self.json)
        }
    }

    /// The case's relying party, configured as the conformance runner does,
    /// verifying attestation under `policy`.
    pub fn rp(&self, policy: TrustPolicy) -> RelyingParty {
        conformance_case::relying_party(&self.json, "Formats", policy)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    pub fn run(&self, policy: TrustPolicy) -> Result<VerifiedRegistration, Error> {
        self.run_at(policy, self.now())
    }

    pub fn run_at(&self, policy: TrustPolicy, now: u64) -> Result<VerifiedRegistration, Error> {
        let rp = self.rp(policy);
        let user = User {
            handle: UserHandle::new(b"formats-user".to_vec()).unwrap(),
            name: "formats".into(),
            display_name: "Formats".into(),
        };
        let challenge = conformance_case::challenge(&self.json).unwrap();
        let (_, state) = relypass::danger::start_registration_with(
            &rp,
            &user,
            &[],
            &conformance_case::registration_options(&self.json),
            Challenge::from_bytes(challenge),
            now,
        )
        .unwrap();
        let resp = RegistrationResponse::from_json(&self.json["response"].to_string())?;
        relypass::danger::finish_registration_at(&rp, state, &resp, now)
    }

    // ---- reading and re-encoding the attestation object ------------------

    pub fn att_obj(&self) -> Cbor {
        let s = self.json["response"]["response"]["attestationObject"]
            .as_str()
            .unwrap();
        ciborium::from_reader(b64_decode(s).as_slice()).unwrap()
    }

    pub fn set_att_obj(&mut self, obj: &Cbor) {
        let mut bytes = Vec::new();
        ciborium::into_writer(obj, &mut bytes).unwrap();
        self.json["response"]["response"]["attestationObject"] = Value::from(b64url(&bytes));
    }

    pub fn auth_data(&self) -> Vec<u8> {
        map_get(&self.att_obj(), "authData")
            .and_then(Cbor::as_bytes)
            .unwrap()
            .clone()
    }

    pub fn stmt_bytes(&self, key: &str) -> Vec<u8> {
        map_get(map_get(&self.att_obj(), "attStmt").unwrap(), key)
            .and_then(Cbor::as_bytes)
            .unwrap_or_else(|| panic!("{}: attStmt.{key}", self.name))
            .clone()
    }

    /// `attStmt.x5c[0]`.
    pub fn x5c_leaf(&self) -> Vec<u8> {
        map_get(map_get(&self.att_obj(), "attStmt").unwrap(), "x5c")
            .and_then(Cbor::as_array)
            .and_then(|a| a.first())
            .and_then(Cbor::as_bytes)
            .unwrap_or_else(|| panic!("{}: attStmt.x5c", self.name))
            .clone()
    }

    /// A copy with the attStmt map changed by `f`.
    pub fn with_stmt(&self, f: impl FnOnce(&mut Vec<(Cbor, Cbor)>)) -> Reg {
        let mut obj = self.att_obj();
        let stmt = obj
            .as_map_mut()
            .unwrap()
            .iter_mut()
            .find(|(k, _)| k.as_text() == Some("attStmt"))
            .unwrap();
        f(stmt.1.as_map_mut().unwrap());
        let mut out = self.clone();
        out.set_att_obj(&obj);
        out
    }

    /// A copy with attStmt member `key` set to `value` (added if absent).
    pub fn with_member(&self, key: &str, value: Cbor) -> Reg {
        self.with_stmt(
            |m| match m.iter_mut().find(|(k, _)| k.as_text() == Some(key)) {
                Some((_, v)) => *v = value,
                None => m.push((Cbor::Text(key.into()), value)),
            },
        )
    }

    /// A copy with byte-string member `key` changed by `f`.
    pub fn with_bytes(&self, key: &str, f: impl FnOnce(&mut [u8])) -> Reg {
        let mut b = self.stmt_bytes(key);
        f(&mut b);
        self.with_member(key, Cbor::Bytes(b))
    }

    /// A copy with authData replaced.
    pub fn with_auth_data(&self, ad: Vec<u8>) -> Reg {
        let mut obj = self.att_obj();
        for (k, v) in obj.as_map_mut().unwrap() {
            if k.as_text() == Some("authData") {
                *v = Cbor::Bytes(ad.clone());
            }
        }
        let mut out = self.clone();
        out.set_att_obj(&obj);
        out
    }

    /// A copy whose clientDataJSON carries one more (unchecked) member: the
    /// challenge, origin and type still match, only clientDataHash changes.
    pub fn with_changed_client_data_hash(&self) -> Reg {
        let cdj = b64_decode(
            self.json["response"]["response"]["clientDataJSON"]
                .as_str()
                .unwrap(),
        );
        let text = String::from_utf8(cdj).unwrap();
        let end = text.rfind('}').unwrap();
        let changed = format!("{},\"relypassTest\":\"x\"}}", &text[..end]);
        let mut out = self.clone();
        out.json["response"]["response"]["clientDataJSON"] =
            Value::from(b64url(changed.as_bytes()));
        out
    }
}

pub fn flip_last(b: &mut [u8]) {
    let n = b.len();
    b[n - 1] ^= 0x01;
}

pub fn flip_at(pos: usize) -> impl FnOnce(&mut [u8]) {
    move |b| b[pos] ^= 0x01
}

/// The attested credential data's key replaced by `cose` (lengths may differ).
pub fn replace_credential_key(ad: &[u8], cose: &[u8]) -> Vec<u8> {
    let parsed = AuthenticatorData::parse(ad).unwrap();
    let acd = parsed.attested_credential_data().unwrap();
    let start = 37 + 16 + 2 + acd.credential_id.len();
    let end = start + acd.public_key_bytes.len();
    [&ad[..start], cose, &ad[end..]].concat()
}

pub fn credential_key(ad: &[u8]) -> Vec<u8> {
    let parsed = AuthenticatorData::parse(ad).unwrap();
    parsed
        .attested_credential_data()
        .unwrap()
        .public_key_bytes
        .to_vec()
}

pub fn aaguid_of(r: &Reg) -> Aaguid {
    let ad = r.auth_data();
    Aaguid(ad[37..53].try_into().unwrap())
}

#[track_caller]
pub fn expect_attestation(
    res: Result<VerifiedRegistration, Error>,
    format: &str,
    reason_part: &str,
) -> String {
    match res {
        Err(Error::Attestation { format: f, reason }) => {
            assert_eq!(f, format, "wrong format; reason {reason:?}");
            assert!(
                reason.contains(reason_part),
                "{format}: reason {reason:?} does not contain {reason_part:?}"
            );
            reason
        }
        Err(other) => panic!("expected Attestation({format}: {reason_part}), got {other:?}"),
        Ok(_) => panic!("expected Attestation({format}: {reason_part}), got success"),
    }
}

#[track_caller]
pub fn expect_not_trusted(res: Result<VerifiedRegistration, Error>, part: &str) -> String {
    match res {
        Err(Error::AttestationNotTrusted(why)) => {
            assert!(why.contains(part), "{why:?} does not contain {part:?}");
            why
        }
        Err(other) => panic!("expected AttestationNotTrusted({part}), got {other:?}"),
        Ok(_) => panic!("expected AttestationNotTrusted({part}), got success"),
    }
}

#[track_caller]
pub fn expect_ok(
    res: Result<VerifiedRegistration, Error>,
    ty: AttestationType,
) -> VerifiedRegistration {
    match res {
        Ok(v) => {
            assert_eq!(v.attestation().attestation_type, ty);
            v
        }
        Err(e) => panic!("expected success, got {e:?}"),
    }
}

/// An anchor unrelated to every case (the Apple WebAuthn root; for Apple
/// cases the W3C test CA).
pub fn unrelated_anchor(r: &Reg) -> TrustAnchor {
    let file = if r.json["policy"]["trust_anchor_files"]
        .to_string()
        .contains("apple")
    {
        "trust-anchors/w3c-test-vectors-attestation-ca.pem"
    } else {
        "trust-anchors/apple-webauthn-root-ca.pem"
    };
    TrustAnchor::from_pem(&read_anchor_pem(file))
        .unwrap()
        .remove(0)
}

/// The year 3237: past every certificate of the vectors (the W3C test CA's
/// certificates end in 3024).
pub const FAR_FUTURE: u64 = 40_000_000_000;
