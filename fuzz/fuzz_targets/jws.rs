//! Fuzz target `jws`: see `relypass_fuzz::harness::jws`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::jws(data);
});
