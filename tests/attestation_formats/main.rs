//! Negative tests for every attestation format's checks, through the public
//! API (`RelyingParty::finish_registration_at`), as the conformance runner
//! drives it.
//!
//! Each test starts from a real conformance vector and mutates one thing, or,
//! where every mutation of real bytes would first break a signature, from a
//! synthetic statement made by `test-vectors/attestation/gen_statements.py`
//! that is valid except for the one property under test. Every test asserts
//! the specific error: `Error::Attestation { format, reason }` with a reason
//! substring, or `Error::AttestationNotTrusted`.

use relypass_testkit::attestation as registration;
use relypass_testkit::fixtures as blocks;

use blocks::{b64_decode, fixture, map_get};
use ciborium::Value as Cbor;
use registration::*;
use relypass::Aaguid;
use relypass::attestation::{AnchorScope, AttestationType, TrustAnchor, TrustMode, TrustPolicy};
use relypass::internal::attestation::android_key::AndroidKeyEnforcement;
use serde_json::Value;

mod android_key;
mod android_safetynet;
mod apple;
mod cert_extensions;
mod fido_u2f;
mod harness;
mod packed;
mod rs1;
mod tpm;
mod trust_policy;
mod unused_members;
