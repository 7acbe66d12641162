//! The ceremony challenge and the clock: what every ceremony draws once at its
//! start and compares at its end. Kept apart from the checks so that a test or a
//! sans-IO host can supply both (see `crate::danger`).

use crate::error::{Error, Result};
use crate::json::b64url;
use serde::{Deserialize, Serialize};
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

/// The current Unix time in seconds, from the JavaScript host's clock:
/// `std::time::SystemTime::now()` panics on `wasm32-unknown-unknown`.
#[cfg(all(target_arch = "wasm32", feature = "wasm"))]
pub fn unix_now() -> u64 {
    // Milliseconds since the epoch as an f64; a clock before 1970 or NaN gives 0.
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        (ms / 1000.0) as u64
    } else {
        0
    }
}

/// A ceremony challenge: 32 bytes from the OS random source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Challenge(crate::json::Base64Url);

impl Challenge {
    /// Draws a fresh challenge from the OS CSPRNG (§13.4.3: at least 16 bytes).
    pub fn random() -> Result<Self> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|_| Error::Random)?;
        Ok(Challenge(b.to_vec().into()))
    }

    /// A challenge with given bytes: for tests, conformance runners, and hosts that
    /// mint challenges themselves. Must be at least 16 random bytes in production.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Challenge(bytes.into())
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// base64url, as it appears in clientDataJSON.
    pub fn to_base64url(&self) -> String {
        b64url(self.as_bytes())
    }
}
