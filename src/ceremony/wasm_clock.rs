//! The clock of the `wasm` build: `std::time::SystemTime::now()` panics on
//! `wasm32-unknown-unknown`, so the time comes from the JavaScript host.
//! Alone in this file so that mutation testing, which builds for the host,
//! can leave it out (`.cargo/mutants.toml`); its conversion,
//! `clock::secs_from_js_millis`, is tested on every target.

/// The current Unix time in seconds, from the JavaScript host's clock.
pub fn unix_now() -> u64 {
    super::clock::secs_from_js_millis(js_sys::Date::now())
}
