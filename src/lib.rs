//! # relypass
//!
//! An embeddable, pure-Rust WebAuthn (passkey) relying party: registration and
//! authentication ceremonies verified step by step against W3C WebAuthn Level 3.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Every byte from the browser is hostile: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod attestation;
pub mod authenticator_data;
pub mod ceremony;
pub mod client_data;
pub mod config;
pub mod cose;
pub mod credential;
pub mod enumeration;
pub mod error;
pub mod extensions;
pub mod json;
pub mod limits;
pub mod manage;
mod memory_store;
pub mod origin;
pub mod p256_vartime;
mod p256_verify;
pub mod profile;
pub mod rp_id;
pub mod signal;
pub mod signature;
pub mod store;

pub use ceremony::Challenge;
pub use ceremony::authentication::{
    AuthenticationOptions, AuthenticationResponse, AuthenticationState, CredentialUpdate,
    VerifiedAuthentication,
};
pub use ceremony::registration::{
    RegistrationOptions, RegistrationResponse, RegistrationState, VerifiedRegistration,
};
pub use config::{BackupPolicy, CounterPolicy, RelyingParty, RelyingPartyBuilder};
pub use credential::{CredentialRecord, CredentialState, User, UserHandle};
pub use enumeration::FakeCredentialShape;
pub use error::{Error, Result};
pub use extensions::{AuthenticationExtensions, RegistrationExtensions};
pub use manage::{AuthenticatorNames, CredentialSummary};
pub use memory_store::MemoryStore;
pub use profile::{AccountPolicy, Profile, may_drop_password};
pub use store::{CredentialStore, InsertConditions, Passkeys};
