//! Fuzz target `cose_key`: see `relypass_fuzz::harness::cose_key`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::cose_key(data);
});
