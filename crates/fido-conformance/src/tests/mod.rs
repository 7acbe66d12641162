//! Drives the conformance server the way the FIDO conformance tools do: HTTP
//! requests with the API's JSON shapes and a cookie jar, against the axum
//! `Router` in-process. The software authenticator is the test suite's own
//! (`relypass_testkit::soft_authenticator`); formats it cannot sign (certificate chains) are
//! replayed from the fixtures in `test-vectors/`.

use relypass_testkit::soft_authenticator as soft;

mod common_cases;
mod negative;
mod negative_assertion;
mod positive;

use crate::server::{App, router};
use crate::{Config, relying_party, trust_policy};
use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{Request, StatusCode};
use relypass::json::{CreationOptionsJson, RequestOptionsJson};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

pub const ORIGIN: &str = "https://conformance.example";
pub const RP_ID: &str = "conformance.example";

/// An HTTP client with one cookie jar (one conformance-tool session).
pub struct Client {
    router: Router,
    cookie: Option<String>,
}

impl Client {
    pub fn new(router: Router) -> Self {
        Client {
            router,
            cookie: None,
        }
    }

    /// Another session against the same server.
    pub fn other_session(&self) -> Self {
        Client::new(self.router.clone())
    }

    pub async fn post_raw(&mut self, path: &str, body: String) -> (StatusCode, Value) {
        let mut req = Request::post(path).header(CONTENT_TYPE, "application/json");
        if let Some(c) = &self.cookie {
            req = req.header(COOKIE, c.as_str());
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        if let Some(c) = resp.headers().get(SET_COOKIE) {
            let c = c.to_str().unwrap();
            self.cookie = Some(c.split(';').next().unwrap().to_owned());
        }
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{path}: body is not JSON ({e}): {bytes:?}"));
        // Every answer carries the ServerResponse members.
        assert!(
            v["status"].is_string() && v["errorMessage"].is_string(),
            "{v}"
        );
        assert_eq!(
            status == StatusCode::OK,
            v["status"] == "ok",
            "{path}: {status} {v}"
        );
        (status, v)
    }

    pub async fn post(&mut self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.post_raw(path, body.to_string()).await
    }

    /// `/attestation/options` that must succeed.
    pub async fn attestation_options(&mut self, req: &Value) -> CreationOptionsJson {
        let (status, v) = self.post("/attestation/options", req).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["errorMessage"], "");
        serde_json::from_value(v).unwrap()
    }

    /// `/assertion/options` that must succeed.
    pub async fn assertion_options(&mut self, req: &Value) -> RequestOptionsJson {
        let (status, v) = self.post("/assertion/options", req).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        serde_json::from_value(v).unwrap()
    }

    /// A result call that must succeed.
    pub async fn expect_ok(&mut self, path: &str, body: &Value) {
        let (status, v) = self.post(path, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {v}");
        assert_eq!(v, json!({"status": "ok", "errorMessage": ""}));
    }

    /// A call that must fail with a non-200 status and an errorMessage
    /// containing `why`.
    pub async fn expect_failed(&mut self, name: &str, path: &str, body: String, why: &str) {
        let (status, v) = self.post_raw(path, body).await;
        assert_ne!(status, StatusCode::OK, "{name}: accepted: {v}");
        assert_eq!(v["status"], "failed", "{name}: {v}");
        let msg = v["errorMessage"].as_str().unwrap();
        assert!(
            msg.to_lowercase().contains(&why.to_lowercase()),
            "{name}: expected {why:?} in {msg:?}"
        );
    }

    /// A credential JSON the result endpoint `path` must refuse (see
    /// `expect_failed`).
    pub async fn expect_refused(&mut self, name: &str, path: &str, cred: &Value, why: &str) {
        self.expect_failed(name, path, cred.to_string(), why).await
    }
}

/// The server for the live (software-signed) tests: no metadata.
pub fn live_server() -> Client {
    let config = config(RP_ID, &[ORIGIN], None);
    let (trust, _) = trust_policy(&config, 0).unwrap();
    let app = App::new(relying_party(&config, trust).unwrap());
    Client::new(router(Arc::new(app)))
}

pub fn config(rp_id: &str, origins: &[&str], metadata: Option<PathBuf>) -> Config {
    Config {
        listen: "127.0.0.1:0".into(),
        rp_id: rp_id.into(),
        rp_name: "conformance test".into(),
        origins: origins.iter().map(|o| o.to_string()).collect(),
        metadata,
        mds_root: None,
    }
}

/// The body a conformance tool sends for `/attestation/options`.
pub fn creation_request(username: &str, uv: &str) -> Value {
    json!({
        "username": username,
        "displayName": format!("{username} (display)"),
        "authenticatorSelection": {
            "requireResidentKey": false,
            "authenticatorAttachment": "cross-platform",
            "userVerification": uv
        },
        "attestation": "direct"
    })
}

/// The body a conformance tool sends for `/assertion/options`.
pub fn get_request(username: &str, uv: &str) -> Value {
    json!({"username": username, "userVerification": uv})
}

/// A browser `toJSON()` credential rewritten as the tools send it: only the
/// profile's members, `getClientExtensionResults` for the extension outputs.
pub fn to_server_credential(browser_json: &str) -> Value {
    let v: Value = serde_json::from_str(browser_json).unwrap();
    let mut response = serde_json::Map::new();
    for m in [
        "clientDataJSON",
        "attestationObject",
        "authenticatorData",
        "signature",
        "userHandle",
    ] {
        if let Some(x) = v["response"].get(m) {
            response.insert(m.into(), x.clone());
        }
    }
    json!({
        "id": v["id"],
        "rawId": v["rawId"],
        "type": v["type"],
        "response": response,
        "getClientExtensionResults": v.get("clientExtensionResults").cloned().unwrap_or(json!({})),
    })
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "relypass-fido-conformance-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A file under the repository root (this package lives in
/// `crates/fido-conformance/`; the vectors are the repository's).
pub fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

#[tokio::test]
async fn conformance_api_positive_and_negative() {
    let positive = positive::run_all().await;
    let negative = negative::run_all().await;
    println!("fido-conformance: {positive} positive, {negative} negative passed");
    assert!(positive >= 12, "{positive}");
    assert!(negative >= 40, "{negative}");
}

#[test]
fn command_line() {
    let args = |a: &[&str]| crate::parse_args(a.iter().map(|s| s.to_string()));
    let c = args(&["--rp-id", "example.com", "--origin", "https://example.com"])
        .unwrap()
        .unwrap();
    assert_eq!(c.rp_id, "example.com");
    assert_eq!(c.origins, vec!["https://example.com".to_string()]);
    assert_eq!(
        args(&[]).unwrap().unwrap().origins,
        vec!["http://localhost:3000"]
    );
    assert_eq!(args(&["--help"]).unwrap(), None);
    assert!(args(&["--rp-id"]).unwrap_err().contains("needs a value"));
    assert!(args(&["--bogus"]).unwrap_err().contains("unknown option"));
    assert!(
        args(&["--mds-root", "x"])
            .unwrap_err()
            .contains("--metadata")
    );
}

#[test]
fn metadata_directory_with_a_blob_and_statements() {
    let dir = temp_dir("blob-load");
    std::fs::copy(repo_file("test-vectors/mds/blob.jwt"), dir.join("blob.jwt")).unwrap();
    let root = repo_file("test-vectors/mds/root.der");
    // 2026-06-01, inside the BLOB signer's validity.
    let loaded = crate::metadata::load_dir(&dir, Some(&root), 1_780_272_000).unwrap();
    assert_eq!((loaded.blobs, loaded.statements), (1, 0));
    assert_eq!(loaded.blob.as_ref().unwrap().no(), 42);
    assert!(!loaded.anchors.is_empty());
    // A BLOB without its root is refused at start-up, naming the file.
    let err = crate::metadata::load_dir(&dir, None, 1_780_272_000)
        .err()
        .unwrap();
    assert!(
        err.contains("blob.jwt") && err.contains("--mds-root"),
        "{err}"
    );
    // A broken statement names the file too.
    std::fs::write(dir.join("bad.json"), r#"{"aaguid": "not-a-uuid"}"#).unwrap();
    let err = crate::metadata::load_dir(&dir, Some(&root), 1_780_272_000)
        .err()
        .unwrap();
    assert!(err.contains("bad.json") && err.contains("UUID"), "{err}");
    // A UAF statement (no AAGUID, no key identifiers) is skipped.
    std::fs::write(dir.join("bad.json"), r#"{"aaid": "4e4e#4005"}"#).unwrap();
    let loaded = crate::metadata::load_dir(&dir, Some(&root), 1_780_272_000).unwrap();
    assert_eq!(loaded.skipped, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

use relypass_testkit::conformance_case as case;

use ciborium::value::Value as Cbor;
use relypass::json::{b64url, b64url_decode};
use sha2::{Digest, Sha256};

/// A member of a CBOR map with a text key.
pub fn cbor_get<'a>(m: &'a Cbor, key: &str) -> Option<&'a Cbor> {
    m.as_map()?
        .iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
}

/// The decoded attestation object of a browser or server credential JSON.
pub fn attestation_object(v: &Value) -> Cbor {
    let att = b64url_decode(v["response"]["attestationObject"].as_str().unwrap()).unwrap();
    ciborium::de::from_reader(att.as_slice()).unwrap()
}

/// authData of a credential JSON's attestation object.
pub fn auth_data(v: &Value) -> Vec<u8> {
    cbor_get(&attestation_object(v), "authData")
        .and_then(Cbor::as_bytes)
        .unwrap()
        .clone()
}

/// Replaces a credential JSON's attestation statement: `stmt` gets authData and
/// clientDataJSON and returns the new `fmt` and `attStmt`.
pub fn reattest(
    v: &mut Value,
    stmt: impl FnOnce(&[u8], &[u8]) -> (&'static str, Vec<(Cbor, Cbor)>),
) {
    let ad = auth_data(v);
    let cdj = b64url_decode(v["response"]["clientDataJSON"].as_str().unwrap()).unwrap();
    let (fmt, att_stmt) = stmt(&ad, &cdj);
    let obj = Cbor::Map(vec![
        (Cbor::Text("fmt".into()), Cbor::Text(fmt.into())),
        (Cbor::Text("attStmt".into()), Cbor::Map(att_stmt)),
        (Cbor::Text("authData".into()), Cbor::Bytes(ad)),
    ]);
    let mut bytes = Vec::new();
    ciborium::ser::into_writer(&obj, &mut bytes).unwrap();
    v["response"]["attestationObject"] = b64url(&bytes).into();
}

/// A packed self-attestation statement by `key` with COSE algorithm `alg`.
pub fn packed_self(key: &soft::Key, alg: i64, ad: &[u8], cdj: &[u8]) -> Vec<(Cbor, Cbor)> {
    let mut msg = ad.to_vec();
    msg.extend_from_slice(&Sha256::digest(cdj));
    vec![
        (Cbor::Text("alg".into()), Cbor::Integer(alg.into())),
        (Cbor::Text("sig".into()), Cbor::Bytes(key.sign(&msg))),
    ]
}
