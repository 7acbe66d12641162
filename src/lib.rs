// The crate docs are written for docs.rs (absolute links, no repository-only
// commands); the README's example is compiled too, below.
#![doc = include_str!("lib.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
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
mod user_name;
#[cfg(feature = "attestation")]
mod x509;

pub mod danger;
#[doc(hidden)]
pub mod internal;

// The service and its storage.
pub use memory_store::MemoryStore;
pub use passkeys::enumeration::{FakeCredentialShape, default_fake_credential_shapes};
pub use passkeys::manage::{AuthenticatorNames, CredentialSummary};
pub use passkeys::response_input::{AuthenticationResponseInput, RegistrationResponseInput};
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
pub use user_name::{normalize_display_name, normalize_user_name};
// The two option types every host sends to the browser, also at the root (their
// home is `json`, with the rest of the wire types): a host naming the return
// types of `start_*` need not know the namespace.
pub use json::{CreationOptionsJson, RequestOptionsJson};

// Errors.
pub use error::{CeremonyKind, Error, ErrorKind, Field, Result};

// The README's code is compiled and run as doc tests, like the crate docs.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
