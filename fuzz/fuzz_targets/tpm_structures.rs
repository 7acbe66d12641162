//! Fuzz target `tpm_structures`: see `relypass_fuzz::harness::tpm_structures`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::tpm_structures(data);
});
