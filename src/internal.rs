//! Hooks for this repository's fuzzers, tests, benchmarks and inspection tool:
//! the parsers and verifiers below the ceremony layer, reachable without a
//! ceremony around them. **Not part of the public API and not covered by
//! semver**; hosts use the crate root, the public namespaces and, for sans-IO
//! use, [`crate::danger`].

/// The §7.1 / §7.2 step table (numbers and quotes) that `tests/spec_steps/main.rs`
/// keys its negative tests and its citation check by.
pub mod spec_steps {
    pub use crate::ceremony::steps::*;
}
/// The one-pass reader of plain sign-in responses, for the differential fuzz
/// target (it must agree with `serde_json` or answer `None`).
pub mod assertion_scan {
    pub use crate::json::assertion_scan::scan;
}
/// A parsed sign-in response's clientDataJSON, authenticatorData and
/// signature, as decoded: for `benches/ceremony.rs`'s `overhead/floor` row,
/// which times what a sign-in costs with every WebAuthn check left out.
pub fn signed_parts(
    response: &crate::ceremony::authentication::AuthenticationResponse,
) -> [&[u8]; 3] {
    response.signed_parts()
}
/// §6.1 authenticator data.
pub mod authenticator_data {
    pub use crate::authenticator_data::*;
}
/// §5.8.1 client data.
pub mod client_data {
    pub use crate::client_data::*;
}
/// COSE_Key parsing.
pub mod cose {
    pub use crate::cose::*;
}
/// Signature dispatch by COSE algorithm.
pub mod signature {
    pub use crate::crypto::signature::*;
}
/// The variable-time P-256 verifier.
pub mod p256_vartime {
    pub use crate::crypto::p256_vartime::*;
}
/// RSASSA-PKCS1-v1_5 verification with the variable-time public-key operation.
pub mod rsa_vartime {
    pub use crate::crypto::rsa_vartime::*;
}
/// X.509 path validation.
#[cfg(feature = "attestation")]
pub mod cert_path {
    pub use crate::x509::cert_path::*;
}
/// Attestation internals: the object, statement verification, per-format pieces.
pub mod attestation {
    pub use crate::attestation::input::*;
    pub use crate::attestation::object::*;
    pub use crate::attestation::verify::*;
    /// Android key attestation.
    #[cfg(feature = "attestation")]
    pub mod android_key {
        pub use crate::attestation::android_key::*;
    }
    /// The Android KeyDescription extension.
    #[cfg(feature = "attestation")]
    pub mod android_key_description {
        pub use crate::attestation::android_key_description::*;
    }
    /// SafetyNet attestation.
    #[cfg(feature = "attestation")]
    pub mod android_safetynet {
        pub use crate::attestation::android_safetynet::*;
    }
    /// Apple anonymous attestation.
    #[cfg(feature = "attestation")]
    pub mod apple {
        pub use crate::attestation::apple::*;
    }
    /// Compound attestation.
    pub mod compound {
        pub use crate::attestation::compound::*;
    }
    /// FIDO U2F attestation.
    #[cfg(feature = "attestation")]
    pub mod fido_u2f {
        pub use crate::attestation::fido_u2f::*;
    }
    /// `none` attestation.
    pub mod none {
        pub use crate::attestation::none::*;
    }
    /// Packed attestation.
    pub mod packed {
        pub use crate::attestation::packed::*;
    }
    /// TPM attestation.
    #[cfg(feature = "attestation")]
    pub mod tpm {
        pub use crate::attestation::tpm::*;
    }
    /// Compact JWS (SafetyNet, MDS).
    #[cfg(feature = "attestation")]
    pub mod jws {
        pub use crate::attestation::jws::*;
    }
    /// TPM 2.0 structures.
    #[cfg(feature = "attestation")]
    pub mod tpm_structures {
        pub use crate::attestation::tpm_structures::*;
    }
}

/// Hooks for testing [`CredentialStore`](crate::CredentialStore)
/// implementations in isolation (the demo's SQL store, the race tests): a store's
/// own tests need to insert and update records without running ceremonies.
/// Anything built here skipped verification, which is exactly why it lives in
/// this hidden, unstable module and nowhere in the public API.
pub mod store_testing {
    use crate::ceremony::authentication::CredentialUpdate;
    use crate::ceremony::registration::VerifiedRegistration;
    use crate::credential::{CredentialRecord, CredentialState, UserHandle};

    /// Wraps `record` as if a registration had verified it.
    pub fn registration(record: CredentialRecord) -> VerifiedRegistration {
        VerifiedRegistration::unverified_for_store_tests(record)
    }

    /// A sign-in update as if an assertion had verified it.
    pub fn update(
        credential_id: &[u8],
        previous_sign_count: u32,
        sign_count: u32,
        backup_state: bool,
        last_used_at: u64,
        possibly_cloned: bool,
    ) -> CredentialUpdate {
        CredentialUpdate {
            credential_id: credential_id.to_vec(),
            previous_sign_count,
            sign_count,
            backup_state,
            last_used_at,
            possibly_cloned,
        }
    }

    /// A stored ES256 record as a `none` registration leaves it (created at
    /// 1000, never used), with the given id, user, key bytes and state.
    pub fn record(
        id: &[u8],
        user: &UserHandle,
        public_key: &[u8],
        state: CredentialState,
    ) -> serde_json::Result<CredentialRecord> {
        let b64 = crate::json::b64url;
        // Through serde, as a store reads records back: the same checks apply.
        serde_json::from_value(serde_json::json!({
            "id": b64(id),
            "user_handle": b64(user.as_bytes()),
            "public_key": b64(public_key),
            "algorithm": -7,
            "sign_count": 0,
            "backup_eligible": false,
            "backup_state": false,
            "user_verified": true,
            "transports": ["internal"],
            "aaguid": "00000000-0000-0000-0000-000000000000",
            "attestation_format": "none",
            "attestation_type": "none",
            "discoverable": true,
            "created_at": 1000,
            "last_used_at": null,
            "name": null,
            "state": state,
            "state_changed_at": 1000,
            "possibly_cloned": false
        }))
    }
}
