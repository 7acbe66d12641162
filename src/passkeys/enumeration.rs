//! Username-enumeration defence for name-first sign-in.
//!
//! When the user types an account name first, the RP answers with that
//! account's `allowCredentials`. Answering "no such user" (or an empty list) for
//! unknown names tells an attacker which accounts exist. Instead,
//! [`Passkeys::start_authentication_for_name`] answers an unknown name with
//! options shaped like a real user's: one or two fake credential descriptors
//! whose ids are derived from a server secret with HMAC-SHA-256 over the name,
//! so asking twice gives the same answer (as it would for a real account), with
//! lengths and transports drawn from the shapes real credentials have. The
//! timeout, UV requirement, hints and extensions are the caller's, exactly as for
//! a real user. No authenticator holds the fake ids, and finishing such a
//! ceremony fails with [`Error::UnknownCredential`], the same error as presenting
//! a credential that is not in allowCredentials.
//!
//! The secret is random per [`Passkeys`] by default. Fake ids then change when
//! the process restarts and differ between servers, which an attacker watching
//! over time could notice; multi-server or long-lived deployments should set one
//! persistent secret with [`Passkeys::with_enumeration_secret`].

use crate::cose::CoseAlgorithm;
use crate::credential::{CredentialRecord, CredentialState, UserHandle};
use crate::error::{Error, Result};
use crate::json::{AuthenticatorTransport, Base64Url, RequestOptionsJson};
use crate::limits;
use crate::passkeys::{CeremonyId, Passkeys};
use crate::store::CredentialStore;
use crate::{AuthenticationOptions, attestation::AttestationType, authenticator_data::Aaguid};
use hmac::{KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The length and transports of one kind of real credential, used to shape fake
/// descriptors for unknown user names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeCredentialShape {
    /// Credential id length in bytes (16 to 1023).
    pub id_len: usize,
    /// The transports a browser reports for such a credential (sorted, as
    /// `getTransports()` returns them).
    pub transports: Vec<AuthenticatorTransport>,
}

impl FakeCredentialShape {
    /// A shape.
    pub fn new(id_len: usize, transports: Vec<AuthenticatorTransport>) -> Self {
        FakeCredentialShape { id_len, transports }
    }

    /// The shape of a stored credential, as its sign-in options show it: a
    /// host can build its mix from (a sample of) its own records, so fakes
    /// look like its real users rather than like the defaults.
    pub fn of(record: &CredentialRecord) -> Self {
        FakeCredentialShape {
            id_len: record.id.len(),
            transports: record.transports.clone(),
        }
    }
}

/// The default shapes, weighted (a shape listed twice is drawn twice as
/// often) roughly as passkeys are met today, with transports sorted as
/// `getTransports()` reports them:
///
/// * synced passkeys with 16-byte ids and `hybrid`+`internal` (the most
///   common kind, e.g. Google Password Manager), three parts;
/// * synced passkeys with 20-byte ids and `hybrid`+`internal` (e.g. iCloud
///   Keychain), two parts;
/// * device-bound platform credentials with 16-byte ids and `internal` only
///   (e.g. browser profiles, password-manager extensions), one part;
/// * device-bound platform credentials with 32-byte ids and `internal` (e.g.
///   Windows Hello), one part;
/// * security keys with 64-byte ids and `nfc`+`usb`, one part.
///
/// One fake account in four gets two descriptors, the rest one. These are
/// estimates; a host whose users look different should pass its own mix,
/// e.g. built with [`FakeCredentialShape::of`] from a sample of its records,
/// to [`Passkeys::with_fake_credential_shapes`].
pub fn default_fake_credential_shapes() -> Vec<FakeCredentialShape> {
    use AuthenticatorTransport::{Hybrid, Internal, Nfc, Usb};
    let synced16 = FakeCredentialShape::new(16, vec![Hybrid, Internal]);
    let synced20 = FakeCredentialShape::new(20, vec![Hybrid, Internal]);
    vec![
        synced16.clone(),
        synced16.clone(),
        synced16,
        synced20.clone(),
        synced20,
        FakeCredentialShape::new(16, vec![Internal]),
        FakeCredentialShape::new(32, vec![Internal]),
        FakeCredentialShape::new(64, vec![Nfc, Usb]),
    ]
}

/// The secret and shapes behind the fake descriptors.
pub(crate) struct EnumerationDefence {
    /// `None` only if the OS random source failed at construction; the
    /// name-first flow then refuses with [`Error::Random`] until a secret is set.
    secret: Option<[u8; 32]>,
    shapes: Vec<FakeCredentialShape>,
}

const LABEL_COUNT: &[u8] = b"relypass/enumeration/count/v1";
const LABEL_ID: &[u8] = b"relypass/enumeration/id/v1";
const LABEL_HANDLE: &[u8] = b"relypass/enumeration/handle/v1";

impl EnumerationDefence {
    pub(crate) fn random() -> Self {
        let mut secret = [0u8; 32];
        let secret = getrandom::fill(&mut secret).ok().map(|()| secret);
        EnumerationDefence {
            secret,
            shapes: default_fake_credential_shapes(),
        }
    }

    /// HMAC-SHA-256(secret, label ‖ 0 ‖ i ‖ j ‖ name): the label separates the
    /// uses, the zero byte ends the label, and `i`, `j` index descriptors and
    /// blocks, so every derived value is independent of every other.
    fn derive(&self, label: &[u8], i: u8, j: u8, name: &str) -> Result<[u8; 32]> {
        let secret = self.secret.as_ref().ok_or(Error::Random)?;
        let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| Error::Random)?;
        mac.update(label);
        mac.update(&[0, i, j]);
        mac.update(name.as_bytes());
        Ok(mac.finalize().into_bytes().into())
    }

    /// A stand-in user handle for an unknown name (never shown to the client;
    /// it keeps the server-side path the same shape as a real user's).
    pub(crate) fn fake_handle(&self, name: &str) -> Result<UserHandle> {
        UserHandle::new(self.derive(LABEL_HANDLE, 0, 0, name)?.to_vec())
    }

    /// One fake record for `name`, or (one time in four, as real accounts with
    /// a second passkey) two; deterministic in (secret, name).
    pub(crate) fn fake_records(
        &self,
        name: &str,
        handle: &UserHandle,
    ) -> Result<Vec<CredentialRecord>> {
        let seed = self.derive(LABEL_COUNT, 0, 0, name)?;
        let count = 1 + usize::from(seed[0] & 3 == 0);
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let i = u8::try_from(i).map_err(|_| Error::Random)?;
            let pick = usize::from(seed.get(1 + usize::from(i)).copied().unwrap_or(0));
            let shape = self
                .shapes
                .get(pick % self.shapes.len().max(1))
                .ok_or_else(|| Error::Config("no fake credential shapes".into()))?;
            let mut id = Vec::with_capacity(shape.id_len + 32);
            let mut j = 0u8;
            while id.len() < shape.id_len {
                id.extend_from_slice(&self.derive(LABEL_ID, i, j, name)?);
                j = j.wrapping_add(1);
            }
            id.truncate(shape.id_len);
            out.push(fake_record(id, shape.transports.clone(), handle.clone()));
        }
        Ok(out)
    }
}

/// A record that only ever feeds `start_authentication`: it contributes its id
/// and transports to allowCredentials and the state, is never stored, and has no
/// key, so nothing can ever verify against it.
fn fake_record(
    id: Vec<u8>,
    transports: Vec<AuthenticatorTransport>,
    user_handle: UserHandle,
) -> CredentialRecord {
    CredentialRecord {
        id: Base64Url::from(id),
        user_handle,
        public_key: Base64Url::from(Vec::new()),
        algorithm: CoseAlgorithm::ES256,
        sign_count: 0,
        backup_eligible: false,
        backup_state: false,
        user_verified: false,
        transports,
        aaguid: Aaguid::ZERO,
        attestation_format: "none".into(),
        attestation_type: AttestationType::None,
        discoverable: None,
        created_at: 0,
        last_used_at: None,
        name: None,
        state: CredentialState::Active,
        state_changed_at: 0,
        possibly_cloned: false,
    }
}

impl<S: CredentialStore> Passkeys<S> {
    /// Sets the secret that fake credential ids for unknown user names are
    /// derived from. Use one persistent, random 32-byte secret for all servers of
    /// a deployment, so fake ids are as stable as real ones.
    #[must_use]
    pub fn with_enumeration_secret(mut self, secret: [u8; 32]) -> Self {
        self.enumeration.secret = Some(secret);
        self
    }

    /// Sets the shapes fake descriptors are drawn from (see
    /// `default_fake_credential_shapes`). Refuses an empty list and ids outside
    /// 16 to 1023 bytes.
    pub fn with_fake_credential_shapes(mut self, shapes: Vec<FakeCredentialShape>) -> Result<Self> {
        if shapes.is_empty() {
            return Err(Error::Config("no fake credential shapes".into()));
        }
        if shapes
            .iter()
            .any(|s| s.id_len < 16 || s.id_len > limits::MAX_CREDENTIAL_ID)
        {
            return Err(Error::Config(
                "fake credential ids must be 16 to 1023 bytes".into(),
            ));
        }
        self.enumeration.shapes = shapes;
        Ok(self)
    }

    /// Starts a name-first sign-in without revealing whether `name` exists.
    ///
    /// For a known account with active credentials, the options list them, as
    /// [`start_authentication`](Self::start_authentication) does. For an unknown
    /// name, or an account without active credentials, they list one or two fake
    /// descriptors (see [`FakeCredentialShape`](crate::FakeCredentialShape)); everything else
    /// (timeout, UV, hints, extensions, rpId) is identical, and the server does
    /// the same store round trips either way.
    ///
    /// The UV requirement is the caller's for every name: raising it for
    /// passkey-only accounts here would reveal which accounts are passkey-only.
    /// Their UV is still enforced, by `finish_authentication`. To have the
    /// browser always ask for UV, pass UV-required options (e.g.
    /// [`Profile::NonDiscoverablePasskey`](crate::Profile::NonDiscoverablePasskey)).
    pub async fn start_authentication_for_name(
        &self,
        name: &str,
        options: &AuthenticationOptions,
    ) -> Result<(RequestOptionsJson, CeremonyId)> {
        let user = self.store().user_by_name(name).await?;
        let handle = match &user {
            Some(u) => u.handle.clone(),
            None => self.enumeration.fake_handle(name)?,
        };
        // Queried for the fake handle too (it matches nothing), so both paths
        // make the same store round trips. The fakes are derived only when
        // used: measured (benches/enumeration_timing.rs, MemoryStore),
        // deriving them for known names too made those 1.2 µs slower (the
        // HMACs on top of reading real records); derived only here, their cost
        // stands in for the records' and the paths differ by about 0.2 µs.
        let mut creds: Vec<CredentialRecord> = self
            .store()
            .credentials_for_user(&handle)
            .await?
            .into_iter()
            .filter(|c| c.state.can_authenticate())
            .collect();
        // Unknown names and accounts without an active credential look alike.
        if user.is_none() || creds.is_empty() {
            creds = self.enumeration.fake_records(name, &handle)?;
        }
        self.start_authentication_with_records(Some((&handle, &creds)), options)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defence(secret: u8) -> EnumerationDefence {
        EnumerationDefence {
            secret: Some([secret; 32]),
            shapes: default_fake_credential_shapes(),
        }
    }

    #[test]
    fn fake_records_are_deterministic_and_shaped() {
        let d = defence(7);
        let h = d.fake_handle("alice").unwrap();
        let a = d.fake_records("alice", &h).unwrap();
        let b = d.fake_records("alice", &h).unwrap();
        assert_eq!(a, b);
        assert!((1..=2).contains(&a.len()));
        let shapes = default_fake_credential_shapes();
        for r in &a {
            assert!(
                shapes
                    .iter()
                    .any(|s| s.id_len == r.id.len() && s.transports == r.transports)
            );
        }
        // Another secret or another name gives other ids.
        let other = defence(8).fake_records("alice", &h).unwrap();
        assert_ne!(a[0].id, other[0].id);
        let bob = d.fake_records("bob", &h).unwrap();
        assert_ne!(a[0].id, bob[0].id);
    }

    /// Issue 14: fakes came in four shapes, and a 16-byte id with only
    /// `internal` (a device-bound passkey, what the test kit's authenticator
    /// makes) never among them, so such an account's answer could never be
    /// mistaken for an unknown name's; and one fake in two was a pair, where
    /// most real accounts hold one passkey.
    #[test]
    fn fake_credentials_match_real_passkey_shapes() {
        use AuthenticatorTransport::{Hybrid, Internal, Nfc, Usb};
        let d = defence(3);
        let h = d.fake_handle("x").unwrap();
        let mut seen = std::collections::BTreeSet::new();
        let mut pairs = 0;
        for n in 0..1000 {
            let fakes = d.fake_records(&format!("user{n}"), &h).unwrap();
            pairs += usize::from(fakes.len() == 2);
            for r in fakes {
                seen.insert((r.id.len(), r.transports.clone()));
            }
        }
        for real in [
            (16, vec![Hybrid, Internal]),
            (20, vec![Hybrid, Internal]),
            (16, vec![Internal]),
            (32, vec![Internal]),
            (64, vec![Nfc, Usb]),
        ] {
            assert!(seen.contains(&real), "{real:?} never drawn");
        }
        // About one in four, as real accounts with a second passkey.
        assert!((150..350).contains(&pairs), "{pairs} pairs in 1000");
    }

    #[test]
    fn both_counts_occur() {
        let d = defence(1);
        let h = d.fake_handle("x").unwrap();
        let counts: std::collections::BTreeSet<usize> = (0..64)
            .map(|n| d.fake_records(&format!("user{n}"), &h).unwrap().len())
            .collect();
        assert_eq!(counts.into_iter().collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn missing_secret_is_an_error_not_a_panic() {
        let d = EnumerationDefence {
            secret: None,
            shapes: default_fake_credential_shapes(),
        };
        assert!(matches!(d.fake_handle("a"), Err(Error::Random)));
    }
}
