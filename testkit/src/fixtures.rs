//! Shared helpers for the integration tests: conformance-case loading,
//! base64 and CBOR decoding of the attestation object.
#![allow(dead_code)]

use ciborium::Value as Cbor;
use serde_json::Value;
use std::path::PathBuf;

/// Root of the shared conformance data.
pub fn conformance_dir() -> PathBuf {
    std::env::var_os("RELYPASS_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::repo_root().join("test-vectors/conformance"))
}

/// Fallback verification time for cases without `now` (2026-06-01T00:00:00Z),
/// chosen inside every such case's certificate validity so the tests do not
/// depend on the wall clock.
pub const DEFAULT_NOW: i64 = 1_780_272_000;

pub fn b64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => panic!("bad base64 char {c}"),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

pub struct Case {
    pub path: PathBuf,
    pub json: Value,
}

impl Case {
    pub fn load(rel: &str) -> Case {
        let path = conformance_dir().join("vectors").join(rel);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        Case {
            path,
            json: serde_json::from_str(&text).unwrap(),
        }
    }

    pub fn name(&self) -> String {
        self.path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    pub fn now(&self) -> i64 {
        self.json["now"].as_i64().unwrap_or(DEFAULT_NOW)
    }

    pub fn client_data_json(&self) -> Vec<u8> {
        b64_decode(
            self.json["response"]["response"]["clientDataJSON"]
                .as_str()
                .unwrap(),
        )
    }

    pub fn attestation_object(&self) -> Cbor {
        let bytes = b64_decode(
            self.json["response"]["response"]["attestationObject"]
                .as_str()
                .unwrap(),
        );
        ciborium::from_reader(bytes.as_slice()).unwrap()
    }

    pub fn fmt(&self) -> String {
        map_get(&self.attestation_object(), "fmt")
            .and_then(|v| v.as_text().map(str::to_string))
            .unwrap()
    }

    pub fn auth_data(&self) -> Vec<u8> {
        map_get(&self.attestation_object(), "authData")
            .and_then(|v| v.as_bytes().cloned())
            .unwrap()
    }

    pub fn att_stmt(&self) -> Cbor {
        map_get(&self.attestation_object(), "attStmt")
            .cloned()
            .unwrap()
    }

    pub fn stmt_bytes(&self, key: &str) -> Option<Vec<u8>> {
        map_get(&self.att_stmt(), key).and_then(|v| v.as_bytes().cloned())
    }

    pub fn stmt_alg(&self) -> Option<i64> {
        map_get(&self.att_stmt(), "alg")
            .and_then(|v| v.as_integer())
            .and_then(|i| i64::try_from(i).ok())
    }

    /// `attStmt.x5c`, or for android-safetynet the JWS header's x5c.
    pub fn x5c(&self) -> Vec<Vec<u8>> {
        if let Some(list) = map_get(&self.att_stmt(), "x5c").and_then(|v| v.as_array().cloned()) {
            return list.iter().map(|c| c.as_bytes().unwrap().clone()).collect();
        }
        if let Some(resp) = self.stmt_bytes("response") {
            let jws = String::from_utf8(resp).unwrap();
            let header = jws.split('.').next().unwrap();
            let header: Value = serde_json::from_slice(&b64_decode(header)).unwrap();
            return header["x5c"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| b64_decode(c.as_str().unwrap()))
                .collect();
        }
        Vec::new()
    }

    /// Trust anchors named by the case, as PEM texts.
    pub fn anchor_pems(&self) -> Vec<String> {
        self.json["policy"]["trust_anchor_files"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| read_anchor_pem(f.as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Inline trust anchors (base64url DER) of the case.
    pub fn anchor_ders(&self) -> Vec<Vec<u8>> {
        self.json["policy"]["trust_anchors"]
            .as_array()
            .map(|a| a.iter().map(|s| b64_decode(s.as_str().unwrap())).collect())
            .unwrap_or_default()
    }

    pub fn policy_attestation(&self) -> String {
        self.json["policy"]["attestation"]
            .as_str()
            .unwrap_or("any")
            .to_string()
    }
}

pub fn read_anchor_pem(rel: &str) -> String {
    let p = conformance_dir().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"))
}

pub fn map_get<'a>(m: &'a Cbor, key: &str) -> Option<&'a Cbor> {
    m.as_map()?
        .iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
}

pub fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(data).to_vec()
}

/// Every registration vector file (relative path) under `vectors/`.
pub fn registration_cases() -> Vec<String> {
    let mut out = Vec::new();
    let root = conformance_dir().join("vectors");
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let rel = f
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let c = Case::load(&rel);
            if c.json["ceremony"] == "registration" {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

pub fn fixture(name: &str) -> Vec<u8> {
    let p = crate::repo_root().join("test-vectors/pki").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"))
}
