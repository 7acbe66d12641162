//! Authenticator data (WebAuthn L3 §6.1): rpIdHash, flags, signCount, attested
//! credential data (§6.5.1) and the extensions map.
//!
//! Layout: `rpIdHash[32] ‖ flags[1] ‖ signCount[4, BE] ‖ attestedCredentialData? ‖
//! extensions?`. The two optional parts are present exactly when the AT and ED flags
//! say so; anything after them is an error, because a parser that skips unknown
//! trailing bytes lets two verifiers disagree about what was signed.

use crate::cose::{CredentialPublicKey, read_cbor_value};
use crate::crypto::ct::constant_time_eq;
use crate::error::{Error, Field, Result};
use crate::json::UserVerificationRequirement;
use crate::limits;
use ciborium::value::Value;

/// The flags byte of authenticator data (§6.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u8);

impl Flags {
    /// Bit 0: User Present.
    pub const UP: u8 = 0x01;
    /// Bit 2: User Verified.
    pub const UV: u8 = 0x04;
    /// Bit 3: Backup Eligibility.
    pub const BE: u8 = 0x08;
    /// Bit 4: Backup State.
    pub const BS: u8 = 0x10;
    /// Bit 6: Attested credential data included.
    pub const AT: u8 = 0x40;
    /// Bit 7: Extension data included.
    pub const ED: u8 = 0x80;

    /// Wraps a raw flags byte.
    pub fn from_bits(bits: u8) -> Self {
        Flags(bits)
    }
    /// The raw byte.
    pub fn bits(self) -> u8 {
        self.0
    }
    /// UP: the user was present.
    pub fn user_present(self) -> bool {
        self.0 & Self::UP != 0
    }
    /// UV: the user was verified.
    pub fn user_verified(self) -> bool {
        self.0 & Self::UV != 0
    }
    /// BE: the credential may be backed up (synced).
    pub fn backup_eligible(self) -> bool {
        self.0 & Self::BE != 0
    }
    /// BS: the credential is currently backed up.
    pub fn backup_state(self) -> bool {
        self.0 & Self::BS != 0
    }
    /// AT: attested credential data follows.
    pub fn attested_credential_data(self) -> bool {
        self.0 & Self::AT != 0
    }
    /// ED: an extensions map follows.
    pub fn extension_data(self) -> bool {
        self.0 & Self::ED != 0
    }
}

impl core::fmt::Debug for Flags {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut names = Vec::new();
        for (bit, name) in [
            (Self::UP, "UP"),
            (Self::UV, "UV"),
            (Self::BE, "BE"),
            (Self::BS, "BS"),
            (Self::AT, "AT"),
            (Self::ED, "ED"),
        ] {
            if self.0 & bit != 0 {
                names.push(name);
            }
        }
        write!(f, "Flags({:#04x}: {})", self.0, names.join("|"))
    }
}

/// An authenticator's AAGUID (§6.5.1): 16 bytes, shown as a UUID.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Aaguid(pub [u8; 16]);

impl Aaguid {
    /// The all-zero AAGUID (no attestation / U2F).
    pub const ZERO: Aaguid = Aaguid([0; 16]);

    /// Parses the hyphenated UUID form (`cb69481e-8ff7-4039-93ec-0a2729a154a8`).
    pub fn parse(s: &str) -> Option<Self> {
        let hex: Vec<u8> = s.bytes().filter(|b| *b != b'-').collect();
        if hex.len() != 32 {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, chunk) in hex.chunks(2).enumerate() {
            let s = core::str::from_utf8(chunk).ok()?;
            *out.get_mut(i)? = u8::from_str_radix(s, 16).ok()?;
        }
        Some(Aaguid(out))
    }
}

impl core::fmt::Display for Aaguid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl core::fmt::Debug for Aaguid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Aaguid({self})")
    }
}

impl serde::Serialize for Aaguid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Aaguid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Aaguid::parse(&s).ok_or_else(|| serde::de::Error::custom("invalid AAGUID"))
    }
}

/// Attested credential data (§6.5.1).
#[derive(Clone, Debug)]
pub struct AttestedCredentialData<'a> {
    /// The authenticator model's AAGUID.
    pub aaguid: Aaguid,
    /// The credential id (at most 1023 bytes).
    pub credential_id: &'a [u8],
    /// The COSE_Key bytes exactly as the authenticator encoded them.
    pub public_key_bytes: &'a [u8],
    /// The parsed, validated public key.
    pub public_key: CredentialPublicKey,
}

/// Parsed authenticator data, borrowing the bytes it was parsed from.
#[derive(Clone, Debug)]
pub struct AuthenticatorData<'a> {
    raw: &'a [u8],
    rp_id_hash: &'a [u8; 32],
    flags: Flags,
    sign_count: u32,
    attested: Option<AttestedCredentialData<'a>>,
    extensions: Option<Value>,
}

impl<'a> AuthenticatorData<'a> {
    /// Parses authenticator data, rejecting truncation and trailing bytes.
    pub fn parse(raw: &'a [u8]) -> Result<Self> {
        const F: Field = Field::AuthenticatorData;
        if raw.len() > limits::MAX_AUTHENTICATOR_DATA {
            return Err(Error::TooLarge {
                field: F,
                size: raw.len(),
                max: limits::MAX_AUTHENTICATOR_DATA,
            });
        }
        let (rp_id_hash, rest) = raw
            .split_first_chunk::<32>()
            .ok_or(Error::malformed(F, "shorter than 37 bytes"))?;
        let (&[flags], rest) = rest
            .split_first_chunk::<1>()
            .ok_or(Error::malformed(F, "shorter than 37 bytes"))?;
        let (count, mut rest) = rest
            .split_first_chunk::<4>()
            .ok_or(Error::malformed(F, "shorter than 37 bytes"))?;
        let flags = Flags(flags);
        let sign_count = u32::from_be_bytes(*count);

        let attested = if flags.attested_credential_data() {
            Some(parse_attested(&mut rest)?)
        } else {
            None
        };

        let extensions = if flags.extension_data() {
            let v = read_cbor_value(&mut rest, Field::AuthenticatorExtensions)?;
            match &v {
                Value::Map(m) if m.len() <= limits::MAX_EXTENSION_ENTRIES => {}
                Value::Map(_) => {
                    return Err(Error::malformed(
                        Field::AuthenticatorExtensions,
                        "too many extension entries",
                    ));
                }
                _ => {
                    return Err(Error::malformed(
                        Field::AuthenticatorExtensions,
                        "extensions are not a CBOR map",
                    ));
                }
            }
            Some(v)
        } else {
            None
        };

        if !rest.is_empty() {
            // §6.1: extensions follow only when ED is set. Trailing bytes that are
            // exactly one CBOR map with ED clear are the cleartext PRF outputs old
            // Firefox releases wrote: the same refusal, named so an operator can act.
            if !flags.extension_data() && is_one_cbor_map(rest) {
                return Err(Error::CleartextExtensionsWithoutEdFlag {
                    trailing: rest.len(),
                });
            }
            return Err(Error::malformed(F, "trailing bytes"));
        }
        Ok(AuthenticatorData {
            raw,
            rp_id_hash,
            flags,
            sign_count,
            attested,
            extensions,
        })
    }

    /// The bytes this was parsed from (what the authenticator signed).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
    /// SHA-256 of the RP ID the authenticator scoped the credential to.
    pub fn rp_id_hash(&self) -> &[u8; 32] {
        self.rp_id_hash
    }
    /// The flags.
    pub fn flags(&self) -> Flags {
        self.flags
    }
    /// The signature counter.
    pub fn sign_count(&self) -> u32 {
        self.sign_count
    }
    /// Attested credential data, present when AT is set.
    pub fn attested_credential_data(&self) -> Option<&AttestedCredentialData<'a>> {
        self.attested.as_ref()
    }
    /// The authenticator extension outputs, present when ED is set.
    pub fn extensions(&self) -> Option<&Value> {
        self.extensions.as_ref()
    }
}

/// Whether `bytes` hold exactly one CBOR map and nothing after it.
fn is_one_cbor_map(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    matches!(
        read_cbor_value(&mut rest, Field::AuthenticatorExtensions),
        Ok(Value::Map(_))
    ) && rest.is_empty()
}

fn parse_attested<'a>(rest: &mut &'a [u8]) -> Result<AttestedCredentialData<'a>> {
    const F: Field = Field::AttestedCredentialData;
    let (aaguid, r) = rest
        .split_first_chunk::<16>()
        .ok_or(Error::malformed(F, "truncated AAGUID"))?;
    let (len, r) = r
        .split_first_chunk::<2>()
        .ok_or(Error::malformed(F, "truncated credential id length"))?;
    let len = usize::from(u16::from_be_bytes(*len));
    // The bound of §7.1 step 25 (see `ceremony::registration`), applied while
    // parsing so no longer id is ever copied out.
    if len > limits::MAX_CREDENTIAL_ID {
        return Err(Error::CredentialIdTooLong { len });
    }
    if len == 0 {
        return Err(Error::malformed(F, "empty credential id"));
    }
    let (credential_id, mut r) = r
        .split_at_checked(len)
        .ok_or(Error::malformed(F, "truncated credential id"))?;
    // The canonical 77-byte ES256 key is recognised by position; any other
    // encoding is decoded as CBOR (which also tells where the key ends).
    let (public_key_bytes, public_key) = match r
        .get(..77)
        .and_then(CredentialPublicKey::from_canonical_es256)
    {
        Some(key) => {
            let (bytes, rest) = r.split_at(77);
            r = rest;
            (bytes, key?)
        }
        None => {
            let before = r;
            let value = read_cbor_value(&mut r, Field::CosePublicKey)?;
            let used = before.len() - r.len();
            let bytes = before
                .get(..used)
                .ok_or(Error::malformed(F, "COSE key length"))?;
            (bytes, CredentialPublicKey::from_cbor_value(value)?)
        }
    };
    *rest = r;
    Ok(AttestedCredentialData {
        aaguid: Aaguid(*aaguid),
        credential_id,
        public_key_bytes,
        public_key,
    })
}

/// Whether the UP flag must be set (§7.1 step 15 "If options.mediation is not
/// set to conditional…", §7.2 step 16 "Verify that the UP bit…").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserPresence {
    /// Every authentication, and every registration not started with
    /// conditional mediation.
    Required,
    /// A registration whose state says it was started with conditional
    /// mediation (`RegistrationOptions::conditional_mediation`).
    NotRequiredForConditionalCreate,
}

impl AuthenticatorData<'_> {
    /// The authenticator-data steps both ceremonies share (§7.1 steps 14–17,
    /// §7.2 steps 15–18): `rpIdHash` equals `expected_rp_id_hash`, UP as `up`
    /// says, UV when `uv` requires it, and BS only with BE. What the RP makes of
    /// BE/BS beyond that is its policy, applied by the ceremony.
    pub(crate) fn verify(
        &self,
        expected_rp_id_hash: &[u8; 32],
        uv: UserVerificationRequirement,
        up: UserPresence,
    ) -> Result<()> {
        let a = self;
        // §7.1 step 14 "Verify that the rpIdHash in authData is the SHA-256 hash…"
        // §7.2 step 15 "Verify that the rpIdHash in authData is the SHA-256 hash…"
        if !constant_time_eq(a.rp_id_hash(), expected_rp_id_hash) {
            return Err(Error::RpIdHash);
        }
        let f = a.flags();
        // §7.1 step 15 "If options.mediation is not set to conditional, verify…"
        // §7.2 step 16 "Verify that the UP bit of the flags in authData is set."
        // The registration exception is the only one: `up` comes from the state.
        if up == UserPresence::Required && !f.user_present() {
            return Err(Error::UserNotPresent);
        }
        // §7.1 step 16 "If the Relying Party requires user verification for this…"
        // §7.2 step 17 "Determine whether user verification is required…"
        if uv == UserVerificationRequirement::Required && !f.user_verified() {
            return Err(Error::UserNotVerified);
        }
        // §7.1 step 17 "If the BE bit of the flags in authData is not set, verify…"
        // §7.2 step 18 "If the BE bit of the flags in authData is not set, verify…"
        // (§6.1.3: BS may only be set when BE is).
        if f.backup_state() && !f.backup_eligible() {
            return Err(Error::BackupStateWithoutEligibility);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(flags: u8) -> Vec<u8> {
        let mut v = vec![0xab; 32];
        v.push(flags);
        v.extend_from_slice(&7u32.to_be_bytes());
        v
    }

    /// Mutation testing (cargo-mutants) found `Flags::from_bits` and
    /// `Flags::bits` replaceable by constants with no test failing: the raw
    /// byte a host stores or logs must be the byte the authenticator sent.
    #[test]
    fn flags_round_trip_the_authenticators_byte() {
        for byte in [0x00, 0x01, 0x05, 0x1d, 0x45, 0xc5, 0xff] {
            let f = Flags::from_bits(byte);
            assert_eq!(f.bits(), byte);
            assert_eq!(f.user_present(), byte & 0x01 != 0);
            assert_eq!(f.user_verified(), byte & 0x04 != 0);
            assert_eq!(f.backup_eligible(), byte & 0x08 != 0);
            assert_eq!(f.backup_state(), byte & 0x10 != 0);
            assert_eq!(f.attested_credential_data(), byte & 0x40 != 0);
        }
    }

    #[test]
    fn minimal_assertion_data() {
        let d = base(Flags::UP | Flags::UV);
        let a = AuthenticatorData::parse(&d).unwrap();
        assert!(a.flags().user_present() && a.flags().user_verified());
        assert!(!a.flags().backup_eligible());
        assert_eq!(a.sign_count(), 7);
        assert!(a.attested_credential_data().is_none());
    }

    #[test]
    fn truncated_rejected() {
        for n in 0..37 {
            assert!(AuthenticatorData::parse(&base(1)[..n]).is_err(), "{n}");
        }
    }

    #[test]
    fn trailing_bytes_rejected() {
        let mut d = base(Flags::UP);
        d.push(0);
        assert!(matches!(
            AuthenticatorData::parse(&d),
            Err(Error::Malformed {
                reason: "trailing bytes",
                ..
            })
        ));
    }

    #[test]
    fn cleartext_extensions_without_ed_named() {
        // An assertion's authData (no AT) with {"hmac-secret": h'..'} and ED clear.
        let mut d = base(Flags::UP);
        d.extend_from_slice(&[0xa1, 0x6b]);
        d.extend_from_slice(b"hmac-secret");
        d.extend_from_slice(&[0x58, 0x20]);
        d.extend_from_slice(&[0x11; 32]);
        assert!(matches!(
            AuthenticatorData::parse(&d),
            Err(Error::CleartextExtensionsWithoutEdFlag { trailing: 47 })
        ));
        // With ED set, the same bytes are the extensions map.
        d[32] |= Flags::ED;
        assert!(AuthenticatorData::parse(&d).is_ok());
    }

    #[test]
    fn extensions_parsed_when_ed_set() {
        let mut d = base(Flags::UP | Flags::ED);
        d.extend_from_slice(&[0xa1, 0x63, b'f', b'o', b'o', 0xf5]); // {"foo": true}
        let a = AuthenticatorData::parse(&d).unwrap();
        assert!(matches!(a.extensions(), Some(Value::Map(m)) if m.len() == 1));
        // ED set but the data is not a map.
        let mut d = base(Flags::UP | Flags::ED);
        d.push(0x01);
        assert!(AuthenticatorData::parse(&d).is_err());
        // ED set with nothing after it.
        assert!(AuthenticatorData::parse(&base(Flags::UP | Flags::ED)).is_err());
    }

    #[test]
    fn at_without_data_rejected() {
        let mut d = base(Flags::UP | Flags::AT);
        d.extend_from_slice(&[0; 16]);
        d.extend_from_slice(&[0x04, 0x00]); // claims a 1024-byte credential id
        assert!(matches!(
            AuthenticatorData::parse(&d),
            Err(Error::CredentialIdTooLong { len: 1024 })
        ));
        let mut d = base(Flags::UP | Flags::AT);
        d.extend_from_slice(&[0; 16]);
        d.extend_from_slice(&[0x00, 0x10, 1, 2, 3]); // claims 16, has 3
        assert!(AuthenticatorData::parse(&d).is_err());
    }

    #[test]
    fn aaguid_round_trip() {
        let a = Aaguid::parse("cb69481e-8ff7-4039-93ec-0a2729a154a8").unwrap();
        assert_eq!(a.to_string(), "cb69481e-8ff7-4039-93ec-0a2729a154a8");
        assert!(Aaguid::parse("zz").is_none());
        assert!(Aaguid::parse("cb69481e-8ff7-4039-93ec-0a2729a154ag").is_none());
    }

    /// Mutation testing: `raw()` returning other bytes was not caught by the
    /// ceremony tests (only attestation statements sign over it): it must be
    /// exactly the bytes parsed, which `packed`, `tpm` and others verify.
    #[test]
    fn raw_is_exactly_the_parsed_bytes() {
        let mut d = base(Flags::UP | Flags::ED);
        d.extend_from_slice(&[0xa1, 0x63, b'f', b'o', b'o', 0xf5]); // {"foo": true}
        let a = AuthenticatorData::parse(&d).unwrap();
        assert_eq!(a.raw(), &d[..]);
    }

    /// Mutation testing: with the "too many entries" arm deleted, an
    /// oversized map was still refused, but as "not a CBOR map"; the operator
    /// must be told which limit the authenticator exceeded.
    #[test]
    fn extension_map_over_the_entry_limit_refused_as_too_many() {
        let map = |n: usize| {
            let mut d = base(Flags::UP | Flags::ED);
            // A CBOR map header with n (24..256) entries, then n pairs
            // uint -> true, each key minimally encoded.
            d.extend_from_slice(&[0xb8, u8::try_from(n).unwrap()]);
            for k in 0..u8::try_from(n).unwrap() {
                if k < 24 {
                    d.push(k);
                } else {
                    d.extend_from_slice(&[0x18, k]);
                }
                d.push(0xf5);
            }
            d
        };
        let at = map(limits::MAX_EXTENSION_ENTRIES);
        assert!(AuthenticatorData::parse(&at).is_ok());
        let over = map(limits::MAX_EXTENSION_ENTRIES + 1);
        assert!(matches!(
            AuthenticatorData::parse(&over),
            Err(Error::Malformed {
                reason: "too many extension entries",
                ..
            })
        ));
    }

    /// Mutation testing: an `Aaguid` deserializer that ignored its input was not
    /// caught. Stored records and metadata carry AAGUIDs as strings; they must
    /// come back as the same AAGUID, and anything else must be refused.
    #[test]
    fn aaguid_serde_round_trips_and_refuses_non_uuids() {
        let a = Aaguid::parse("cb69481e-8ff7-4039-93ec-0a2729a154a8").unwrap();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#""cb69481e-8ff7-4039-93ec-0a2729a154a8""#);
        assert_eq!(serde_json::from_str::<Aaguid>(&json).unwrap(), a);
        assert!(serde_json::from_str::<Aaguid>(r#""not-a-uuid""#).is_err());
    }

    /// An Ed25519 COSE_Key (`{1: 1, 3: -8, -1: 6, -2: x}`, x the base point):
    /// not the canonical ES256 layout, so it takes the generic CBOR path.
    fn ed25519_cose_key() -> Vec<u8> {
        let mut k = vec![0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20];
        k.push(0x58);
        k.extend_from_slice(&[0x66; 31]);
        k
    }

    /// Authenticator data with attested credential data for `id` and `key`.
    fn attested(id: &[u8], key: &[u8], flags: u8) -> Vec<u8> {
        let mut d = base(Flags::UP | Flags::AT | flags);
        d.extend_from_slice(&[0x11; 16]);
        d.extend_from_slice(&u16::try_from(id.len()).unwrap().to_be_bytes());
        d.extend_from_slice(id);
        d.extend_from_slice(key);
        d
    }

    /// Mutation testing: `len > MAX_CREDENTIAL_ID` weakened to `>=` was not
    /// caught. Registration allows credential ids of up to 1023 bytes, so one
    /// of exactly 1023 must parse.
    #[test]
    fn credential_id_of_exactly_the_limit_accepted() {
        let id = vec![7; limits::MAX_CREDENTIAL_ID];
        let d = attested(&id, &ed25519_cose_key(), 0);
        let a = AuthenticatorData::parse(&d).unwrap();
        assert_eq!(a.attested_credential_data().unwrap().credential_id, &id[..]);
    }

    /// Mutation testing: computing the COSE key's length as `before + rest`
    /// instead of `before - rest` was not caught, as it agrees whenever the key
    /// is the last thing in the data. With extensions after it, the key's
    /// bytes must still end where the key ends.
    #[test]
    fn cose_key_bytes_end_where_the_key_ends_when_extensions_follow() {
        let key = ed25519_cose_key();
        let mut d = attested(b"id", &key, Flags::ED);
        d.extend_from_slice(&[0xa1, 0x63, b'f', b'o', b'o', 0xf5]); // {"foo": true}
        let a = AuthenticatorData::parse(&d).unwrap();
        let acd = a.attested_credential_data().unwrap();
        assert_eq!(acd.public_key_bytes, &key[..]);
        assert_eq!(acd.aaguid, Aaguid([0x11; 16]));
        assert!(matches!(a.extensions(), Some(Value::Map(m)) if m.len() == 1));
    }
}
