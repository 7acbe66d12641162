//! Fuzz target `finish_registration`: a conformance case (seeded from test-vectors) mutated one
//! field at a time by `relypass_fuzz::mutate::mutate_case`, then run through
//! `relypass_fuzz::harness::finish_registration` (the public `finish_registration_at`). Must return Ok or Err.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::finish_registration(data);
});

libfuzzer_sys::fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    relypass_fuzz::mutate::mutate_case(
        data,
        size,
        max_size,
        seed,
        &mut relypass_fuzz::libfuzzer_mutate,
    )
});
