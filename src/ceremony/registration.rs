//! Registering a new credential (WebAuthn L3 §7.1).

use super::{
    Challenge, UserPresence, check_auth_data, check_client_data, check_expiry, check_type_and_id,
    within_limit,
};
use crate::attestation::{self, AttestationObject, AttestationOutcome, AttestationType};
use crate::authenticator_data::{Aaguid, AuthenticatorData, Flags};
use crate::client_data::{ClientDataType, CollectedClientData};
use crate::config::RelyingParty;
use crate::cose::CoseAlgorithm;
use crate::credential::{CredentialRecord, CredentialState, User, exclude_list};
use crate::error::{Error, Field, Result};
use crate::json::{
    AttestationConveyancePreference, AuthenticatorAttachment, AuthenticatorSelection,
    AuthenticatorTransport, Base64Url, CreationOptionsJson, CredentialParameters, ExtensionsJson,
    PublicKeyCredentialType, RegistrationResponseJson, RelyingPartyEntity, ResidentKeyRequirement,
    UserEntityJson, UserVerificationRequirement,
};
use crate::limits;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The server side of a registration between `start` and `finish`.
///
/// Serializable so a host can keep it in a session or a shared store; it carries
/// its own expiry and is consumed by [`RelyingParty::finish_registration`].
#[derive(Debug)]
pub struct RegistrationState {
    challenge: Challenge,
    rp_id: String,
    user: User,
    user_verification: UserVerificationRequirement,
    algorithms: Vec<CoseAlgorithm>,
    expires_at: u64,
    /// The credProtect level `finish` requires, when the options asked for it to
    /// be enforced (see [`crate::extensions`]). Defaulted so states serialized by
    /// an older version still deserialize.
    cred_protect_required: Option<u8>,
    /// Started with conditional mediation, so `finish` lets UP be clear (§7.1
    /// step 15 (see `authenticator_data`)). Fixed at `start`: nothing after it
    /// can relax UP. A state serialized without it (or by an older version)
    /// requires UP.
    conditional_mediation: bool,
}

/// The serialized form of [RegistrationState] (private: serializing a state is
/// explicit, through `into_bytes`/`from_bytes`).
#[derive(Serialize, Deserialize)]
struct RegistrationStateWire {
    challenge: Challenge,
    rp_id: String,
    user: User,
    user_verification: UserVerificationRequirement,
    algorithms: Vec<CoseAlgorithm>,
    expires_at: u64,
    /// The credProtect level `finish` requires, when the options asked for it to
    /// be enforced (see [`crate::extensions`]). Defaulted so states serialized by
    /// an older version still deserialize.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cred_protect_required: Option<u8>,
    /// Started with conditional mediation, so `finish` lets UP be clear (§7.1
    /// step 15 (see `authenticator_data`)). Fixed at `start`: nothing after it
    /// can relax UP. A state serialized without it (or by an older version)
    /// requires UP.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    conditional_mediation: bool,
}

impl RegistrationState {
    /// Serializes the state (JSON bytes) for storage between `start` and
    /// `finish`, consuming it. Whoever stores the bytes must hand them back at
    /// most once (take-once), or the ceremony could be finished twice.
    pub fn into_bytes(self) -> Vec<u8> {
        let RegistrationState {
            challenge,
            rp_id,
            user,
            user_verification,
            algorithms,
            expires_at,
            cred_protect_required,
            conditional_mediation,
        } = self;
        let wire = RegistrationStateWire {
            challenge,
            rp_id,
            user,
            user_verification,
            algorithms,
            expires_at,
            cred_protect_required,
            conditional_mediation,
        };
        // Serializing plain data into a Vec cannot fail.
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Restores a state from [`into_bytes`](Self::into_bytes) output.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let RegistrationStateWire {
            challenge,
            rp_id,
            user,
            user_verification,
            algorithms,
            expires_at,
            cred_protect_required,
            conditional_mediation,
        } = serde_json::from_slice(bytes)
            .map_err(|_| Error::malformed(Field::CeremonyState, "deserialize"))?;
        Ok(RegistrationState {
            challenge,
            rp_id,
            user,
            user_verification,
            algorithms,
            expires_at,
            cred_protect_required,
            conditional_mediation,
        })
    }
}

impl RegistrationState {
    /// The challenge (also the key a store files this state under).
    pub fn challenge(&self) -> &Challenge {
        &self.challenge
    }
    /// The user being registered.
    pub fn user(&self) -> &User {
        &self.user
    }
    /// Unix seconds after which `finish` refuses this state.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
    /// The UV requirement `finish` will enforce.
    pub fn user_verification(&self) -> UserVerificationRequirement {
        self.user_verification
    }
    /// Whether this registration was started with conditional mediation, so
    /// `finish` accepts the UP flag clear (§7.1 step 15 "If options.mediation is
    /// not set to conditional…").
    pub fn conditional_mediation(&self) -> bool {
        self.conditional_mediation
    }
}

/// Per-ceremony options for [`RelyingParty::start_registration`]; unset fields take
/// the RP's defaults.
#[derive(Debug, Clone, Default)]
pub struct RegistrationOptions {
    /// Override the user-verification requirement.
    pub user_verification: Option<UserVerificationRequirement>,
    /// Override the resident-key requirement.
    pub resident_key: Option<ResidentKeyRequirement>,
    /// Restrict to platform or roaming authenticators.
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    /// Override the attestation conveyance preference.
    pub attestation: Option<AttestationConveyancePreference>,
    /// Hints (`security-key`, `client-device`, `hybrid`).
    pub hints: Vec<String>,
    /// Extension inputs, passed through to the browser.
    pub extensions: Option<ExtensionsJson>,
    /// The host will call `navigator.credentials.create({ mediation: "conditional",
    /// publicKey })`: a conditional create, where the browser may make a passkey
    /// for a user who just signed in with a password, without a gesture. WebAuthn
    /// L3 §7.1 step 15 "If options.mediation is not set to conditional, verify
    /// that the UP bit of the flags in authData is set." So with this set,
    /// `finish_registration` accepts UP clear for this one ceremony (the flag is
    /// kept in the [`RegistrationState`]). Authentication always requires UP
    /// (§7.2 step 16 "Verify that the UP bit…" has no exception); there is no
    /// RP-wide switch.
    ///
    /// Nothing in the options JSON changes: `mediation` is a member of
    /// `CredentialCreationOptions`, not of `PublicKeyCredentialCreationOptionsJSON`,
    /// so the host's page must pass it to `create()` itself. Default `false`.
    pub conditional_mediation: bool,
}

/// A parsed registration response (the browser's `credential.toJSON()`).
#[derive(Debug, Clone)]
pub struct RegistrationResponse {
    json: RegistrationResponseJson,
}

impl RegistrationResponse {
    /// Parses the response JSON (bounded in size; unknown members ignored).
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > limits::MAX_RESPONSE_JSON {
            return Err(Error::TooLarge {
                field: Field::ResponseJson,
                size: json.len(),
                max: limits::MAX_RESPONSE_JSON,
            });
        }
        let json = serde_json::from_str(json)
            .map_err(|_| Error::malformed(Field::ResponseJson, "not a RegistrationResponseJSON"))?;
        Ok(RegistrationResponse { json })
    }

    /// Wraps an already deserialized response.
    pub fn from_parsed(json: RegistrationResponseJson) -> Self {
        RegistrationResponse { json }
    }

    /// The JSON structure.
    pub fn json(&self) -> &RegistrationResponseJson {
        &self.json
    }

    /// The credential id claimed by the response.
    pub fn credential_id(&self) -> &[u8] {
        self.json.raw_id.as_slice()
    }
}

/// A registration that passed every §7.1 step. Only [`RelyingParty::finish_registration`]
/// builds one, so a host cannot store a credential that skipped verification.
#[derive(Debug, Clone)]
pub struct VerifiedRegistration {
    record: CredentialRecord,
    flags: Flags,
    attestation: AttestationOutcome,
    client_extension_results: ExtensionsJson,
    authenticator_extensions: Option<ciborium::value::Value>,
}

impl VerifiedRegistration {
    /// For `internal::store_testing` only: a result no verification produced.
    pub(crate) fn unverified_for_store_tests(record: CredentialRecord) -> Self {
        VerifiedRegistration {
            flags: crate::authenticator_data::Flags::default(),
            attestation: AttestationOutcome {
                fmt: record.attestation_format.clone(),
                attestation_type: record.attestation_type,
                attested_aaguid: None,
                trust_path: Vec::new(),
            },
            record,
            client_extension_results: ExtensionsJson::default(),
            authenticator_extensions: None,
        }
    }

    /// The credential record to store (state `Active`).
    pub fn record(&self) -> &CredentialRecord {
        &self.record
    }
    /// Consumes this into the record to store.
    pub fn into_record(self) -> CredentialRecord {
        self.record
    }
    /// The authenticator data flags of the registration.
    pub fn flags(&self) -> Flags {
        self.flags
    }
    /// The verified attestation (format, type, trust path).
    pub fn attestation(&self) -> &AttestationOutcome {
        &self.attestation
    }
    /// The credential's algorithm.
    pub fn algorithm(&self) -> CoseAlgorithm {
        self.record.algorithm
    }
    /// The AAGUID.
    pub fn aaguid(&self) -> Aaguid {
        self.record.aaguid
    }
    /// Client extension outputs (`clientExtensionResults`), untouched.
    pub fn client_extension_results(&self) -> &ExtensionsJson {
        &self.client_extension_results
    }
    /// Authenticator extension outputs from authData, if any.
    pub fn authenticator_extensions(&self) -> Option<&ciborium::value::Value> {
        self.authenticator_extensions.as_ref()
    }
}

impl RelyingParty {
    /// Starts a registration for `user`, excluding `existing` credentials (active
    /// and disabled ones; see [`CredentialState::is_excluded_from_registration`](crate::CredentialState::is_excluded_from_registration)). Uses the OS clock and RNG.
    pub fn start_registration(
        &self,
        user: &User,
        existing: &[CredentialRecord],
        options: &RegistrationOptions,
    ) -> Result<(CreationOptionsJson, RegistrationState)> {
        // The names go to the user's passkey provider, which lists them in its
        // account picker: none may spoof another (see `user_name`). Checked here,
        // in the service's path; the sans-IO `danger` path leaves it to the caller.
        crate::user_name::check_user_name(&user.name)?;
        crate::user_name::normalize_display_name(&user.display_name)?;
        self.start_registration_with(
            user,
            existing,
            options,
            Challenge::random()?,
            crate::ceremony::challenge::unix_now(),
        )
    }

    /// [`start_registration`](Self::start_registration) with the challenge and time supplied.
    pub(crate) fn start_registration_with(
        &self,
        user: &User,
        existing: &[CredentialRecord],
        options: &RegistrationOptions,
        challenge: Challenge,
        now: u64,
    ) -> Result<(CreationOptionsJson, RegistrationState)> {
        let uv = options.user_verification.unwrap_or(self.user_verification);
        let rk = options.resident_key.unwrap_or(self.resident_key);
        let timeout = self.registration_timeout;
        let opts = CreationOptionsJson {
            rp: RelyingPartyEntity {
                id: self.rp_id.clone(),
                name: self.rp_name.clone(),
            },
            user: UserEntityJson {
                id: Base64Url::from(user.handle.as_bytes().to_vec()),
                name: user.name.clone(),
                display_name: user.display_name.clone(),
            },
            challenge: Base64Url::from(challenge.as_bytes().to_vec()),
            pub_key_cred_params: self
                .algorithms
                .iter()
                .map(|a| CredentialParameters {
                    type_: PublicKeyCredentialType::PublicKey,
                    alg: a.to_i64(),
                })
                .collect(),
            timeout: Some(u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX)),
            exclude_credentials: exclude_list(existing),
            authenticator_selection: Some(AuthenticatorSelection {
                authenticator_attachment: options.authenticator_attachment,
                resident_key: Some(rk),
                require_resident_key: rk == ResidentKeyRequirement::Required,
                user_verification: Some(uv),
            }),
            hints: options.hints.clone(),
            attestation: Some(options.attestation.unwrap_or(self.attestation)),
            attestation_formats: Vec::new(),
            extensions: options.extensions.clone(),
        };
        let state = RegistrationState {
            challenge,
            rp_id: self.rp_id.clone(),
            user: user.clone(),
            user_verification: uv,
            algorithms: self.algorithms.clone(),
            expires_at: now.saturating_add(timeout.as_secs()),
            cred_protect_required: crate::extensions::enforced_cred_protect_level(
                options.extensions.as_ref(),
            ),
            conditional_mediation: options.conditional_mediation,
        };
        Ok((opts, state))
    }

    /// Finishes a registration at the current time: runs every §7.1 step.
    pub fn finish_registration(
        &self,
        state: RegistrationState,
        response: &RegistrationResponse,
    ) -> Result<VerifiedRegistration> {
        self.finish_registration_at(state, response, crate::ceremony::challenge::unix_now())
    }

    /// [`finish_registration`](Self::finish_registration) at time `now` (Unix
    /// seconds), which is also the time certificates must be valid at.
    pub(crate) fn finish_registration_at(
        &self,
        state: RegistrationState,
        response: &RegistrationResponse,
        now: u64,
    ) -> Result<VerifiedRegistration> {
        if state.rp_id != self.rp_id {
            return Err(Error::StateMismatch);
        }
        check_expiry(state.expires_at, now)?;
        let r = &response.json;
        check_type_and_id(
            r.type_.as_bytes(),
            super::IdText::Sent(r.id.as_bytes()),
            r.raw_id.as_slice(),
        )?;

        // §7.1 steps 5–6: decode and parse clientDataJSON (`client_data`).
        let cdj = within_limit(
            r.response.client_data_json.as_slice(),
            Field::ClientDataJson,
            limits::MAX_CLIENT_DATA_JSON,
        )?;
        let c = CollectedClientData::parse(cdj)?;
        // §7.1 steps 7–11: type, challenge, origin, crossOrigin, topOrigin
        // (each cited where it is checked, in `client_data`).
        check_client_data(self, &c, ClientDataType::Create, &state.challenge)?;
        // §7.1 step 12 "Let hash be the result of computing a hash over…" The raw
        // bytes, as received.
        let client_data_hash: [u8; 32] = Sha256::digest(cdj).into();

        // §7.1 step 13 "Perform CBOR decoding on the attestationObject field of…"
        let att_bytes = within_limit(
            r.response.attestation_object.as_slice(),
            Field::AttestationObject,
            limits::MAX_ATTESTATION_OBJECT,
        )?;
        let obj = AttestationObject::parse(att_bytes)?;
        let auth_data = AuthenticatorData::parse(obj.auth_data())?;

        // §7.1 steps 14–19 (`authenticator_data`, then the backup policy); UP
        // may be clear only for a conditional create.
        let up = if state.conditional_mediation {
            UserPresence::NotRequiredForConditionalCreate
        } else {
            UserPresence::Required
        };
        check_auth_data(
            self,
            &auth_data,
            state.user_verification,
            up,
            &self.rp_id_hash,
        )?;

        // §7.1 step 28 "Process the client extension outputs in…" The one output
        // the RP asked us to enforce is credProtect: a client that ignored
        // `enforceCredentialProtectionPolicy` must not get a weaker credential in.
        if let Some(required) = state.cred_protect_required {
            let got = crate::extensions::cred_protect_output(auth_data.extensions());
            if got.is_none_or(|g| g < required) {
                return Err(Error::CredProtect { required, got });
            }
        }

        // Attested credential data must be present: step 20 below reads the
        // credential public key from it.
        let acd = auth_data
            .attested_credential_data()
            .ok_or(Error::MissingAttestedCredentialData)?;
        // The credential id in authData is the one the browser reported.
        if acd.credential_id != r.raw_id.as_slice() {
            return Err(Error::CredentialIdMismatch);
        }

        // §7.1 step 20 "Verify that the "alg" parameter in the credential public
        // key in authData matches the alg attribute of one of the items in
        // pkOptions.pubKeyCredParams."
        let alg = acd.public_key.algorithm();
        if !state.algorithms.contains(&alg) {
            return Err(Error::UnsupportedAlgorithm(alg));
        }
        // EdDSA (-8) leaves the curve to the key: an Ed448 key labelled -8 must
        // not slip in under the default list's EdDSA, so Ed448 must be listed too.
        let curve_alg = acd.public_key.allow_list_algorithm();
        if !state.algorithms.contains(&curve_alg) {
            return Err(Error::UnsupportedAlgorithm(curve_alg));
        }
        // The RP's key policy (RSA modulus floor).
        self.check_credential_key(&acd.public_key)?;

        // §7.1 steps 21–24: format, statement and trust (`attestation::verify`).
        let input = attestation::VerificationInput {
            auth_data: &auth_data,
            client_data_hash: &client_data_hash,
            now,
        };
        let outcome = attestation::verify(&obj, &input, &self.trust)?;

        // §7.1 step 25 "Verify that the credentialId is ≤ 1023 bytes." (Also
        // enforced while parsing, and on the reported rawId.)
        if acd.credential_id.len() > limits::MAX_CREDENTIAL_ID {
            return Err(Error::CredentialIdTooLong {
                len: acd.credential_id.len(),
            });
        }
        // §7.1 step 26 (see `passkeys`) needs the store: the credential id must
        // not be registered yet.

        let flags = auth_data.flags();
        let discoverable = r
            .client_extension_results
            .get("credProps")
            .and_then(|v| v.get("rk"))
            .and_then(serde_json::Value::as_bool);
        let transports: Vec<AuthenticatorTransport> = r.response.transports.clone();
        let record = CredentialRecord {
            id: Base64Url::from(acd.credential_id.to_vec()),
            // The state is consumed: its handle moves into the record.
            user_handle: state.user.handle,
            public_key: Base64Url::from(acd.public_key_bytes.to_vec()),
            algorithm: alg,
            sign_count: auth_data.sign_count(),
            backup_eligible: flags.backup_eligible(),
            backup_state: flags.backup_state(),
            user_verified: flags.user_verified(),
            transports,
            aaguid: acd.aaguid,
            attestation_format: outcome.fmt.clone(),
            attestation_type: outcome.attestation_type,
            discoverable,
            created_at: now,
            last_used_at: None,
            name: None,
            state: CredentialState::Active,
            state_changed_at: now,
            possibly_cloned: false,
        };
        Ok(VerifiedRegistration {
            record,
            flags,
            attestation: outcome,
            client_extension_results: r.client_extension_results.clone(),
            authenticator_extensions: auth_data.extensions().cloned(),
        })
    }
}

impl AttestationOutcome {
    /// Whether this outcome carries a certificate trust path.
    pub fn has_trust_path(&self) -> bool {
        !self.trust_path.is_empty() && self.attestation_type != AttestationType::None
    }
}

// Extension outputs, read through the parsers in `crate::extensions` (which
// knows nothing about ceremonies, so the dependency points one way).
impl VerifiedRegistration {
    /// `credProps.rk` as the client reported it.
    pub fn cred_props_rk(&self) -> Option<bool> {
        crate::extensions::cred_props_rk(self.client_extension_results())
    }
    /// The `credProtect` level the authenticator applied, if it said.
    pub fn cred_protect(&self) -> Option<u8> {
        crate::extensions::cred_protect_output(self.authenticator_extensions())
    }
    /// The authenticator's minimum PIN length, if it reported one.
    pub fn min_pin_length(&self) -> Option<u64> {
        crate::extensions::min_pin_length_output(self.authenticator_extensions())
    }
    /// PRF outputs (`enabled`, and results when evaluated at creation).
    pub fn prf(&self) -> Option<crate::extensions::PrfOutputs> {
        crate::extensions::PrfOutputs::from_client_outputs(self.client_extension_results())
    }
    /// largeBlob outputs (`supported`).
    pub fn large_blob(&self) -> Option<crate::extensions::LargeBlobOutputs> {
        crate::extensions::LargeBlobOutputs::from_client_outputs(self.client_extension_results())
    }
}
