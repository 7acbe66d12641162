//! `webauthn_rs_core/{es256,ed25519,rs256}`: response JSON → verified, with
//! webauthn-rs-core 0.6, on the fixtures relypass's `finish_authentication` rows use.

use criterion::{Criterion, criterion_group, criterion_main};
use relypass_bench_webauthn_rs::Setup;
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("webauthn_rs_core");
    for (name, fixture) in [
        (
            "es256",
            include_str!("../../fixtures/authentication-es256.json"),
        ),
        (
            "ed25519",
            include_str!("../../fixtures/authentication-ed25519.json"),
        ),
        (
            "rs256",
            include_str!("../../fixtures/authentication-rs256.json"),
        ),
    ] {
        let s = match Setup::new(fixture) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("webauthn_rs_core/{name}: refused the fixture ({e}), skipped");
                continue;
            }
        };
        g.bench_function(name, |b| {
            b.iter(|| s.finish(black_box(&s.response_json)).expect("verifies"))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
