//! Fuzz target `android_key_description`: see `relypass_fuzz::harness::android_key_description`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = relypass_fuzz::harness::android_key_description(data);
});
