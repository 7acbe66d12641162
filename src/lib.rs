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

// The layers, lowest first. Modules are private unless they are one of the few
// public namespaces: what hosts use is the re-export list below, so the public
// API is one list a reviewer can read and keep semver-stable, and no item is
// reachable by two paths. `.ci/module-cycles.py` keeps the import graph acyclic.
pub mod attestation;
mod authenticator_data;
mod ceremony;
mod client_data;
mod config;
mod cose;
mod credential;
mod crypto;
mod error;
pub mod extensions;
pub mod json;
pub mod limits;
mod memory_store;
pub mod origin;
mod passkeys;
mod profile;
pub mod rp_id;
mod store;
mod x509;

pub mod danger;
#[doc(hidden)]
pub mod internal;

// The service and its storage.
pub use memory_store::MemoryStore;
pub use passkeys::enumeration::FakeCredentialShape;
pub use passkeys::manage::{AuthenticatorNames, CredentialSummary};
pub use passkeys::signal::{
    AllAcceptedCredentialsOptions, CurrentUserDetailsOptions, UnknownCredentialOptions,
};
pub use passkeys::{CeremonyId, Passkeys};
pub use store::{CredentialStore, InsertConditions, RemovalGuard};

// Configuration and policy.
pub use config::{BackupPolicy, CounterPolicy, RelyingParty, RelyingPartyBuilder};
pub use profile::{AccountPolicy, Profile, may_drop_password};

// The ceremonies' inputs and verified results.
pub use authenticator_data::{Aaguid, Flags};
pub use ceremony::authentication::{
    AuthenticationOptions, AuthenticationResponse, CredentialUpdate, VerifiedAuthentication,
};
pub use ceremony::registration::{RegistrationOptions, RegistrationResponse, VerifiedRegistration};
pub use cose::CoseAlgorithm;
pub use credential::{CredentialRecord, CredentialState, User, UserHandle};

// Errors.
pub use error::{CeremonyKind, Error, ErrorKind, Field, Result};
