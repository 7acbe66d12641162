//! Fuzz target `registration_json`: see `relypass_fuzz::harness::registration_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::registration_json(data);
});
