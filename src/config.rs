//! The relying-party configuration and its builder.
//!
//! A configuration that can never work (no origins, no algorithms, an RP ID that is
//! not the host of an origin or one of its parent domains) is refused by
//! [`RelyingPartyBuilder::build`], not discovered at the first sign-in.
//!
//! **Changing the RP ID orphans every registered passkey**: credentials are
//! scoped to the RP ID by the authenticator, so they will never be offered
//! again. Log [`RelyingParty::rp_id`] at start-up and treat it as permanent.

use crate::attestation::TrustPolicy;
use crate::cose::CoseAlgorithm;
use crate::error::{Error, Result};
use crate::json::{
    AttestationConveyancePreference, ResidentKeyRequirement, UserVerificationRequirement,
};
use crate::origin::{AllowedOrigins, CrossOriginPolicy, Origin};
use crate::rp_id::{RelatedOrigins, RpIdRule, check_rp_id, effective_domain_of};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// What to do when an assertion's signature counter does not advance (§7.2 step 22
/// "If authData.signCount is nonzero…").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CounterPolicy {
    /// Refuse the assertion with [`Error::Counter`].
    #[default]
    Strict,
    /// Accept it and flag the result as a possible clone; the host decides.
    Warn,
}

/// Which backup states (§6.1.3: BE "backup eligible", BS "backed up") the RP
/// accepts, checked at registration (§7.1 steps 18–19) and at every sign-in
/// (§7.2 step 19 "If the credential backup state is used…") against the flags
/// in authenticator data.
///
/// Synced passkeys (iCloud Keychain, Google Password Manager, password managers)
/// are backup eligible and usually backed up. Hosts that must know a key never
/// leaves one device (regulated second factors, hardware-bound enterprise keys)
/// refuse them; everyone else should keep the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackupPolicy {
    /// Accept synced and device-bound credentials alike (the default).
    #[default]
    AllowSynced,
    /// Refuse a credential whenever BS is set: it may be backed up, but must not
    /// currently be. A credential that gets synced later fails at sign-in.
    RefuseBackedUp,
    /// Refuse any credential with BE set: only device-bound keys, which can never
    /// be backed up, are accepted.
    RequireDeviceBound,
}

impl BackupPolicy {
    /// Whether a credential presenting these flags is accepted.
    pub fn allows(self, backup_eligible: bool, backup_state: bool) -> bool {
        match self {
            BackupPolicy::AllowSynced => true,
            BackupPolicy::RefuseBackedUp => !backup_state,
            BackupPolicy::RequireDeviceBound => !backup_eligible && !backup_state,
        }
    }
}

/// A configured relying party: the input to every ceremony.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    pub(crate) rp_id: String,
    pub(crate) rp_id_hash: [u8; 32],
    pub(crate) rp_name: String,
    pub(crate) origins: AllowedOrigins,
    pub(crate) cross_origin: CrossOriginPolicy,
    pub(crate) related_origins: Option<RelatedOrigins>,
    pub(crate) algorithms: Vec<CoseAlgorithm>,
    pub(crate) registration_timeout: Duration,
    pub(crate) authentication_timeout: Duration,
    pub(crate) user_verification: UserVerificationRequirement,
    pub(crate) resident_key: ResidentKeyRequirement,
    pub(crate) attestation: AttestationConveyancePreference,
    pub(crate) trust: TrustPolicy,
    pub(crate) counter_policy: CounterPolicy,
    pub(crate) backup_policy: BackupPolicy,
    pub(crate) min_rsa_bits: u32,
}

impl RelyingParty {
    /// Starts a builder for RP ID `rp_id` (a domain) with display name `rp_name`.
    pub fn builder(rp_id: impl Into<String>, rp_name: impl Into<String>) -> RelyingPartyBuilder {
        Self::builder_with_rule(RpIdRule::Explicit(rp_id.into()), rp_name)
    }

    /// Starts a builder whose RP ID is derived by `rule` from the first configured
    /// origin (e.g. [`RpIdRule::SkipLabels`] so `server01.example.com` and
    /// `server02.example.com` share passkeys under `example.com`).
    pub fn builder_with_rule(rule: RpIdRule, rp_name: impl Into<String>) -> RelyingPartyBuilder {
        RelyingPartyBuilder {
            rule,
            rp_name: rp_name.into(),
            origins: Vec::new(),
            allow_cross_origin: false,
            top_origins: Vec::new(),
            allow_subdomains: false,
            allow_any_port: false,
            related_origins: None,
            algorithms: vec![
                CoseAlgorithm::ES256,
                CoseAlgorithm::EdDSA,
                CoseAlgorithm::ES384,
                CoseAlgorithm::ES512,
                CoseAlgorithm::RS256,
                CoseAlgorithm::PS256,
            ],
            registration_timeout: Duration::from_secs(300),
            authentication_timeout: Duration::from_secs(300),
            // Safe by default: a passkey is usually the only factor, and without
            // UV it is possession alone. Hosts using a security key as a second
            // factor after a password opt into `preferred` (see `Profile`).
            user_verification: UserVerificationRequirement::Required,
            resident_key: ResidentKeyRequirement::Required,
            attestation: AttestationConveyancePreference::None,
            trust: TrustPolicy::default(),
            counter_policy: CounterPolicy::Strict,
            backup_policy: BackupPolicy::AllowSynced,
            allow_legacy_rsa_1024: false,
        }
    }

    /// The effective RP ID. Log it at start-up: changing it orphans every passkey.
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }
    /// The display name (free text; changing it never affects verification).
    pub fn rp_name(&self) -> &str {
        &self.rp_name
    }
    /// SHA-256 of the RP ID, as authenticators put it in authData.
    pub fn rp_id_hash(&self) -> &[u8; 32] {
        &self.rp_id_hash
    }
    /// The allowed origins.
    pub fn origins(&self) -> &AllowedOrigins {
        &self.origins
    }
    /// The related origins, if configured (serve `to_json()` at
    /// `https://{rp_id}/.well-known/webauthn`).
    pub fn related_origins(&self) -> Option<&RelatedOrigins> {
        self.related_origins.as_ref()
    }
    /// Accepted algorithms in preference order.
    pub fn algorithms(&self) -> &[CoseAlgorithm] {
        &self.algorithms
    }
    /// The default user-verification requirement.
    pub fn user_verification(&self) -> UserVerificationRequirement {
        self.user_verification
    }
    /// The attestation trust policy.
    pub fn trust_policy(&self) -> &TrustPolicy {
        &self.trust
    }
    /// The counter policy.
    pub fn counter_policy(&self) -> CounterPolicy {
        self.counter_policy
    }
    /// The backup (BE/BS) policy.
    pub fn backup_policy(&self) -> BackupPolicy {
        self.backup_policy
    }
    /// The smallest RSA credential key modulus accepted, in bits (2048, or 1024
    /// with [`RelyingPartyBuilder::allow_legacy_rsa_1024`]).
    pub fn min_rsa_key_bits(&self) -> u32 {
        self.min_rsa_bits
    }

    /// The RP's policy on a credential key, beyond what parsing checks: the RSA
    /// modulus floor. Applied at registration and at every sign-in, so a key
    /// stored under a laxer policy stops working when the policy tightens.
    pub(crate) fn check_credential_key(
        &self,
        key: &crate::cose::CredentialPublicKey,
    ) -> Result<()> {
        match key.rsa_modulus_bits() {
            Some(bits) if bits < self.min_rsa_bits => Err(Error::RsaKeyTooSmall {
                bits,
                min: self.min_rsa_bits,
            }),
            _ => Ok(()),
        }
    }
}

/// Builder for [`RelyingParty`].
#[derive(Debug, Clone)]
#[must_use]
pub struct RelyingPartyBuilder {
    rule: RpIdRule,
    rp_name: String,
    origins: Vec<String>,
    allow_cross_origin: bool,
    top_origins: Vec<String>,
    allow_subdomains: bool,
    allow_any_port: bool,
    related_origins: Option<RelatedOrigins>,
    algorithms: Vec<CoseAlgorithm>,
    registration_timeout: Duration,
    authentication_timeout: Duration,
    user_verification: UserVerificationRequirement,
    resident_key: ResidentKeyRequirement,
    attestation: AttestationConveyancePreference,
    trust: TrustPolicy,
    counter_policy: CounterPolicy,
    backup_policy: BackupPolicy,
    allow_legacy_rsa_1024: bool,
}

impl RelyingPartyBuilder {
    /// Adds an allowed origin (`https://host[:port]`; `http` only for localhost;
    /// or an opaque app origin such as `android:apk-key-hash:...`).
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into());
        self
    }
    /// Adds several allowed origins.
    pub fn origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.origins.extend(origins.into_iter().map(Into::into));
        self
    }
    /// Allows ceremonies in cross-origin iframes (`crossOrigin: true`). Off by default.
    pub fn allow_cross_origin(mut self, allow: bool) -> Self {
        self.allow_cross_origin = allow;
        self
    }
    /// Adds a top-level origin allowed to embed the RP (checked against `topOrigin`).
    pub fn top_origin(mut self, origin: impl Into<String>) -> Self {
        self.top_origins.push(origin.into());
        self
    }
    /// Also accept any subdomain of a configured origin's host (on a label
    /// boundary: `evilexample.com` never matches `example.com`). Off by default.
    pub fn allow_subdomains(mut self, allow: bool) -> Self {
        self.allow_subdomains = allow;
        self
    }
    /// Accept a configured origin on any port. Off by default.
    pub fn allow_any_port(mut self, allow: bool) -> Self {
        self.allow_any_port = allow;
        self
    }
    /// Related origins (WebAuthn L3 §5.11): other sites, listed in the RP ID's
    /// `/.well-known/webauthn` document, whose ceremonies use this RP ID.
    pub fn related_origins(mut self, related: RelatedOrigins) -> Self {
        self.related_origins = Some(related);
        self
    }
    /// Accepted algorithms in preference order (default ES256, EdDSA, ES384, ES512,
    /// RS256, PS256; Ed448, ML-DSA and RS1 are off unless listed here).
    pub fn algorithms<I: IntoIterator<Item = CoseAlgorithm>>(mut self, algs: I) -> Self {
        self.algorithms = algs.into_iter().collect();
        self
    }
    /// How long a registration ceremony may take (default 5 minutes).
    pub fn registration_timeout(mut self, t: Duration) -> Self {
        self.registration_timeout = t;
        self
    }
    /// How long an authentication ceremony may take (default 5 minutes).
    pub fn authentication_timeout(mut self, t: Duration) -> Self {
        self.authentication_timeout = t;
        self
    }
    /// The default user-verification requirement, at registration and sign-in
    /// (default `required`: a passkey that is the only factor must verify the
    /// user, or possession alone signs in; use `preferred` only where a password
    /// was checked first, as [`Profile::SecurityKeySecondFactor`](crate::Profile::SecurityKeySecondFactor) does).
    pub fn user_verification(mut self, uv: UserVerificationRequirement) -> Self {
        self.user_verification = uv;
        self
    }
    /// The resident-key requirement for registration (default `required`:
    /// passkeys, usable for sign-in without a user name).
    pub fn resident_key(mut self, rk: ResidentKeyRequirement) -> Self {
        self.resident_key = rk;
        self
    }
    /// The attestation conveyance preference sent to the browser (default `none`).
    pub fn attestation_preference(mut self, a: AttestationConveyancePreference) -> Self {
        self.attestation = a;
        self
    }
    /// The attestation trust policy (default: statements not checked).
    pub fn trust_policy(mut self, t: TrustPolicy) -> Self {
        self.trust = t;
        self
    }
    /// The counter policy (default strict).
    pub fn counter_policy(mut self, c: CounterPolicy) -> Self {
        self.counter_policy = c;
        self
    }
    /// The backup policy (default [`BackupPolicy::AllowSynced`]).
    pub fn backup_policy(mut self, b: BackupPolicy) -> Self {
        self.backup_policy = b;
        self
    }

    /// Accept RSA credential keys from 1024 bits instead of 2048 (default off).
    ///
    /// Only for legacy hardware that cannot make 2048-bit keys: a 1024-bit
    /// modulus is far below current guidance (NIST SP 800-131A disallows it for
    /// signatures). Keys under 1024 bits, even public exponents and e = 1 are
    /// refused whatever this says. Applies at registration and at sign-in.
    pub fn allow_legacy_rsa_1024(mut self, allow: bool) -> Self {
        self.allow_legacy_rsa_1024 = allow;
        self
    }

    /// Validates and builds the configuration.
    pub fn build(self) -> Result<RelyingParty> {
        let cfg = |e: &dyn std::fmt::Display| Error::Config(e.to_string());
        if self.origins.is_empty() {
            return Err(Error::Config("no allowed origins".into()));
        }
        let mut origins = Vec::new();
        for o in &self.origins {
            origins.push(Origin::parse(o).map_err(|e| cfg(&e))?);
        }
        let first_web = origins.iter().find(|o| o.as_web().is_some());
        let rp_id = match (&self.rule, first_web) {
            (RpIdRule::Explicit(id), _) => crate::rp_id::RpId::parse(id).map_err(|e| cfg(&e))?,
            (rule, Some(o)) => {
                let ed = effective_domain_of(o).map_err(|e| cfg(&e))?;
                rule.derive_for(&ed).map_err(|e| cfg(&e))?
            }
            (_, None) => {
                return Err(Error::Config(
                    "an RP ID rule needs at least one web origin to derive from".into(),
                ));
            }
        };
        // §5.1.3 step 8 / HTML: the RP ID must be each web origin's effective domain
        // or a registrable suffix of it, never a public suffix or a sibling.
        for o in origins.iter().filter(|o| o.as_web().is_some()) {
            let ed = effective_domain_of(o).map_err(|e| cfg(&e))?;
            check_rp_id(&rp_id, &ed)
                .map_err(|e| Error::Config(format!("origin {}: {e}", o.as_str())))?;
        }
        if let Some(related) = &self.related_origins {
            origins.extend(related.origins().iter().cloned());
        }
        let mut top = Vec::new();
        for o in &self.top_origins {
            top.push(Origin::parse(o).map_err(|e| cfg(&e))?);
        }
        if self.algorithms.is_empty() {
            return Err(Error::Config("no algorithms".into()));
        }
        if let Some(a) = self.algorithms.iter().find(|a| !a.is_implemented()) {
            return Err(Error::Config(format!(
                "algorithm {a:?} is not implemented in this build"
            )));
        }
        let rp_id = rp_id.into_string();
        let rp_id_hash = Sha256::digest(rp_id.as_bytes()).into();
        Ok(RelyingParty {
            rp_id,
            rp_id_hash,
            rp_name: self.rp_name,
            origins: AllowedOrigins::from_origins(origins)
                .allow_subdomains(self.allow_subdomains)
                .allow_any_port(self.allow_any_port),
            cross_origin: CrossOriginPolicy {
                allow_cross_origin: self.allow_cross_origin,
                allowed_top_origins: top,
            },
            related_origins: self.related_origins,
            algorithms: self.algorithms,
            registration_timeout: self.registration_timeout,
            authentication_timeout: self.authentication_timeout,
            user_verification: self.user_verification,
            resident_key: self.resident_key,
            attestation: self.attestation,
            trust: self.trust,
            counter_policy: self.counter_policy,
            backup_policy: self.backup_policy,
            min_rsa_bits: if self.allow_legacy_rsa_1024 {
                crate::cose::MIN_RSA_MODULUS_BITS
            } else {
                2048
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_configurations_that_cannot_work() {
        assert!(RelyingParty::builder("example.com", "Ex").build().is_err());
        assert!(
            RelyingParty::builder("example.com", "Ex")
                .origin("https://evilexample.com")
                .build()
                .is_err()
        );
        assert!(
            RelyingParty::builder("login.example.com", "Ex")
                .origin("https://www.example.com")
                .build()
                .is_err()
        );
        assert!(
            RelyingParty::builder("example.com", "Ex")
                .origin("http://example.com")
                .build()
                .is_err()
        );
        assert!(
            RelyingParty::builder("example.com", "Ex")
                .origin("https://example.com")
                .algorithms([])
                .build()
                .is_err()
        );
    }

    #[test]
    fn accepts_parent_domains_and_localhost() {
        let rp = RelyingParty::builder("Example.com", "Ex")
            .origin("https://login.example.com:443")
            .build()
            .unwrap();
        assert_eq!(rp.rp_id(), "example.com");
        assert!(rp.origins().matches("https://login.example.com"));
        assert!(!rp.origins().matches("https://login.example.com:443"));
        RelyingParty::builder("localhost", "Dev")
            .origin("http://localhost:8080")
            .build()
            .unwrap();
    }
}
