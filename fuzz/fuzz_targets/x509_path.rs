//! Fuzz target `x509_path`: see `relypass_fuzz::harness::x509_path`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::x509_path(data);
});
