//! Credential lifecycle and host policies through the public API, with real
//! registration and assertion bytes from a software authenticator.

use relypass_testkit::lifecycle as soft;

use relypass::Aaguid;
use relypass::extensions::{AuthenticationExtensions, RegistrationExtensions};
use relypass::extensions::{CredProtectPolicy, PrfOutputs};
use relypass::json::{
    AuthenticatorTransport, CredentialDescriptorJson, RequestOptionsJson,
    UserVerificationRequirement,
};
use relypass::{
    AccountPolicy, AuthenticationOptions, AuthenticatorNames, BackupPolicy, CounterPolicy,
    CredentialRecord, CredentialState, CredentialStore, Error, FakeCredentialShape, MemoryStore,
    Passkeys, Profile, RegistrationOptions, RelyingParty, RelyingPartyBuilder, User,
    may_drop_password,
};
use relypass::{
    AllAcceptedCredentialsOptions, CurrentUserDetailsOptions, UnknownCredentialOptions,
};
use serde_json::{Value, json};
use soft::{ClientError, SoftAuthenticator, random_key, register, sign_in, user};
use std::sync::Arc;

const ORIGIN: &str = "https://example.com";

/// UV `preferred` (not the `required` default): the lifecycle tests include
/// UV-less security keys as second factors and passkey-only accounts that must
/// force UV over a laxer RP default.
fn builder() -> RelyingPartyBuilder {
    RelyingParty::builder("example.com", "Example")
        .origin(ORIGIN)
        .user_verification(relypass::json::UserVerificationRequirement::Preferred)
}

fn passkeys() -> Passkeys<MemoryStore> {
    passkeys_with(|b| b)
}

fn passkeys_with(
    f: impl FnOnce(RelyingPartyBuilder) -> RelyingPartyBuilder,
) -> Passkeys<MemoryStore> {
    Passkeys::new(f(builder()).build().unwrap(), MemoryStore::new())
}

async fn stored(pk: &Passkeys<MemoryStore>, id: &[u8]) -> CredentialRecord {
    pk.store().credential_by_id(id).await.unwrap().unwrap()
}

fn ids(list: &[CredentialDescriptorJson]) -> Vec<Vec<u8>> {
    list.iter().map(|d| d.id.as_slice().to_vec()).collect()
}

mod backup_policy;
mod counters;
mod enumeration;
mod exclude_and_duplicates;
mod extensions;
mod key_cache;
mod management;
mod passkey_only;
mod profiles;
mod registration_limit;
mod signal;
