//! `cargo bench -p relypass-benches --bench p256_verify` (add `--features ring` for the ring rows):
//! p256's verifier against the variable-time paths on the same key, digest and
//! signature, and ES256 over a whole message (SHA-256 included) against ring.
//!
//! At the end it prints ratios measured *interleaved*: each round times a short
//! burst of every verifier back to back (rotating the order), and the printed
//! ratio is the median over rounds of the per-round ratio, so clock drift and
//! other processes on a shared machine affect both sides of each ratio alike.

use criterion::{Criterion, criterion_group};
use p256::ecdsa::{
    Signature, SigningKey,
    signature::hazmat::{PrehashSigner, PrehashVerifier},
};
use relypass::internal::p256_vartime::{PreparedKey, verify_prehash};
use sha2::{Digest, Sha256};
use std::hint::black_box;
use std::time::Instant;

/// A WebAuthn-sized signed message: authenticatorData (37 bytes) ‖ clientDataHash.
const MESSAGE: &[u8] = &[0x5a; 69];

struct Fixture {
    vk: p256::ecdsa::VerifyingKey,
    pk: p256::AffinePoint,
    prehash: [u8; 32],
    sig: Signature,
    prepared: PreparedKey,
}

fn fixture() -> Fixture {
    let sk = SigningKey::from_slice(&Sha256::digest(b"fastp256 bench key")).unwrap();
    let vk = *sk.verifying_key();
    let pk = *vk.as_affine();
    let prehash: [u8; 32] = Sha256::digest(MESSAGE).into();
    let sig: Signature = sk.sign_prehash(&prehash).unwrap();
    let prepared = PreparedKey::new(&pk).unwrap();
    assert!(vk.verify_prehash(&prehash, &sig).is_ok());
    assert!(verify_prehash(&pk, &prehash, &sig));
    assert!(prepared.verify_prehash(&prehash, &sig));
    Fixture {
        vk,
        pk,
        prehash,
        sig,
        prepared,
    }
}

/// ES256 over the message with relypass's pure-Rust verifier: SHA-256, then
/// the variable-time check (what `relypass::signature::verify` does after
/// decoding the DER signature).
fn relypass_es256(f: &Fixture, msg: &[u8]) -> bool {
    let prehash: [u8; 32] = Sha256::digest(msg).into();
    verify_prehash(&f.pk, &prehash, &f.sig)
}

#[cfg(feature = "ring")]
struct RingFixture {
    point: Vec<u8>,
    sig: Vec<u8>,
}

#[cfg(feature = "ring")]
impl RingFixture {
    fn new(f: &Fixture) -> Self {
        let s = Self {
            point: f.vk.to_sec1_point(false).as_bytes().to_vec(),
            sig: f.sig.to_bytes().to_vec(),
        };
        assert!(s.verify(MESSAGE));
        s
    }

    /// ES256 over the message with ring (SHA-256 included, P1363 signature).
    fn verify(&self, msg: &[u8]) -> bool {
        use ring::signature as rs;
        rs::UnparsedPublicKey::new(&rs::ECDSA_P256_SHA256_FIXED, &self.point)
            .verify(msg, &self.sig)
            .is_ok()
    }
}

fn bench(c: &mut Criterion) {
    let f = fixture();
    c.bench_function("p256_verify_prehash", |b| {
        b.iter(|| black_box(&f.vk).verify_prehash(black_box(&f.prehash), black_box(&f.sig)))
    });
    c.bench_function("vartime_verify_prehash", |b| {
        b.iter(|| verify_prehash(black_box(&f.pk), black_box(&f.prehash), black_box(&f.sig)))
    });
    c.bench_function("prepared_verify_prehash", |b| {
        b.iter(|| black_box(&f.prepared).verify_prehash(black_box(&f.prehash), black_box(&f.sig)))
    });
    c.bench_function("prepared_key_new", |b| {
        b.iter(|| PreparedKey::new(black_box(&f.pk)))
    });
    c.bench_function("es256_message/relypass_vartime", |b| {
        b.iter(|| relypass_es256(black_box(&f), black_box(MESSAGE)))
    });
    #[cfg(feature = "ring")]
    {
        let r = RingFixture::new(&f);
        c.bench_function("es256_message/ring", |b| {
            b.iter(|| r.verify(black_box(MESSAGE)))
        });
    }
}

/// Interleaved ratios (see the module docs). Rounds and burst length are fixed
/// so every run measures the same way: 300 rounds of 8 calls per verifier.
fn ratios(_: &mut Criterion) {
    const ROUNDS: usize = 300;
    const BURST: u32 = 8;
    let f = fixture();
    #[cfg(feature = "ring")]
    let r = RingFixture::new(&f);
    type Verifier<'a> = (&'static str, Box<dyn Fn() -> bool + 'a>);
    #[cfg_attr(not(feature = "ring"), allow(unused_mut))]
    let mut verifiers: Vec<Verifier<'_>> = vec![
        (
            "relypass",
            Box::new(|| relypass_es256(black_box(&f), black_box(MESSAGE))),
        ),
        (
            "p256",
            Box::new(|| {
                let prehash: [u8; 32] = Sha256::digest(black_box(MESSAGE)).into();
                black_box(&f.vk).verify_prehash(&prehash, &f.sig).is_ok()
            }),
        ),
    ];
    #[cfg(feature = "ring")]
    verifiers.push(("ring", Box::new(|| r.verify(black_box(MESSAGE)))));
    let n = verifiers.len();
    // times[round][verifier] in ns per call.
    let mut times = vec![vec![0f64; n]; ROUNDS];
    for (round, row) in times.iter_mut().enumerate() {
        for k in 0..n {
            let i = (round + k) % n;
            let (_, verify) = &verifiers[i];
            let t = Instant::now();
            for _ in 0..BURST {
                assert!(verify());
            }
            row[i] = t.elapsed().as_nanos() as f64 / f64::from(BURST);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    for (i, (name, _)) in verifiers.iter().enumerate() {
        let t = median(times.iter().map(|row| row[i]).collect());
        println!(
            "interleaved {name:>9}: {:8.1} µs per ES256 verify",
            t / 1000.0
        );
    }
    for (j, (other, _)) in verifiers.iter().enumerate().skip(1) {
        let ratio = median(times.iter().map(|row| row[0] / row[j]).collect());
        println!("ratio relypass ÷ {other}: {ratio:.3} (median of {ROUNDS} interleaved rounds)");
    }
}

criterion_group!(benches, bench, ratios);

/// `P256_BENCH_CALLGRIND=N`: only run N ES256 verifications by relypass (after
/// building the fixture and the generator tables) and exit, for instruction
/// counts under `valgrind --tool=callgrind` (N = 1 and N = 101, difference ÷ 100).
fn main() {
    if let Some(n) = std::env::var("P256_BENCH_CALLGRIND")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        let f = fixture();
        for _ in 0..n {
            assert!(relypass_es256(black_box(&f), black_box(MESSAGE)));
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
