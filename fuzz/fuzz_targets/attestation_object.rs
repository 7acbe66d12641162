//! Fuzz target `attestation_object`: see `relypass_fuzz::harness::attestation_object`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::attestation_object(data);
});
