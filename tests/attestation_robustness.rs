//! No parser may panic on damaged input: mutate real inputs (bit flips,
//! byte overwrites, truncations, insertions) with a fixed-seed PRNG and feed
//! them to every entry point.

use relypass_testkit::fixtures as common;

use common::*;
use relypass::internal::attestation::android_key_description::{
    key_description_from_certificate, parse_key_description,
};
use relypass::internal::attestation::jws::{leaf_hostname_matches, verify_compact_jws};
use relypass::internal::attestation::tpm_structures::{
    TpmsAttest, TpmtPublic, check_aik_certificate,
};
use relypass::internal::cert_path::{
    PathOptions, TrustAnchor, fido_aaguid_extension, verify_chain_signatures_only, verify_path,
};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(3) {
        match rng.below(5) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => {
                let n = rng.below(v.len() + 1);
                v.truncate(n);
            }
            3 => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.next() as u8);
            }
            _ if !v.is_empty() => {
                // Length-ish bytes: set to 0xff / 0x80 / 0x00.
                let i = rng.below(v.len());
                v[i] = [0xff, 0x80, 0x00, 0x81, 0x7f][rng.below(5)];
            }
            _ => {}
        }
    }
    v
}

#[test]
fn tpm_parsers_survive_mutation() {
    let mut rng = Rng(0x1234_5678_9abc_def0);
    for rel in [
        "tpm/windows-hello-amplifyapp.json",
        "tpm/windows-hello-ecc-webauthn-io.json",
        "tpm/w3c-tpm-es256.json",
    ] {
        let case = Case::load(rel);
        let ci = case.stmt_bytes("certInfo").unwrap();
        let pa = case.stmt_bytes("pubArea").unwrap();
        let aik = case.x5c()[0].clone();
        for _ in 0..3000 {
            let _ = TpmsAttest::parse(&mutate(&mut rng, &ci));
            if let Ok(p) = TpmtPublic::parse(&mutate(&mut rng, &pa)) {
                let _ = p.name();
            }
        }
        for _ in 0..300 {
            let _ = check_aik_certificate(&mutate(&mut rng, &aik));
        }
    }
}

#[test]
fn android_parser_survives_mutation() {
    let mut rng = Rng(0x0bad_cafe_dead_beef);
    for rel in [
        "android-key/pixel-8a-2025.json",
        "android-key/samsung-galaxy-s9plus-android10.json",
    ] {
        let case = Case::load(rel);
        let leaf = case.x5c()[0].clone();
        // Locate the extension value to mutate it directly.
        let (_, cert) =
            <x509_parser::certificate::X509Certificate as x509_parser::prelude::FromDer<
                x509_parser::error::X509Error,
            >>::from_der(&leaf)
            .unwrap();
        let ext = cert
            .extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == "1.3.6.1.4.1.11129.2.1.17")
            .unwrap()
            .value
            .to_vec();
        assert!(parse_key_description(&ext).is_ok());
        for _ in 0..5000 {
            let _ = parse_key_description(&mutate(&mut rng, &ext));
        }
        for _ in 0..300 {
            let _ = key_description_from_certificate(&mutate(&mut rng, &leaf));
        }
    }
}

#[test]
fn path_validation_survives_mutation() {
    let mut rng = Rng(42);
    for rel in [
        "apple/ios-demo-yubico.json",
        "tpm/windows-hello-ecc-webauthn-io.json",
        "packed/w3c-packed-es256.json",
    ] {
        let case = Case::load(rel);
        let x5c = case.x5c();
        let anchors: Vec<TrustAnchor> = case
            .anchor_ders()
            .iter()
            .map(|d| TrustAnchor::from_der(d).unwrap())
            .collect();
        let opts = PathOptions::new(case.now());
        for _ in 0..150 {
            let i = rng.below(x5c.len());
            let mut certs = x5c.clone();
            certs[i] = mutate(&mut rng, &certs[i]);
            let refs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
            // Damaged certificates must never verify (a mutation may, rarely,
            // hit an unsigned byte such as the outer length's padding; those
            // fail to parse instead).
            let r = verify_path(&refs, &anchors, &opts);
            if certs[i] != x5c[i] {
                assert!(r.is_err(), "{rel}: mutated x5c[{i}] verified");
            }
            let _ = verify_chain_signatures_only(&refs, &opts);
            let _ = fido_aaguid_extension(&certs[i]);
            let _ = leaf_hostname_matches(&certs[i], "attest.android.com");
            let _ = TrustAnchor::from_der(&certs[i]);
        }
    }
}

#[test]
fn jws_survives_mutation() {
    let mut rng = Rng(7);
    let case = Case::load("android-safetynet/chrome-android-2021.json");
    let jws = case.stmt_bytes("response").unwrap();
    for _ in 0..300 {
        let m = mutate(&mut rng, &jws);
        if let Ok(s) = std::str::from_utf8(&m) {
            let r = verify_compact_jws(s, 64 * 1024);
            // Strict base64url decoding makes the encoding one-to-one, so any
            // change to the text must break the signature or the parse.
            if m != jws {
                assert!(r.is_err(), "mutated JWS verified");
            }
        }
    }
}
