//! The ceremony challenge and the clock: what every ceremony draws once at its
//! start and compares at its end. Kept apart from the checks so that a test or a
//! sans-IO host can supply both (see `crate::danger`).

use crate::error::{Error, Result};
use crate::json::b64url;
use serde::{Deserialize, Serialize};
// The clock: the host's, or on wasm the JavaScript host's (chosen here, so
// that `wasm_clock` and `clock` need not know each other).
#[cfg(not(all(target_arch = "wasm32", feature = "wasm")))]
pub use super::clock::unix_now;
#[cfg(all(target_arch = "wasm32", feature = "wasm"))]
pub use super::wasm_clock::unix_now;

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
