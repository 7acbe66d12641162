//! Test helpers shared by relypass's tests, benchmarks, examples and fuzzers:
//! one copy of each, where each used to be `#[path]`-included from several
//! places (and the software authenticator existed twice).
//!
//! * [`soft_authenticator`]: a software authenticator + client for every
//!   algorithm, with knobs to break each §7 check;
//! * [`ceremonies`]: both ceremonies through the sans-IO API with that
//!   authenticator, fixed time and challenges (the ceremony tests and the §7
//!   step table share it);
//! * [`lifecycle`]: a minimal P-256 authenticator for service-level tests
//!   (honours excludeCredentials/allowCredentials like a browser);
//! * [`conformance_runner`]: runs a case through the public API (the runner's and
//!   `cargo test`'s one implementation);
//! * [`conformance_case`]: reads a `relypass-conformance/1` case into relying-party
//!   configuration (the runner, the fuzz harness and the tests agree by sharing it);
//! * [`fixtures`] and [`attestation`]: attestation vectors and a registration
//!   harness that mutates them;
//! * [`records`]: credential records as a host's database returns them;
//! * [`stats`]: median, bootstrap interval and Mann–Whitney U for timing comparisons.
//!
//! Not published and not API: `publish = false`.
#![allow(missing_docs, dead_code, clippy::all)]

#[cfg(feature = "attestation")]
pub mod attestation;
pub mod ceremonies;
#[cfg(feature = "attestation")]
pub mod conformance_case;
#[cfg(feature = "attestation")]
pub mod conformance_runner;
#[cfg(feature = "attestation")]
pub mod fixtures;
pub mod lifecycle;
pub mod records;
pub mod soft_authenticator;
pub mod stats;

/// The repository root (this crate lives in `testkit/`).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
}
