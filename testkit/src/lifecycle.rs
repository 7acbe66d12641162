//! A minimal software authenticator + client for lifecycle tests: P-256 keys,
//! `none` attestation, real authenticatorData, clientDataJSON and DER
//! signatures, producing the browser's `toJSON()` response shapes.
//!
//! It behaves like a client where the tests need it to (it honours
//! excludeCredentials and allowCredentials) and lets tests override what a
//! real authenticator would decide (credential id, key, flags, counter).

#![allow(dead_code)]

use ciborium::value::Value as Cbor;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use relypass::json::{CreationOptionsJson, RequestOptionsJson, b64url};
use relypass::{
    AuthenticationOptions, CredentialRecord, CredentialStore, Error, Passkeys, RegistrationOptions,
    User, UserHandle, VerifiedAuthentication,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const UP: u8 = 0x01;
const UV: u8 = 0x04;
const BE: u8 = 0x08;
const BS: u8 = 0x10;
const AT: u8 = 0x40;
const ED: u8 = 0x80;

/// A credential the authenticator holds.
#[derive(Clone)]
pub struct SoftCredential {
    pub id: Vec<u8>,
    pub key: SigningKey,
    pub rp_id: String,
    pub user_handle: Vec<u8>,
    pub counter: u32,
}

/// Why the client refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientError {
    /// §6.3.2 step 3: a credential in excludeCredentials is on this authenticator
    /// (the browser's InvalidStateError).
    Excluded,
    /// No credential matches allowCredentials / the RP (NotAllowedError).
    NoCredential,
}

pub struct SoftAuthenticator {
    pub origin: String,
    pub aaguid: [u8; 16],
    /// Performs user verification (UV flag).
    pub uv: bool,
    pub backup_eligible: bool,
    pub backup_state: bool,
    /// Added to the counter per signature; 0 models synced passkeys (always 0).
    pub counter_step: u32,
    pub transports: Vec<&'static str>,
    /// clientExtensionResults to report.
    pub client_extension_results: Value,
    /// Authenticator extension outputs to put in authData (sets ED).
    pub authenticator_extensions: Option<Cbor>,
    pub credentials: Vec<SoftCredential>,
    /// Encodes COSE keys with their members in another (valid, non-canonical)
    /// order: the same key in different bytes.
    pub reorder_cose_key: bool,
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("OS random source");
    b
}

pub fn random_key() -> SigningKey {
    loop {
        // from_slice refuses zero / out-of-range scalars; draw again then.
        if let Ok(k) = SigningKey::from_slice(&random_bytes::<32>()) {
            return k;
        }
    }
}

fn cose_key(key: &SigningKey, reorder: bool) -> Vec<u8> {
    let point = key.verifying_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    let (x, y) = (bytes[1..33].to_vec(), bytes[33..65].to_vec());
    let mut members = vec![
        (Cbor::Integer(1.into()), Cbor::Integer(2.into())), // kty: EC2
        (Cbor::Integer(3.into()), Cbor::Integer((-7).into())), // alg: ES256
        (Cbor::Integer((-1).into()), Cbor::Integer(1.into())), // crv: P-256
        (Cbor::Integer((-2).into()), Cbor::Bytes(x)),
        (Cbor::Integer((-3).into()), Cbor::Bytes(y)),
    ];
    if reorder {
        members.reverse();
    }
    let map = Cbor::Map(members);
    let mut out = Vec::new();
    ciborium::into_writer(&map, &mut out).expect("CBOR encoding");
    out
}

impl SoftAuthenticator {
    /// A platform-style authenticator with UV, device-bound, counting signatures.
    pub fn new(origin: &str) -> Self {
        SoftAuthenticator {
            origin: origin.to_owned(),
            aaguid: [0; 16],
            uv: true,
            backup_eligible: false,
            backup_state: false,
            counter_step: 1,
            transports: vec!["internal"],
            client_extension_results: json!({}),
            authenticator_extensions: None,
            credentials: Vec::new(),
            reorder_cose_key: false,
        }
    }

    /// A synced passkey: BE and BS set, counter always 0.
    pub fn synced(origin: &str) -> Self {
        SoftAuthenticator {
            backup_eligible: true,
            backup_state: true,
            counter_step: 0,
            transports: vec!["hybrid", "internal"],
            ..Self::new(origin)
        }
    }

    fn flags(&self, extra: u8) -> u8 {
        let mut f = UP | extra;
        if self.uv {
            f |= UV;
        }
        if self.backup_eligible {
            f |= BE;
        }
        if self.backup_state {
            f |= BS;
        }
        if self.authenticator_extensions.is_some() {
            f |= ED;
        }
        f
    }

    fn extensions_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if let Some(e) = &self.authenticator_extensions {
            ciborium::into_writer(e, &mut out).expect("CBOR encoding");
        }
        out
    }

    fn client_data(&self, ty: &str, challenge: &[u8]) -> Vec<u8> {
        json!({
            "type": ty,
            "challenge": b64url(challenge),
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    /// `navigator.credentials.create()`: refuses when it holds an excluded
    /// credential, else mints a credential with a random id.
    pub fn create(&mut self, options: &CreationOptionsJson) -> Result<String, ClientError> {
        self.create_with(options, random_bytes::<16>().to_vec(), random_key(), true)
    }

    /// `create` with a chosen credential id and key; `honour_exclude: false`
    /// models a client that skips the excludeCredentials check.
    pub fn create_with(
        &mut self,
        options: &CreationOptionsJson,
        id: Vec<u8>,
        key: SigningKey,
        honour_exclude: bool,
    ) -> Result<String, ClientError> {
        let rp_id = options.rp.id.clone();
        if honour_exclude
            && options.exclude_credentials.iter().any(|d| {
                self.credentials
                    .iter()
                    .any(|c| c.rp_id == rp_id && c.id == d.id.as_slice())
            })
        {
            return Err(ClientError::Excluded);
        }
        let mut auth_data = Vec::new();
        auth_data.extend_from_slice(&Sha256::digest(rp_id.as_bytes()));
        auth_data.push(self.flags(AT));
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&self.aaguid);
        auth_data.extend_from_slice(&u16::try_from(id.len()).unwrap().to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose_key(&key, self.reorder_cose_key));
        auth_data.extend_from_slice(&self.extensions_bytes());
        let att_obj = Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(vec![])),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]);
        let mut att = Vec::new();
        ciborium::into_writer(&att_obj, &mut att).expect("CBOR encoding");
        let cdj = self.client_data("webauthn.create", options.challenge.as_slice());
        // Replace any credential this authenticator held for the same account
        // (resident-key behaviour), then keep the new one.
        let user = options.user.id.as_slice().to_vec();
        self.credentials
            .retain(|c| !(c.rp_id == rp_id && c.user_handle == user && c.id == id));
        self.credentials.push(SoftCredential {
            id: id.clone(),
            key,
            rp_id,
            user_handle: user,
            counter: 0,
        });
        Ok(json!({
            "id": b64url(&id),
            "rawId": b64url(&id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(&cdj),
                "attestationObject": b64url(&att),
                "transports": self.transports,
            },
            "clientExtensionResults": self.client_extension_results,
        })
        .to_string())
    }

    /// The credential `navigator.credentials.get()` would use.
    fn pick(&self, options: &RequestOptionsJson) -> Result<usize, ClientError> {
        let rp_id = options.rp_id.clone().unwrap_or_default();
        self.credentials
            .iter()
            .position(|c| {
                c.rp_id == rp_id
                    && (options.allow_credentials.is_empty()
                        || options
                            .allow_credentials
                            .iter()
                            .any(|d| d.id.as_slice() == c.id))
            })
            .ok_or(ClientError::NoCredential)
    }

    /// `navigator.credentials.get()`: signs with the first matching credential,
    /// advancing its counter by `counter_step`.
    pub fn get(&mut self, options: &RequestOptionsJson) -> Result<String, ClientError> {
        let i = self.pick(options)?;
        let next = self.credentials[i].counter + self.counter_step;
        self.credentials[i].counter = next;
        Ok(self.assert_with(options, i, next))
    }

    /// An assertion by credential index with an explicit counter value (does
    /// not change the stored counter): for replaying one counter twice.
    pub fn get_with_counter(
        &mut self,
        options: &RequestOptionsJson,
        counter: u32,
    ) -> Result<String, ClientError> {
        let i = self.pick(options)?;
        Ok(self.assert_with(options, i, counter))
    }

    /// An assertion from a specific held credential, ignoring allowCredentials
    /// (a misbehaving client).
    pub fn get_forced(&mut self, options: &RequestOptionsJson, id: &[u8]) -> String {
        let i = self
            .credentials
            .iter()
            .position(|c| c.id == id)
            .expect("credential held");
        let next = self.credentials[i].counter + self.counter_step;
        self.credentials[i].counter = next;
        self.assert_with(options, i, next)
    }

    fn assert_with(&self, options: &RequestOptionsJson, i: usize, counter: u32) -> String {
        let c = &self.credentials[i];
        let mut auth_data = Vec::new();
        auth_data.extend_from_slice(&Sha256::digest(c.rp_id.as_bytes()));
        auth_data.push(self.flags(0));
        auth_data.extend_from_slice(&counter.to_be_bytes());
        auth_data.extend_from_slice(&self.extensions_bytes());
        let cdj = self.client_data("webauthn.get", options.challenge.as_slice());
        let mut msg = auth_data.clone();
        msg.extend_from_slice(&Sha256::digest(&cdj));
        let sig: Signature = c.key.sign(&msg);
        json!({
            "id": b64url(&c.id),
            "rawId": b64url(&c.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(&cdj),
                "authenticatorData": b64url(&auth_data),
                "signature": b64url(sig.to_der().as_bytes()),
                "userHandle": b64url(&c.user_handle),
            },
            "clientExtensionResults": self.client_extension_results,
        })
        .to_string()
    }
}

// ---- ceremonies through `Passkeys`, shared by the lifecycle and race tests ----

/// A user with a fresh random handle.
pub fn user(name: &str) -> User {
    User {
        handle: UserHandle::random().unwrap(),
        name: name.into(),
        display_name: name.to_uppercase(),
    }
}

pub async fn register<S: CredentialStore>(
    pk: &Passkeys<S>,
    u: &User,
    auth: &mut SoftAuthenticator,
) -> CredentialRecord {
    let (opts, ceremony) = pk
        .start_registration(u, &RegistrationOptions::default())
        .await
        .unwrap();
    let resp = auth.create(&opts).unwrap();
    pk.finish_registration(&ceremony, &resp).await.unwrap()
}

pub async fn sign_in<S: CredentialStore>(
    pk: &Passkeys<S>,
    u: Option<&UserHandle>,
    auth: &mut SoftAuthenticator,
) -> Result<VerifiedAuthentication, Error> {
    let (opts, ceremony) = pk
        .start_authentication(u, &AuthenticationOptions::default())
        .await
        .unwrap();
    let resp = auth.get(&opts).unwrap();
    pk.finish_authentication(&ceremony, &resp).await
}
