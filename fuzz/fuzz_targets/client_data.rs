//! Fuzz target `client_data`: see `relypass_fuzz::harness::client_data`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::client_data(data);
});
