//! Both ceremonies through relypass's sans-IO API with the software
//! authenticator, at a fixed time and with fixed challenges: the harness of
//! `tests/ceremony.rs` and of the §7.1 / §7.2 step table in
//! `tests/spec_steps/main.rs` (one copy, so a tamper is written once).

use crate::soft_authenticator::{Alg, SoftAuthenticator, Tamper};
use relypass::danger::Challenge;
use relypass::{
    AuthenticationOptions, AuthenticationResponse, CredentialRecord, Error, RegistrationOptions,
    RegistrationResponse, RelyingParty, User, UserHandle, VerifiedRegistration,
};

pub const ORIGIN: &str = "https://login.example.com";
pub const NOW: u64 = 1_800_000_000;

/// The RP every ceremony test uses: `example.com`, origin [`ORIGIN`].
pub fn rp() -> RelyingParty {
    rp_with(|b| b)
}

/// [`rp`] with more configuration.
pub fn rp_with(
    f: impl FnOnce(relypass::RelyingPartyBuilder) -> relypass::RelyingPartyBuilder,
) -> RelyingParty {
    f(RelyingParty::builder("example.com", "Example").origin(ORIGIN))
        .build()
        .unwrap()
}

pub fn user() -> User {
    User {
        handle: UserHandle::new(vec![7; 16]).unwrap(),
        name: "alice".into(),
        display_name: "Alice".into(),
    }
}

/// A registration with `opts`, the authenticator's response tampered by `t`,
/// and `edit` applied to the response JSON before it is parsed.
pub fn register_json(
    rp: &RelyingParty,
    auth: &mut SoftAuthenticator,
    opts: &RegistrationOptions,
    t: &Tamper,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<CredentialRecord, Error> {
    register_verified_json(rp, auth, opts, t, edit).map(|v| v.into_record())
}

/// [`register_json`], returning the whole verified result (flags, extension
/// outputs, attestation) rather than only the record.
pub fn register_verified_json(
    rp: &RelyingParty,
    auth: &mut SoftAuthenticator,
    opts: &RegistrationOptions,
    t: &Tamper,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<VerifiedRegistration, Error> {
    let (options, state) = relypass::danger::start_registration_with(
        rp,
        &user(),
        &[],
        opts,
        Challenge::from_bytes(vec![1; 32]),
        NOW,
    )
    .unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&auth.register(&options, t)).unwrap();
    edit(&mut json);
    let resp = RegistrationResponse::from_json(&json.to_string())?;
    relypass::danger::finish_registration_at(rp, state, &resp, NOW + 1)
}

pub fn register_with(
    rp: &RelyingParty,
    auth: &mut SoftAuthenticator,
    opts: &RegistrationOptions,
    t: &Tamper,
) -> Result<CredentialRecord, Error> {
    register_json(rp, auth, opts, t, |_| {})
}

pub fn register(
    rp: &RelyingParty,
    auth: &mut SoftAuthenticator,
    t: &Tamper,
) -> Result<CredentialRecord, Error> {
    register_with(rp, auth, &RegistrationOptions::default(), t)
}

/// A sign-in with `record` (named user unless `discoverable`), the assertion
/// tampered by `t` and `edit` applied to the response JSON.
pub fn authenticate_json(
    rp: &RelyingParty,
    auth: &mut SoftAuthenticator,
    record: &CredentialRecord,
    discoverable: bool,
    opts: &AuthenticationOptions,
    t: &Tamper,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<relypass::VerifiedAuthentication, Error> {
    let creds = [record.clone()];
    let user = if discoverable {
        None
    } else {
        Some((record.user_handle(), &creds[..]))
    };
    let (options, state) = relypass::danger::start_authentication_with(
        rp,
        user,
        opts,
        Challenge::from_bytes(vec![2; 32]),
        NOW,
    )
    .unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(&auth.authenticate(&options, t)).unwrap();
    edit(&mut json);
    let resp = AuthenticationResponse::from_json(&json.to_string())?;
    relypass::danger::finish_authentication_at(rp, state, &resp, record, NOW + 1)
}

pub fn authenticate_with(
    rp: &RelyingParty,
    auth: &mut SoftAuthenticator,
    record: &CredentialRecord,
    discoverable: bool,
    opts: &AuthenticationOptions,
    t: &Tamper,
) -> Result<relypass::VerifiedAuthentication, Error> {
    authenticate_json(rp, auth, record, discoverable, opts, t, |_| {})
}

pub fn authenticate(
    rp: &RelyingParty,
    auth: &mut SoftAuthenticator,
    record: &CredentialRecord,
    t: &Tamper,
) -> Result<relypass::VerifiedAuthentication, Error> {
    authenticate_with(
        rp,
        auth,
        record,
        false,
        &AuthenticationOptions::default(),
        t,
    )
}

/// A credential registered with [`rp`] by a fresh authenticator.
pub fn registered(alg: Alg) -> (RelyingParty, SoftAuthenticator, CredentialRecord) {
    let rp = rp();
    let mut a = SoftAuthenticator::new(alg, ORIGIN, 3);
    let rec = register(&rp, &mut a, &Tamper::default()).unwrap();
    (rp, a, rec)
}

/// The error of a registration with [`rp`] tampered by `t`.
pub fn reg_err(t: Tamper) -> Error {
    let rp = rp();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 4);
    register(&rp, &mut a, &t).unwrap_err()
}

/// The error of a sign-in with a fresh `alg` credential, tampered by `t`.
pub fn auth_err(alg: Alg, t: Tamper) -> Error {
    let (rp, mut a, rec) = registered(alg);
    authenticate(&rp, &mut a, &rec, &t).unwrap_err()
}
