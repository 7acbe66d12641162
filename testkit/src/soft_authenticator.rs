//! A software authenticator + client for tests: turns options JSON into the
//! browser's `credential.toJSON()` output, with knobs to break each check.
#![allow(dead_code)]

use base64::Engine;
use ciborium::value::Value;
use coset::{CborSerializable, CoseKeyBuilder, iana};
use relypass::json::{CreationOptionsJson, RequestOptionsJson, b64url};
use sha2::{Digest, Sha256};

/// Which key type the authenticator uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    Es256,
    Ed25519,
    Rs256,
}

pub enum Key {
    Es256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Rs256(Box<rsa::PrivateKey>),
}

pub const RSA_TEST_KEY: &str = include_str!("../../test-vectors/keys/rsa2048-test-only.pem");

impl Key {
    pub fn generate(alg: Alg, seed: u8) -> Key {
        let mut bytes = [seed; 32];
        bytes[0] = 1; // keep the scalar in range
        bytes[31] = seed.wrapping_add(7);
        match alg {
            Alg::Es256 => Key::Es256(p256::ecdsa::SigningKey::from_slice(&bytes).unwrap()),
            Alg::Ed25519 => Key::Ed25519(ed25519_dalek::SigningKey::from_bytes(&bytes)),
            Alg::Rs256 => {
                use rsa::pkcs8::DecodePrivateKey;
                Key::Rs256(Box::new(
                    rsa::PrivateKey::from_pkcs8_pem(RSA_TEST_KEY).unwrap(),
                ))
            }
        }
    }

    pub fn cose_alg(&self) -> i64 {
        match self {
            Key::Es256(_) => -7,
            Key::Ed25519(_) => -8,
            Key::Rs256(_) => -257,
        }
    }

    pub fn cose_public_key(&self) -> Vec<u8> {
        let key = match self {
            Key::Es256(k) => {
                let p = k.verifying_key().to_sec1_point(false);
                CoseKeyBuilder::new_ec2_pub_key(
                    iana::EllipticCurve::P_256,
                    p.x().unwrap().to_vec(),
                    p.y().unwrap().to_vec(),
                )
                .algorithm(iana::Algorithm::ES256)
                .build()
            }
            Key::Ed25519(k) => CoseKeyBuilder::new_okp_key()
                .param(
                    iana::OkpKeyParameter::Crv as i64,
                    Value::from(iana::EllipticCurve::Ed25519 as i64),
                )
                .param(
                    iana::OkpKeyParameter::X as i64,
                    Value::Bytes(k.verifying_key().to_bytes().to_vec()),
                )
                .algorithm(iana::Algorithm::EdDSA)
                .build(),
            Key::Rs256(k) => {
                use rsa::traits::PublicKeyParts;
                let pk = k.to_public_key();
                CoseKeyBuilder::new()
                    .key_type(iana::KeyType::RSA)
                    .param(
                        -1,
                        Value::Bytes(pk.n().to_be_bytes_trimmed_vartime().to_vec()),
                    )
                    .param(
                        -2,
                        Value::Bytes(pk.e().to_be_bytes_trimmed_vartime().to_vec()),
                    )
                    .algorithm(iana::Algorithm::RS256)
                    .build()
            }
        };
        key.to_vec().unwrap()
    }

    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            Key::Es256(k) => {
                use p256::ecdsa::signature::Signer;
                let s: p256::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            Key::Ed25519(k) => {
                use ed25519_dalek::Signer;
                k.sign(msg).to_bytes().to_vec()
            }
            Key::Rs256(k) => {
                use rsa::signature::{SignatureEncoding, Signer};
                let sk = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone());
                sk.sign(msg).to_vec()
            }
        }
    }
}

/// Knobs that make the client or authenticator misbehave in one specific way.
#[derive(Clone, Debug, Default)]
pub struct Tamper {
    pub client_data_type: Option<String>,
    pub challenge: Option<String>,
    pub origin: Option<String>,
    pub cross_origin: Option<bool>,
    pub top_origin: Option<String>,
    pub rp_id: Option<String>,
    pub flags: Option<u8>,
    pub sign_count: Option<u32>,
    pub corrupt_signature: bool,
    pub user_handle: Option<Option<Vec<u8>>>,
    pub credential_type: Option<String>,
    pub att_stmt: Option<Vec<(Value, Value)>>,
    pub fmt: Option<String>,
    /// COSE key bytes to put in attested credential data instead of the
    /// authenticator's own key (keys no honest authenticator would make).
    pub public_key: Option<Vec<u8>>,
    /// Signature bytes to send instead of a real signature.
    pub signature: Option<Vec<u8>>,
    /// Bytes appended to authenticatorData (after attested credential data),
    /// with the flags left as they are.
    pub auth_data_suffix: Option<Vec<u8>>,
}

pub const UP: u8 = 0x01;
pub const UV: u8 = 0x04;
pub const BE: u8 = 0x08;
pub const BS: u8 = 0x10;
pub const AT: u8 = 0x40;
pub const ED: u8 = 0x80;

/// A software authenticator holding one credential.
pub struct SoftAuthenticator {
    pub key: Key,
    pub credential_id: Vec<u8>,
    pub user_handle: Vec<u8>,
    pub counter: u32,
    pub origin: String,
    pub flags: u8,
    pub aaguid: [u8; 16],
}

impl SoftAuthenticator {
    pub fn new(alg: Alg, origin: &str, seed: u8) -> Self {
        SoftAuthenticator {
            key: Key::generate(alg, seed),
            credential_id: (0..32u8)
                .map(|i| i.wrapping_mul(seed).wrapping_add(seed))
                .collect(),
            user_handle: Vec::new(),
            counter: 0,
            origin: origin.to_owned(),
            flags: UP | UV,
            aaguid: [0x42; 16],
        }
    }

    fn client_data(&self, ty: &str, challenge: &str, t: &Tamper) -> Vec<u8> {
        let mut m = serde_json::Map::new();
        m.insert(
            "type".into(),
            t.client_data_type.clone().unwrap_or(ty.into()).into(),
        );
        m.insert(
            "challenge".into(),
            t.challenge.clone().unwrap_or(challenge.into()).into(),
        );
        m.insert(
            "origin".into(),
            t.origin.clone().unwrap_or(self.origin.clone()).into(),
        );
        m.insert("crossOrigin".into(), t.cross_origin.unwrap_or(false).into());
        if let Some(top) = &t.top_origin {
            m.insert("topOrigin".into(), top.clone().into());
        }
        serde_json::to_vec(&m).unwrap()
    }

    fn auth_data(&self, rp_id: &str, flags: u8, count: u32, attested: bool, t: &Tamper) -> Vec<u8> {
        let mut d = Sha256::digest(rp_id.as_bytes()).to_vec();
        d.push(flags);
        d.extend_from_slice(&count.to_be_bytes());
        if attested {
            d.extend_from_slice(&self.aaguid);
            d.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            d.extend_from_slice(&self.credential_id);
            match &t.public_key {
                Some(k) => d.extend_from_slice(k),
                None => d.extend_from_slice(&self.key.cose_public_key()),
            }
        }
        if let Some(suffix) = &t.auth_data_suffix {
            d.extend_from_slice(suffix);
        }
        d
    }

    /// `navigator.credentials.create()` + `toJSON()`.
    pub fn register(&mut self, options: &CreationOptionsJson, t: &Tamper) -> String {
        self.user_handle = options.user.id.to_vec();
        let challenge = b64url(options.challenge.as_slice());
        let cdj = self.client_data("webauthn.create", &challenge, t);
        let rp_id = t.rp_id.clone().unwrap_or(options.rp.id.clone());
        let flags = t.flags.unwrap_or(self.flags | AT);
        let ad = self.auth_data(
            &rp_id,
            flags,
            t.sign_count.unwrap_or(self.counter),
            flags & AT != 0,
            t,
        );
        let att_obj = Value::Map(vec![
            (
                Value::Text("fmt".into()),
                Value::Text(t.fmt.clone().unwrap_or("none".into())),
            ),
            (
                Value::Text("attStmt".into()),
                Value::Map(t.att_stmt.clone().unwrap_or_default()),
            ),
            (Value::Text("authData".into()), Value::Bytes(ad)),
        ]);
        let mut att = Vec::new();
        ciborium::ser::into_writer(&att_obj, &mut att).unwrap();
        serde_json::json!({
            "id": b64url(&self.credential_id),
            "rawId": b64url(&self.credential_id),
            "type": t.credential_type.clone().unwrap_or("public-key".into()),
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64url(&cdj),
                "attestationObject": b64url(&att),
                "transports": ["internal", "hybrid"],
                "publicKeyAlgorithm": self.key.cose_alg(),
            },
            "clientExtensionResults": {"credProps": {"rk": true}},
        })
        .to_string()
    }

    /// `navigator.credentials.get()` + `toJSON()`.
    pub fn authenticate(&mut self, options: &RequestOptionsJson, t: &Tamper) -> String {
        self.counter += 1;
        let challenge = b64url(options.challenge.as_slice());
        let cdj = self.client_data("webauthn.get", &challenge, t);
        let rp_id = t.rp_id.clone().unwrap_or(options.rp_id.clone().unwrap());
        let flags = t.flags.unwrap_or(self.flags);
        let ad = self.auth_data(
            &rp_id,
            flags,
            t.sign_count.unwrap_or(self.counter),
            false,
            t,
        );
        let mut msg = ad.clone();
        msg.extend_from_slice(&Sha256::digest(&cdj));
        let mut sig = self.key.sign(&msg);
        if let Some(s) = &t.signature {
            sig = s.clone();
        }
        if t.corrupt_signature {
            let n = sig.len();
            sig[n - 3] ^= 0x01;
        }
        let uh = match &t.user_handle {
            Some(v) => v.clone(),
            None => Some(self.user_handle.clone()),
        };
        let mut resp = serde_json::json!({
            "clientDataJSON": b64url(&cdj),
            "authenticatorData": b64url(&ad),
            "signature": b64url(&sig),
        });
        if let Some(uh) = uh {
            resp["userHandle"] = b64url(&uh).into();
        }
        serde_json::json!({
            "id": b64url(&self.credential_id),
            "rawId": b64url(&self.credential_id),
            "type": t.credential_type.clone().unwrap_or("public-key".into()),
            "response": resp,
            "clientExtensionResults": {},
        })
        .to_string()
    }
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
