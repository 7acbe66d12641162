//! `cargo bench --bench verify`: p256's verifier against the variable-time
//! paths on the same key, digest and signature.

use criterion::{Criterion, criterion_group, criterion_main};
use p256::ecdsa::{
    Signature, SigningKey,
    signature::hazmat::{PrehashSigner, PrehashVerifier},
};
use relypass::internal::p256_vartime::{PreparedKey, verify_prehash};
use sha2::{Digest, Sha256};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let sk = SigningKey::from_slice(&Sha256::digest(b"fastp256 bench key")).unwrap();
    let vk = *sk.verifying_key();
    let pk = *vk.as_affine();
    let prehash: [u8; 32] = Sha256::digest(b"webauthn authenticatorData || clientDataHash").into();
    let sig: Signature = sk.sign_prehash(&prehash).unwrap();
    let prepared = PreparedKey::new(&pk).unwrap();
    assert!(vk.verify_prehash(&prehash, &sig).is_ok());
    assert!(verify_prehash(&pk, &prehash, &sig));
    assert!(prepared.verify_prehash(&prehash, &sig));

    c.bench_function("p256_verify_prehash", |b| {
        b.iter(|| black_box(&vk).verify_prehash(black_box(&prehash), black_box(&sig)))
    });
    c.bench_function("vartime_verify_prehash", |b| {
        b.iter(|| verify_prehash(black_box(&pk), black_box(&prehash), black_box(&sig)))
    });
    c.bench_function("prepared_verify_prehash", |b| {
        b.iter(|| black_box(&prepared).verify_prehash(black_box(&prehash), black_box(&sig)))
    });
    c.bench_function("prepared_key_new", |b| {
        b.iter(|| PreparedKey::new(black_box(&pk)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
