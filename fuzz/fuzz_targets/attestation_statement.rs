//! Fuzz target `attestation_statement`: see `relypass_fuzz::harness::attestation_statement`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::attestation_statement(data);
});
