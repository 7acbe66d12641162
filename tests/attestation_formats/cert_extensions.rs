//! Certificate extension bytes changed in real certificates.

use super::android_key::ANDROID_KEY;
use super::tpm::TPM_RSA;
use super::*;

// ---------------------------------------------------------------------------
// Certificate extension bytes changed in real certificates: the statement
// signature still verifies (the certificate key is unchanged), so the
// format's own extension check fires before the chain check would.
// ---------------------------------------------------------------------------

/// A copy whose `x5c[0]` has `needle` (which must occur once) changed in its last byte.
fn with_leaf_bytes_changed(r: &Reg, needle: &[u8]) -> Reg {
    let x5c = map_get(map_get(&r.att_obj(), "attStmt").unwrap(), "x5c")
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    let mut leaf = x5c[0].as_bytes().unwrap().clone();
    let pos: Vec<usize> = leaf
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(pos.len(), 1, "{}: needle found {} times", r.name, pos.len());
    leaf[pos[0] + needle.len() - 1] ^= 0x01;
    let mut items = x5c;
    items[0] = Cbor::Bytes(leaf);
    r.with_member("x5c", Cbor::Array(items))
}

fn client_data_hash(r: &Reg) -> Vec<u8> {
    blocks::sha256(&b64_decode(
        r.json["response"]["response"]["clientDataJSON"]
            .as_str()
            .unwrap(),
    ))
}

#[test]
fn certificate_extension_bytes_changed() {
    // android-key: attestationChallenge in the key description.
    for rel in ANDROID_KEY {
        let r = Reg::vector(rel);
        let changed = with_leaf_bytes_changed(&r, &client_data_hash(&r));
        for mode in [TrustMode::Any, TrustMode::Trusted] {
            expect_attestation(
                changed.run(r.policy(mode)),
                "android-key",
                "attestationChallenge is not clientDataHash",
            );
        }
    }
    // apple: the nonce extension.
    for rel in [
        "apple/iphone-passkey-2021.json",
        "apple/w3c-apple-es256.json",
    ] {
        let r = Reg::vector(rel);
        let nonce = blocks::sha256(&[r.auth_data(), client_data_hash(&r)].concat());
        expect_attestation(
            with_leaf_bytes_changed(&r, &nonce).run(r.policy(TrustMode::Trusted)),
            "apple",
            "nonce does not match",
        );
    }
    // packed: the id-fido-gen-ce-aaguid extension (no real TPM AIK certificate
    // here carries one; tpm_aaguid_mismatch_vector covers tpm).
    for rel in [
        "packed/yubikey5nfc-demo-yubico.json",
        "packed/solokeys-solo2.json",
    ] {
        let r = Reg::vector(rel);
        let aaguid = aaguid_of(&r).0;
        expect_attestation(
            with_leaf_bytes_changed(&r, &aaguid).run(r.policy(TrustMode::Any)),
            "packed",
            "AAGUID extension does not match authData AAGUID",
        );
    }
}

#[test]
fn certificate_signature_broken_elsewhere() {
    // A leaf changed where no format check looks (its serial number's last
    // byte): the chain check catches it, with or without a trust anchor as
    // long as the issuer is in x5c.
    let r = Reg::vector("packed/yubikey5nfc-demo-yubico.json");
    let changed = with_leaf_bytes_changed(&r, &serial_of(&r.x5c_leaf()));
    expect_not_trusted(
        changed.run(r.policy(TrustMode::Trusted)),
        "signature on certificate 0 does not verify",
    );
    // yubikey5nfc's x5c is the leaf alone: under Any there is no link to check.
    assert_eq!(
        map_get(map_get(&r.att_obj(), "attStmt").unwrap(), "x5c")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    expect_ok(
        changed.run(r.policy(TrustMode::Any)),
        AttestationType::Basic,
    );
    // With the issuer in x5c, Any checks the link.
    let tpm = Reg::vector(TPM_RSA);
    let changed = with_leaf_bytes_changed(&tpm, &serial_of(&tpm.x5c_leaf()));
    expect_attestation(
        changed.run(tpm.policy(TrustMode::Any)),
        "tpm",
        "certificate chain: signature on certificate 0 does not verify",
    );
}

fn serial_of(der: &[u8]) -> Vec<u8> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, c) = X509Certificate::from_der(der).unwrap();
    c.raw_serial().to_vec()
}
