//! Fuzz target `authentication_json`: see `relypass_fuzz::harness::authentication_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::authentication_json(data);
});
