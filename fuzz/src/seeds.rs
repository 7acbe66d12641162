//! The seed inputs of every fuzz target, cut from one conformance case.
//!
//! A submodule of the harness (declared in `harness.rs`), so that whoever
//! includes the harness by path gets these too: `examples/fuzz_seeds.rs` writes
//! them as the seed corpora, and `tests/fuzz_regressions.rs` checks that they
//! reach the checks they are meant for. The framings are built here, next to
//! the harness functions that take them apart, so the two cannot drift.

use super::{DEFAULT_NOW, SELECT_TRUSTED, STATEMENT_FORMATS};
use ciborium::Value as Cbor;
use relypass::internal::attestation::AttestationObject;
use relypass::internal::authenticator_data::AuthenticatorData;
use relypass::internal::cert_path::OID_ANDROID_KEY_ATTESTATION;
use relypass::json::b64url_decode;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One seed: the fuzz target, a file-name suffix (empty for the case's main
/// seed of that target) and the input bytes.
pub type Seed = (&'static str, &'static str, Vec<u8>);

/// Every target's seeds from one case. Registration cases (and cases without a
/// `ceremony`, as the synthetic statements in test-vectors/attestation are)
/// also give the format-level targets their inputs, split out of the
/// attestation object:
/// - `attestation_statement`: the statement under `Any` and under `Trusted`,
///   and, wrapped with a `none` statement, as a `compound` one;
/// - `tpm_structures`: certInfo, pubArea and the AIK certificate;
/// - `x509_path`: the `x5c` chain (a SafetyNet JWS's too) at the case's time;
/// - `jws`: a SafetyNet `response`;
/// - `android_key_description`: an android-key leaf certificate and the value
///   of its key attestation extension.
pub fn seeds_of(case: &Value) -> Result<Vec<Seed>, String> {
    let resp = &case["response"];
    let r = &resp["response"];
    let field = |name: &str| r[name].as_str().and_then(b64url_decode);
    let mut seeds = Vec::new();
    let cdj = field("clientDataJSON").ok_or("no clientDataJSON")?;
    seeds.push(("client_data", "", cdj.clone()));
    let response_json = serde_json::to_vec(resp).map_err(|e| e.to_string())?;
    // The harness reads only these members; the rest (provenance, descriptions)
    // would only dilute the mutations.
    let mut slim = serde_json::Map::new();
    for k in ["rp", "challenge", "now", "policy", "response", "credential"] {
        if let Some(v) = case.get(k) {
            slim.insert(k.into(), v.clone());
        }
    }
    let slim = serde_json::to_vec(&Value::Object(slim)).map_err(|e| e.to_string())?;
    let now = case["now"].as_u64().unwrap_or(DEFAULT_NOW);
    match case["ceremony"].as_str().unwrap_or("registration") {
        "registration" => {
            let att = field("attestationObject").ok_or("no attestationObject")?;
            let hash: [u8; 32] = Sha256::digest(&cdj).into();
            let mut prefixed = now.to_be_bytes().to_vec();
            prefixed.extend_from_slice(&hash);
            prefixed.extend_from_slice(&att);
            seeds.push(("attestation_object", "", prefixed));
            if let Ok(obj) = AttestationObject::parse(&att) {
                let ad = obj.auth_data().to_vec();
                if let Ok(parsed) = AuthenticatorData::parse(&ad)
                    && let Some(acd) = parsed.attested_credential_data()
                {
                    seeds.push(("cose_key", "", acd.public_key_bytes.to_vec()));
                }
                statement_seeds(&obj, now, &hash, &mut seeds)?;
                seeds.push(("authenticator_data", "reg", ad));
            }
            seeds.push(("registration_json", "", response_json));
            seeds.push(("finish_registration", "", slim));
        }
        "authentication" => {
            if let Some(ad) = field("authenticatorData") {
                seeds.push(("authenticator_data", "", ad));
            }
            if let Some(k) = case["credential"]["public_key"]
                .as_str()
                .and_then(b64url_decode)
            {
                seeds.push(("cose_key", "stored", k));
            }
            seeds.push(("authentication_json", "", response_json));
            seeds.push(("finish_authentication", "", slim));
        }
        other => return Err(format!("unknown ceremony {other:?}")),
    }
    Ok(seeds)
}

/// The format-level seeds of one attestation object.
fn statement_seeds(
    obj: &AttestationObject,
    now: u64,
    hash: &[u8; 32],
    seeds: &mut Vec<Seed>,
) -> Result<(), String> {
    let fmt = obj.fmt();
    let stmt = obj.att_stmt_value();
    let Some(index) = STATEMENT_FORMATS.iter().position(|f| *f == fmt) else {
        return Ok(());
    };
    let selector = u8::try_from(index).map_err(|e| e.to_string())?;
    seeds.push((
        "attestation_statement",
        "",
        statement_input(selector, now, hash, obj.auth_data(), stmt)?,
    ));
    if fmt == "none" {
        return Ok(());
    }
    seeds.push((
        "attestation_statement",
        "trusted",
        statement_input(selector | SELECT_TRUSTED, now, hash, obj.auth_data(), stmt)?,
    ));
    if fmt != "compound" {
        // No vector carries a compound statement: this one verifies whenever
        // the statement inside does (a `none` statement always does).
        let compound = Cbor::Array(vec![
            Cbor::Map(vec![
                (Cbor::Text("fmt".into()), Cbor::Text(fmt.into())),
                (Cbor::Text("attStmt".into()), stmt.clone()),
            ]),
            Cbor::Map(vec![
                (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
                (Cbor::Text("attStmt".into()), Cbor::Map(Vec::new())),
            ]),
        ]);
        let compound_selector = STATEMENT_FORMATS
            .iter()
            .position(|f| *f == "compound")
            .and_then(|i| u8::try_from(i).ok())
            .ok_or("no compound selector")?;
        seeds.push((
            "attestation_statement",
            "compound",
            statement_input(compound_selector, now, hash, obj.auth_data(), &compound)?,
        ));
    }
    let x5c: Vec<&[u8]> = match member(stmt, "x5c") {
        Some(Cbor::Array(certs)) => certs
            .iter()
            .filter_map(|c| c.as_bytes().map(Vec::as_slice))
            .collect(),
        _ => Vec::new(),
    };
    if !x5c.is_empty() {
        seeds.push(("x509_path", "", path_input(now, &x5c)?));
    }
    match fmt {
        "tpm" => {
            let bytes = |k: &str| member(stmt, k).and_then(Cbor::as_bytes).map(Vec::as_slice);
            let (Some(cert_info), Some(pub_area)) = (bytes("certInfo"), bytes("pubArea")) else {
                return Ok(());
            };
            let mut input = framed(cert_info)?;
            input.extend_from_slice(&framed(pub_area)?);
            input.extend_from_slice(x5c.first().copied().unwrap_or_default());
            seeds.push(("tpm_structures", "", input));
        }
        "android-key" => {
            if let Some(leaf) = x5c.first() {
                seeds.push(("android_key_description", "cert", leaf.to_vec()));
                if let Some(ext) = key_attestation_extension(leaf) {
                    seeds.push(("android_key_description", "ext", ext));
                }
            }
        }
        "android-safetynet" => {
            if let Some(jws) = member(stmt, "response").and_then(Cbor::as_bytes) {
                seeds.push(("jws", "", jws.clone()));
                let chain = jws_x5c(jws);
                let chain: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
                if !chain.is_empty() {
                    seeds.push(("x509_path", "jws", path_input(now, &chain)?));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// An `attestation_statement` input (see `harness::attestation_statement`).
pub fn statement_input(
    selector: u8,
    now: u64,
    client_data_hash: &[u8; 32],
    auth_data: &[u8],
    stmt: &Cbor,
) -> Result<Vec<u8>, String> {
    let mut out = vec![selector];
    out.extend_from_slice(&now.to_be_bytes());
    out.extend_from_slice(client_data_hash);
    out.extend_from_slice(&framed(auth_data)?);
    ciborium::into_writer(stmt, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// An `x509_path` input (see `harness::x509_path`): validity checked, SHA-1 allowed.
pub fn path_input(now: u64, chain: &[&[u8]]) -> Result<Vec<u8>, String> {
    let now = i64::try_from(now).map_err(|e| e.to_string())?;
    let mut out = now.to_be_bytes().to_vec();
    out.push(0);
    for der in chain {
        out.extend_from_slice(&framed(der)?);
    }
    Ok(out)
}

/// `len[2, BE] ‖ bytes`, the framing of `harness::frame`.
fn framed(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let len = u16::try_from(bytes.len()).map_err(|_| "a part longer than 65535 bytes")?;
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(bytes);
    Ok(out)
}

fn member<'a>(stmt: &'a Cbor, key: &str) -> Option<&'a Cbor> {
    stmt.as_map()?
        .iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
}

/// The DER value of a certificate's Android key attestation extension.
fn key_attestation_extension(cert: &[u8]) -> Option<Vec<u8>> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, cert) = X509Certificate::from_der(cert).ok()?;
    cert.extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == OID_ANDROID_KEY_ATTESTATION)
        .map(|e| e.value.to_vec())
}

/// The `x5c` certificates of a compact JWS's header (not verified: a seed
/// only needs the bytes).
fn jws_x5c(jws: &[u8]) -> Vec<Vec<u8>> {
    use base64::Engine;
    let header = jws.split(|&b| b == b'.').next().unwrap_or_default();
    let Ok(header) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header) else {
        return Vec::new();
    };
    let Ok(header) = serde_json::from_slice::<Value>(&header) else {
        return Vec::new();
    };
    header["x5c"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|c| base64::engine::general_purpose::STANDARD.decode(c).ok())
        .collect()
}
