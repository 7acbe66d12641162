//! Fuzz target `authenticator_data`: see `relypass_fuzz::harness::authenticator_data`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::authenticator_data(data);
});
