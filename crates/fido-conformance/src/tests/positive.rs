//! The positive paths: every attestation format the software authenticator can
//! sign (none, packed self) live, and the certificate-bearing formats (packed
//! full with a test CA, fido-u2f, tpm, android-key, apple) replayed from the
//! fixtures, trusted through a metadata directory as the tools supply it.

use super::soft::{Alg, SoftAuthenticator, Tamper};
use super::*;
use base64::Engine;
use relypass::attestation::mds::key_identifier;

/// Registers and signs in with `fmt` `none` or `packed` (self) for each
/// algorithm; returns the number of passed ceremonies.
async fn live(fmt: &str) -> usize {
    let mut passed = 0;
    for (i, alg) in [Alg::Es256, Alg::Ed25519, Alg::Rs256]
        .into_iter()
        .enumerate()
    {
        let mut c = live_server();
        let user = format!("{fmt}-{alg:?}@example.com");
        let options = c
            .attestation_options(&creation_request(&user, "preferred"))
            .await;
        // The options the profile requires, base64url binary members included.
        assert_eq!(options.rp.id, RP_ID);
        assert!(options.challenge.as_slice().len() >= 16);
        assert_eq!(options.user.name, user);
        assert!(!options.pub_key_cred_params.is_empty());
        assert_eq!(
            options.attestation.map(|a| a.as_str()),
            Some("direct"),
            "attestation conveyance is honoured"
        );
        let mut a = SoftAuthenticator::new(alg, ORIGIN, 40 + i as u8);
        let mut cred = to_server_credential(&a.register(&options, &Tamper::default()));
        if fmt == "packed" {
            let key = &a.key;
            let cose = key.cose_alg();
            reattest(&mut cred, |ad, cdj| {
                ("packed", packed_self(key, cose, ad, cdj))
            });
        }
        c.expect_ok("/attestation/result", &cred).await;
        passed += 1;
        // Sign in twice: the counter advances. The second time the user handle
        // is empty, as the tools send it for non-discoverable credentials.
        for round in 0..2 {
            let options = c.assertion_options(&get_request(&user, "preferred")).await;
            assert_eq!(options.allow_credentials.len(), 1);
            assert_eq!(options.rp_id.as_deref(), Some(RP_ID));
            let mut assertion = to_server_credential(&a.authenticate(&options, &Tamper::default()));
            if round == 1 {
                assertion["response"]["userHandle"] = "".into();
            }
            c.expect_ok("/assertion/result", &assertion).await;
            passed += 1;
        }
    }
    passed
}

/// How the fixture's attestation root reaches the server.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Metadata {
    /// A metadata statement listing the fixture's root.
    Statement,
    /// A metadata statement for the right authenticator listing a root that
    /// did not issue its chain.
    WrongRoot,
    /// The MDS3 BLOB of `test-vectors/mds` with its root.
    Blob,
    /// A statement listing the fixture's root, and the BLOB (whose status
    /// reports then apply).
    StatementAndBlob,
}

/// Runs a fixture's registration through `/attestation/options` and
/// `/attestation/result`; returns the result call's status and body.
pub async fn fixture(rel: &str, metadata: Metadata) -> (axum::http::StatusCode, Value) {
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(repo_file(rel)).unwrap()).unwrap();
    let rp_id = case["rp"]["id"].as_str().unwrap();
    let origins: Vec<&str> = case["rp"]["origins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    let now = case["now"].as_u64().unwrap_or(case::DEFAULT_NOW);
    let challenge = case::challenge(&case).unwrap();
    let cred = to_server_credential(&case["response"].to_string());
    let anchors: Vec<Vec<u8>> = case
        .get("anchors")
        .or_else(|| case["policy"].get("trust_anchors"))
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|a| case::lenient_b64url(a.as_str().unwrap()).unwrap())
        .collect();
    let std_b64 = |der: &[u8]| base64::engine::general_purpose::STANDARD.encode(der);
    let name = rel.replace('/', "-");
    let dir = temp_dir(&name);
    let mut config = config(rp_id, &origins, Some(dir.clone()));
    if matches!(metadata, Metadata::Blob | Metadata::StatementAndBlob) {
        std::fs::copy(repo_file("test-vectors/mds/blob.jwt"), dir.join("mds.jwt")).unwrap();
        config.mds_root = Some(repo_file("test-vectors/mds/root.der"));
    }
    match metadata {
        Metadata::Blob => {}
        Metadata::Statement | Metadata::WrongRoot | Metadata::StatementAndBlob => {
            let roots: Vec<String> = if metadata == Metadata::WrongRoot {
                vec![std_b64(
                    &std::fs::read(repo_file("test-vectors/pki/ec_root.der")).unwrap(),
                )]
            } else {
                anchors.iter().map(|d| std_b64(d)).collect()
            };
            let obj = attestation_object(&cred);
            let mut statement = json!({
                "description": format!("fixture {rel}"),
                "protocolFamily": "fido2",
                "attestationRootCertificates": roots,
            });
            if cbor_get(&obj, "fmt").and_then(Cbor::as_text) == Some("fido-u2f") {
                // U2F statements name the attestation key, not an AAGUID.
                let x5c = cbor_get(&obj, "attStmt")
                    .and_then(|s| cbor_get(s, "x5c"))
                    .and_then(Cbor::as_array)
                    .unwrap();
                let leaf = x5c[0].as_bytes().unwrap();
                let kid = key_identifier(leaf).unwrap();
                let hex: String = kid.iter().map(|b| format!("{b:02x}")).collect();
                statement["protocolFamily"] = "u2f".into();
                statement["attestationCertificateKeyIdentifiers"] = json!([hex]);
            } else {
                let ad = auth_data(&cred);
                let aaguid = relypass::Aaguid(ad[37..53].try_into().unwrap());
                statement["aaguid"] = aaguid.to_string().into();
            }
            std::fs::write(dir.join("statement.json"), statement.to_string()).unwrap();
        }
    }
    let (trust, _) = trust_policy(&config, now).unwrap();
    let app = App::new(relying_party(&config, trust).unwrap()).with_fixed_time(now);
    app.set_next_challenge(challenge.clone());
    let mut c = Client::new(router(Arc::new(app)));
    let options = c
        .attestation_options(&creation_request("fixture@example.com", "preferred"))
        .await;
    assert_eq!(options.challenge.as_slice(), challenge.as_slice());
    let out = c.post("/attestation/result", &cred).await;
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// The certificate-bearing formats, one fixture each.
pub const FIXTURES: [&str; 6] = [
    "test-vectors/attestation/packed-valid.json",
    "test-vectors/conformance/vectors/packed/w3c-packed-es256.json",
    "test-vectors/conformance/vectors/fido-u2f/w3c-fido-u2f-es256.json",
    "test-vectors/conformance/vectors/tpm/w3c-tpm-es256.json",
    "test-vectors/attestation/android-key-valid.json",
    "test-vectors/attestation/apple-valid.json",
];

async fn fixtures() -> usize {
    let mut passed = 0;
    for rel in FIXTURES {
        let (status, v) = fixture(rel, Metadata::Statement).await;
        assert_eq!(status, axum::http::StatusCode::OK, "{rel}: {v}");
        passed += 1;
    }
    // Trust from an MDS3 BLOB (verified against its root) instead of statements.
    let rel = "test-vectors/conformance/vectors/packed/w3c-packed-es256.json";
    let (status, v) = fixture(rel, Metadata::Blob).await;
    assert_eq!(
        status,
        axum::http::StatusCode::OK,
        "{rel} with the BLOB: {v}"
    );
    passed + 1
}

/// A second registration for the same user lists the first credential in
/// excludeCredentials, under the same user id.
async fn exclude_credentials() -> usize {
    let mut c = live_server();
    let mut req = creation_request("twice@example.com", "discouraged");
    req["extensions"] = json!({"credProps": true, "example.extension": "x"});
    let first = c.attestation_options(&req).await;
    assert!(first.exclude_credentials.is_empty());
    // Extension inputs reach the client unchanged.
    assert_eq!(
        serde_json::to_value(&first.extensions).unwrap(),
        req["extensions"]
    );
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 90);
    c.expect_ok(
        "/attestation/result",
        &to_server_credential(&a.register(&first, &Tamper::default())),
    )
    .await;
    let second = c.attestation_options(&req).await;
    assert_eq!(second.user.id, first.user.id);
    assert_eq!(second.exclude_credentials.len(), 1);
    assert_eq!(
        second.exclude_credentials[0].id.as_slice(),
        a.credential_id.as_slice()
    );
    1
}

pub async fn run_all() -> usize {
    live("none").await + live("packed").await + fixtures().await + exclude_credentials().await
}
