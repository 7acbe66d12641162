//! The host clock, and the conversion the wasm build's clock
//! (`wasm_clock`) applies to JavaScript's time. A leaf module: `challenge`
//! picks which `unix_now` the crate uses.

#[cfg(not(all(target_arch = "wasm32", feature = "wasm")))]
use std::time::{SystemTime, UNIX_EPOCH};

/// The current Unix time in seconds.
#[cfg(not(all(target_arch = "wasm32", feature = "wasm")))]
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whole Unix seconds from JavaScript's `Date.now()` milliseconds (the wasm
/// clock, `wasm_clock::unix_now`): a clock before 1970, NaN or an infinity
/// gives 0. Compiled for tests on every target, so the conversion the wasm
/// build relies on is tested where the tests run.
#[cfg(any(test, all(target_arch = "wasm32", feature = "wasm")))]
pub(crate) fn secs_from_js_millis(ms: f64) -> u64 {
    if ms.is_finite() {
        // `as` saturates: a date before 1970 reads as 0, one past u64::MAX
        // seconds as u64::MAX.
        (ms / 1000.0) as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_millis_convert_to_whole_seconds() {
        assert_eq!(secs_from_js_millis(1_800_000_000_999.0), 1_800_000_000);
        assert_eq!(secs_from_js_millis(1_800_000_001_000.0), 1_800_000_001);
        assert_eq!(secs_from_js_millis(999.0), 0);
        assert_eq!(secs_from_js_millis(1000.0), 1);
    }

    #[test]
    fn js_clock_before_1970_or_not_a_number_reads_as_zero() {
        for ms in [
            0.0,
            -0.0,
            -1.0,
            -5_000.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(secs_from_js_millis(ms), 0, "{ms}");
        }
        assert_eq!(secs_from_js_millis(f64::MAX), u64::MAX);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(unix_now() > 1_577_836_800);
    }
}
