//! The inspector's logic, shared by `examples/inspect` and `tests/inspect.rs`:
//! response JSON text in, a readable report out. Nothing is verified here
//! (no challenge, origin or signature checks): the point is to see what the
//! client and authenticator sent, decoded with relypass's own parsers.

use ciborium::value::Value as Cbor;
use relypass::internal::attestation::AttestationObject;
use relypass::internal::attestation::android_key_description::key_description_from_certificate;
use relypass::internal::attestation::tpm_structures::{TpmsAttest, TpmtPublic};
use relypass::internal::authenticator_data::AuthenticatorData;
use relypass::internal::client_data::CollectedClientData;
use relypass::internal::cose::{CoseAlgorithm, CredentialPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt::Write;
use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};

/// The report for one response (or conformance case) JSON text.
pub fn inspect(text: &str) -> Result<String, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("input is not JSON: {e}"))?;
    let mut r = Report::default();
    let cred = if is_credential(&v) {
        &v
    } else if is_credential(&v["response"]) {
        if let Some(name) = v["name"].as_str() {
            r.line(0, "conformance case", name);
        }
        &v["response"]
    } else {
        return Err("neither a response JSON (id, rawId, response) nor a case with one".into());
    };
    let resp = &cred["response"];
    let registration = resp.get("attestationObject").is_some();
    r.head(0, "credential");
    r.line(
        1,
        "kind",
        if registration {
            "registration (attestation response)"
        } else {
            "authentication (assertion response)"
        },
    );
    r.line(1, "type", str_of(&cred["type"]));
    r.line(1, "id", str_of(&cred["id"]));
    let raw_id = bytes_field(cred, "rawId")?;
    r.line(1, "rawId", &format!("{} bytes", raw_id.len()));
    if let Some(a) = cred["authenticatorAttachment"].as_str() {
        r.line(1, "authenticatorAttachment", a);
    }

    let cdj = bytes_field(resp, "clientDataJSON")?;
    let origin_host = client_data(&mut r, &cdj)?;

    if registration {
        let att = bytes_field(resp, "attestationObject")?;
        let obj = AttestationObject::parse(&att).map_err(|e| format!("attestationObject: {e}"))?;
        authenticator_data(&mut r, obj.auth_data(), origin_host.as_deref())?;
        attestation(&mut r, &obj);
        if let Some(t) = resp["transports"].as_array() {
            let t: Vec<&str> = t.iter().filter_map(Value::as_str).collect();
            r.line(0, "transports", &t.join(", "));
        }
        if let Some(a) = resp["publicKeyAlgorithm"].as_i64() {
            r.line(0, "publicKeyAlgorithm", &alg_name(a));
        }
    } else {
        let ad = bytes_field(resp, "authenticatorData")?;
        authenticator_data(&mut r, &ad, origin_host.as_deref())?;
        let sig = bytes_field(resp, "signature")?;
        r.head(0, "assertion");
        r.line(1, "signature", &bytes_summary(&sig));
        match resp.get("userHandle").and_then(Value::as_str) {
            Some(s) if !s.is_empty() => {
                let uh = b64_lenient(s).ok_or("userHandle is not base64url")?;
                let shown = match std::str::from_utf8(&uh) {
                    Ok(t) if t.chars().all(|c| !c.is_control()) => format!(" ({t:?})"),
                    _ => String::new(),
                };
                r.line(1, "userHandle", &format!("{s}{shown}"));
            }
            _ => r.line(1, "userHandle", "(absent)"),
        }
    }
    r.head(0, "clientExtensionResults");
    match cred.get("clientExtensionResults") {
        Some(Value::Object(m)) if !m.is_empty() => {
            for (k, v) in m {
                r.line(1, k, &v.to_string());
            }
        }
        _ => r.line(1, "(none)", ""),
    }
    Ok(r.out)
}

fn is_credential(v: &Value) -> bool {
    v.get("response")
        .is_some_and(|r| r.get("clientDataJSON").is_some())
        && (v.get("rawId").is_some() || v.get("id").is_some())
}

#[derive(Default)]
struct Report {
    out: String,
}

impl Report {
    fn head(&mut self, indent: usize, title: &str) {
        let _ = writeln!(self.out, "{:w$}{title}", "", w = indent * 2);
    }
    fn line(&mut self, indent: usize, key: &str, value: &str) {
        if value.is_empty() {
            let _ = writeln!(self.out, "{:w$}{key}", "", w = indent * 2);
        } else {
            let _ = writeln!(self.out, "{:w$}{key}: {value}", "", w = indent * 2);
        }
    }
}

// ---- client data ------------------------------------------------------------

/// Prints clientDataJSON; returns the origin's host for the rpIdHash hint.
fn client_data(r: &mut Report, cdj: &[u8]) -> Result<Option<String>, String> {
    let c = CollectedClientData::parse(cdj).map_err(|e| format!("clientDataJSON: {e}"))?;
    let json: Value = serde_json::from_slice(cdj).map_err(|e| format!("clientDataJSON: {e}"))?;
    r.head(0, &format!("client data ({} bytes)", cdj.len()));
    r.line(1, "type", str_of(&json["type"]));
    let challenge = match b64_lenient(&c.challenge) {
        Some(b) => format!("{} ({} bytes)", c.challenge, b.len()),
        None => format!("{} (not base64url)", c.challenge),
    };
    r.line(1, "challenge", &challenge);
    r.line(1, "origin", &c.origin);
    r.line(
        1,
        "crossOrigin",
        &c.cross_origin
            .map_or("(absent)".to_string(), |b| b.to_string()),
    );
    r.line(
        1,
        "topOrigin",
        c.top_origin.as_deref().unwrap_or("(absent)"),
    );
    if let Value::Object(m) = &json {
        for (k, v) in m {
            if !["type", "challenge", "origin", "crossOrigin", "topOrigin"].contains(&k.as_str()) {
                r.line(1, &format!("{k} (other member)"), &v.to_string());
            }
        }
    }
    r.line(1, "clientDataHash", &hex(&Sha256::digest(cdj)));
    Ok(url::Url::parse(&c.origin)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned)))
}

// ---- authenticator data -----------------------------------------------------

const FLAG_NAMES: [(u8, &str); 8] = [
    (0x01, "UP"),
    (0x02, "RFU1"),
    (0x04, "UV"),
    (0x08, "BE"),
    (0x10, "BS"),
    (0x20, "RFU2"),
    (0x40, "AT"),
    (0x80, "ED"),
];

fn authenticator_data(r: &mut Report, raw: &[u8], host: Option<&str>) -> Result<(), String> {
    let ad = AuthenticatorData::parse(raw).map_err(|e| format!("authenticatorData: {e}"))?;
    r.head(0, &format!("authenticator data ({} bytes)", raw.len()));
    let mut hash = hex(ad.rp_id_hash());
    if let Some(h) = host {
        if Sha256::digest(h.as_bytes()).as_slice() == ad.rp_id_hash() {
            let _ = write!(hash, " (= SHA-256({h:?}), the origin's host)");
        } else {
            let _ = write!(
                hash,
                " (not SHA-256({h:?}): the RP ID is not the origin's host)"
            );
        }
    }
    r.line(1, "rpIdHash", &hash);
    let bits = ad.flags().bits();
    let names: Vec<&str> = FLAG_NAMES
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
        .collect();
    r.line(1, "flags", &format!("{bits:#04x} ({})", names.join(" ")));
    r.line(1, "signCount", &ad.sign_count().to_string());
    if let Some(acd) = ad.attested_credential_data() {
        r.head(1, "attested credential data");
        r.line(2, "AAGUID", &acd.aaguid.to_string());
        r.line(
            2,
            "credentialId",
            &format!(
                "{} ({} bytes)",
                relypass::json::b64url(acd.credential_id),
                acd.credential_id.len()
            ),
        );
        cose_key(r, acd.public_key_bytes, &acd.public_key);
    }
    if let Some(ext) = ad.extensions() {
        r.line(1, "extensions", &diag(ext));
    }
    Ok(())
}

fn cose_key(r: &mut Report, bytes: &[u8], key: &CredentialPublicKey) {
    r.head(2, &format!("credentialPublicKey ({} bytes)", bytes.len()));
    let map: Option<Cbor> = ciborium::from_reader(bytes).ok();
    let label = |l: i64| {
        map.as_ref()
            .and_then(Cbor::as_map)
            .and_then(|m| {
                m.iter().find(|(k, _)| {
                    k.as_integer()
                        .and_then(|i| i64::try_from(i).ok())
                        .is_some_and(|i| i == l)
                })
            })
            .and_then(|(_, v)| v.as_integer())
            .and_then(|i| i64::try_from(i).ok())
    };
    r.line(3, "alg", &alg_name(key.algorithm().to_i64()));
    let kty = label(1).map_or("?".into(), |k| {
        let n = match k {
            1 => "OKP",
            2 => "EC2",
            3 => "RSA",
            7 => "AKP",
            _ => "unknown",
        };
        format!("{n} ({k})")
    });
    r.line(3, "kty", &kty);
    if let Some(crv) = label(-1).filter(|_| label(1) != Some(3)) {
        let n = match crv {
            1 => "P-256",
            2 => "P-384",
            3 => "P-521",
            6 => "Ed25519",
            7 => "Ed448",
            _ => "unknown",
        };
        r.line(3, "crv", &format!("{n} ({crv})"));
    }
}

fn alg_name(alg: i64) -> String {
    match CoseAlgorithm::from_i64(alg) {
        CoseAlgorithm::Other(_) => format!("unknown ({alg})"),
        a => format!("{a:?} ({alg})"),
    }
}

// ---- attestation ------------------------------------------------------------

fn attestation(r: &mut Report, obj: &AttestationObject) {
    r.head(0, "attestation");
    r.line(1, "fmt", obj.fmt());
    statement(r, 1, obj.fmt(), obj.att_stmt_value());
}

fn statement(r: &mut Report, indent: usize, fmt: &str, stmt: &Cbor) {
    match stmt {
        Cbor::Map(m) if m.is_empty() => r.line(indent, "attStmt", "{} (empty)"),
        Cbor::Map(m) => {
            r.head(indent, "attStmt");
            for (k, v) in m {
                let key = k.as_text().map_or_else(|| diag(k), str::to_owned);
                member(r, indent + 1, fmt, &key, v);
            }
        }
        // compound: an array of {fmt, attStmt}.
        Cbor::Array(items) => {
            r.head(
                indent,
                &format!("attStmt: {}", count(items.len(), "statement")),
            );
            for (i, it) in items.iter().enumerate() {
                let sub_fmt = it
                    .as_map()
                    .and_then(|m| m.iter().find(|(k, _)| k.as_text() == Some("fmt")))
                    .and_then(|(_, v)| v.as_text())
                    .unwrap_or("?");
                r.line(indent + 1, &format!("[{i}] fmt"), sub_fmt);
                if let Some((_, s)) = it
                    .as_map()
                    .and_then(|m| m.iter().find(|(k, _)| k.as_text() == Some("attStmt")))
                {
                    statement(r, indent + 2, sub_fmt, s);
                }
            }
        }
        other => r.line(indent, "attStmt", &diag(other)),
    }
}

fn member(r: &mut Report, indent: usize, fmt: &str, key: &str, v: &Cbor) {
    match (key, v) {
        ("alg", Cbor::Integer(i)) => {
            let a = i64::try_from(*i).unwrap_or(i64::MIN);
            r.line(indent, "alg", &alg_name(a));
        }
        ("x5c", Cbor::Array(certs)) => {
            r.head(
                indent,
                &format!("x5c: {}", count(certs.len(), "certificate")),
            );
            for (i, c) in certs.iter().enumerate() {
                match c.as_bytes() {
                    Some(der) => certificate(r, indent + 1, i, der),
                    None => r.line(indent + 1, &format!("[{i}]"), "not a byte string"),
                }
            }
        }
        ("certInfo", Cbor::Bytes(b)) => tpm_cert_info(r, indent, b),
        ("pubArea", Cbor::Bytes(b)) => tpm_pub_area(r, indent, b),
        ("response", Cbor::Bytes(b)) if fmt == "android-safetynet" => jws(r, indent, b),
        (_, Cbor::Bytes(b)) => r.line(indent, key, &bytes_summary(b)),
        _ => r.line(indent, key, &diag(v)),
    }
}

fn certificate(r: &mut Report, indent: usize, i: usize, der: &[u8]) {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        r.line(
            indent,
            &format!("[{i}]"),
            &format!("{} bytes, not an X.509 certificate", der.len()),
        );
        return;
    };
    r.head(indent, &format!("[{i}] certificate ({} bytes)", der.len()));
    let i2 = indent + 1;
    r.line(i2, "subject", &non_empty(cert.subject().to_string()));
    r.line(i2, "issuer", &non_empty(cert.issuer().to_string()));
    r.line(i2, "serial", &cert.raw_serial_as_string());
    r.line(i2, "notBefore", &time(cert.validity().not_before));
    r.line(i2, "notAfter", &time(cert.validity().not_after));
    r.line(
        i2,
        "publicKey",
        &oid_name(&cert.public_key().algorithm.algorithm.to_id_string()),
    );
    r.line(
        i2,
        "signatureAlgorithm",
        &oid_name(&cert.signature_algorithm.algorithm.to_id_string()),
    );
    for ext in cert.extensions() {
        let oid = ext.oid.to_id_string();
        let crit = if ext.critical { ", critical" } else { "" };
        let value = match (oid.as_str(), ext.parsed_extension()) {
            (_, ParsedExtension::BasicConstraints(bc)) => format!("CA={}", bc.ca),
            (_, ParsedExtension::SubjectAlternativeName(san)) => san
                .general_names
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            ("1.3.6.1.4.1.45724.1.1.4", _) => match ext.value {
                [0x04, 0x10, rest @ ..] if rest.len() == 16 => {
                    let a: [u8; 16] = rest.try_into().unwrap_or_default();
                    relypass::Aaguid(a).to_string()
                }
                v => bytes_summary(v),
            },
            _ => bytes_summary(ext.value),
        };
        r.line(i2, &format!("extension {}{crit}", oid_name(&oid)), &value);
    }
    if let Ok(Some(kd)) = key_description_from_certificate(der) {
        r.head(i2, "android key description");
        let i3 = i2 + 1;
        r.line(
            i3,
            "attestationVersion",
            &kd.attestation_version.to_string(),
        );
        r.line(
            i3,
            "attestationSecurityLevel",
            &format!("{:?}", kd.attestation_security_level),
        );
        r.line(i3, "attestationChallenge", &hex(&kd.attestation_challenge));
        for (name, l) in [
            ("softwareEnforced", &kd.software_enforced),
            ("teeEnforced", &kd.tee_enforced),
        ] {
            r.line(
                i3,
                name,
                &format!(
                    "purpose {:?}, origin {:?}, allApplications {}",
                    l.purpose, l.origin, l.all_applications
                ),
            );
        }
    }
}

fn tpm_cert_info(r: &mut Report, indent: usize, b: &[u8]) {
    match TpmsAttest::parse(b) {
        Ok(a) => {
            r.head(
                indent,
                &format!("certInfo ({} bytes, TPMS_ATTEST)", b.len()),
            );
            r.line(indent + 1, "magic", &format!("{:#010x}", a.magic));
            r.line(indent + 1, "type", &format!("{:#06x}", a.attest_type));
            r.line(indent + 1, "qualifiedSigner", &hex(a.qualified_signer));
            r.line(indent + 1, "extraData", &hex(a.extra_data));
            r.line(
                indent + 1,
                "clockInfo",
                &format!(
                    "clock {}, resetCount {}, restartCount {}, safe {}",
                    a.clock_info.clock,
                    a.clock_info.reset_count,
                    a.clock_info.restart_count,
                    a.clock_info.safe
                ),
            );
            r.line(
                indent + 1,
                "firmwareVersion",
                &format!("{:#x}", a.firmware_version),
            );
            r.line(indent + 1, "attested.name", &hex(a.attested.name));
        }
        Err(e) => r.line(indent, "certInfo", &format!("{} ({e})", bytes_summary(b))),
    }
}

fn tpm_pub_area(r: &mut Report, indent: usize, b: &[u8]) {
    match TpmtPublic::parse(b) {
        Ok(p) => {
            r.head(indent, &format!("pubArea ({} bytes, TPMT_PUBLIC)", b.len()));
            let ty = match p.alg_type {
                0x0001 => "RSA",
                0x0023 => "ECC",
                _ => "?",
            };
            r.line(indent + 1, "type", &format!("{ty} ({:#06x})", p.alg_type));
            r.line(indent + 1, "nameAlg", &format!("{:#06x}", p.name_alg));
            r.line(
                indent + 1,
                "objectAttributes",
                &format!("{:#010x}", p.object_attributes),
            );
            r.line(indent + 1, "parameters", &format!("{:?}", p.parameters));
            if let Ok(name) = p.name() {
                r.line(indent + 1, "name", &hex(&name));
            }
        }
        Err(e) => r.line(indent, "pubArea", &format!("{} ({e})", bytes_summary(b))),
    }
}

fn jws(r: &mut Report, indent: usize, b: &[u8]) {
    let text = String::from_utf8_lossy(b);
    let parts: Vec<&str> = text.split('.').collect();
    let decode = |s: &str| -> Option<Value> { serde_json::from_slice(&b64_lenient(s)?).ok() };
    let (Some(h), Some(p), Some(_)) = (
        parts.first().and_then(|s| decode(s)),
        parts.get(1).and_then(|s| decode(s)),
        parts.get(2),
    ) else {
        r.line(
            indent,
            "response",
            &format!("{} (not a JWS)", bytes_summary(b)),
        );
        return;
    };
    r.head(indent, &format!("response ({} bytes, JWS)", b.len()));
    r.line(indent + 1, "header.alg", str_of(&h["alg"]));
    if let Some(certs) = h["x5c"].as_array() {
        r.head(
            indent + 1,
            &format!("header.x5c: {} certificates", certs.len()),
        );
        for (i, c) in certs.iter().enumerate() {
            match c.as_str().and_then(b64_lenient) {
                Some(der) => certificate(r, indent + 2, i, &der),
                None => r.line(indent + 2, &format!("[{i}]"), "not base64"),
            }
        }
    }
    if let Value::Object(m) = &p {
        for (k, v) in m {
            r.line(indent + 1, &format!("payload.{k}"), &v.to_string());
        }
    }
}

// ---- formatting helpers -----------------------------------------------------

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("(absent)")
}

fn bytes_field(v: &Value, key: &str) -> Result<Vec<u8>, String> {
    let s = v[key]
        .as_str()
        .ok_or_else(|| format!("{key} is missing or not a string"))?;
    b64_lenient(s).ok_or_else(|| format!("{key} is not base64url"))
}

/// base64url without padding as browsers send it; padding and the standard
/// alphabet (some tools' output) are accepted too.
fn b64_lenient(s: &str) -> Option<Vec<u8>> {
    let norm: String = s
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    relypass::json::b64url_decode(&norm)
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

fn bytes_summary(b: &[u8]) -> String {
    const SHOWN: usize = 64;
    if b.len() <= SHOWN {
        format!("{} bytes: {}", b.len(), hex(b))
    } else {
        format!("{} bytes: {}…", b.len(), hex(&b[..SHOWN]))
    }
}

fn non_empty(s: String) -> String {
    if s.is_empty() { "(empty)".into() } else { s }
}

fn time(t: x509_parser::time::ASN1Time) -> String {
    t.to_rfc2822().unwrap_or_else(|_| t.to_string())
}

fn oid_name(oid: &str) -> String {
    let name = match oid {
        "1.2.840.10045.2.1" => "EC public key",
        "1.2.840.113549.1.1.1" => "RSA",
        "1.3.101.112" => "Ed25519",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.31" => "cRLDistributionPoints",
        "2.5.29.32" => "certificatePolicies",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.37" => "extKeyUsage",
        "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess",
        "1.3.6.1.4.1.45724.1.1.4" => "id-fido-gen-ce-aaguid",
        "1.3.6.1.4.1.45724.2.1.1" => "id-fido-u2f-ce-transports",
        "1.3.6.1.4.1.11129.2.1.17" => "android key attestation",
        "1.2.840.113635.100.8.2" => "apple nonce",
        _ => return oid.to_owned(),
    };
    format!("{name} ({oid})")
}

/// CBOR diagnostic notation (RFC 8949 §8), byte strings in hex.
fn diag(v: &Cbor) -> String {
    match v {
        Cbor::Integer(i) => i128::from(*i).to_string(),
        Cbor::Bytes(b) => format!("h'{}'", hex(b)),
        Cbor::Float(f) => f.to_string(),
        Cbor::Text(t) => format!("{t:?}"),
        Cbor::Bool(b) => b.to_string(),
        Cbor::Null => "null".into(),
        Cbor::Tag(t, inner) => format!("{t}({})", diag(inner)),
        Cbor::Array(a) => format!("[{}]", a.iter().map(diag).collect::<Vec<_>>().join(", ")),
        Cbor::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", diag(k), diag(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "undefined".into(),
    }
}
