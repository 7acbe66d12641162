//! FIDO Metadata Service (MDS3) BLOBs: verification, lookup by AAGUID, trust
//! anchors, and the authenticator status check of the trust policy.
//!
//! The host downloads the BLOB (a compact JWT, e.g. from
//! `https://mds3.fidoalliance.org/`) and the MDS root certificate itself; this
//! module does no I/O. [`MetadataBlob::verify`] checks the JWS signature with
//! the `x5c[0]` key (RFC 7515), validates the `x5c` chain to one of the
//! host's roots at the time the host passes, and parses the payload
//! (FIDO MDS3 §3.1.6 `MetadataBLOBPayload`).
//!
//! What is left to the host (MDS3 §3.2 "Metadata BLOB object processing
//! rules"): fetching, the `x5u` header (BLOBs without `x5c` are refused),
//! certificate revocation lists, refusing a BLOB whose [`MetadataBlob::no`]
//! is not greater than the one it already has, and fetching a new BLOB once
//! [`MetadataBlob::is_stale`].
//!
//! Using it in a trust policy: set
//! [`TrustPolicy::metadata`](super::TrustPolicy::metadata) to refuse
//! authenticators whose latest status report is a compromise (see
//! [`AuthenticatorStatus::is_compromised`]), optionally
//! [`TrustPolicy::require_metadata`](super::TrustPolicy::require_metadata) to
//! refuse authenticators the BLOB does not list, and add
//! [`MetadataBlob::trust_anchors`] to the policy's anchors to trust each
//! listed authenticator's attestation roots for its own AAGUID only.
//!
//! An authenticator is looked up by what its statement attests, never by what
//! authData merely claims: by the AAGUID when the format attests it
//! ([`attested_aaguid`](super::attested_aaguid)) and it is not zero, otherwise
//! by its attestation certificate's key identifier
//! ([`MetadataEntry::attestation_certificate_key_identifiers`]). fido-u2f
//! never attests its AAGUID (§8.6 signs neither authData nor the AAGUID), so a
//! U2F key is always found by key identifier, and the AAGUID-scoped anchors of
//! [`MetadataBlob::trust_anchors`] never vouch for it.

use super::jws::{JwsError, MDS_MAX_JWS_LEN, verify_compact_jws};
use super::{AnchorScope, TrustAnchor};
use crate::authenticator_data::Aaguid;
use crate::error::{Error, Result};
use crate::x509::b64::{self, Alphabet};
use crate::x509::cert_path::{self, CertPathError, PathOptions};
use serde_json::Value;
use std::collections::BTreeMap;
use thiserror::Error as ThisError;

/// Why a metadata BLOB was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
pub enum MdsError {
    /// The JWS is malformed or its signature does not verify with `x5c[0]`.
    #[error("metadata BLOB JWS: {0}")]
    Jws(JwsError),
    /// The `x5c` chain does not reach one of the roots at the given time.
    #[error("metadata BLOB signing chain: {0}")]
    Chain(CertPathError),
    /// No root certificate was given.
    #[error("no metadata root certificate given")]
    NoRoots,
    /// The payload is not a well-formed `MetadataBLOBPayload`.
    #[error("metadata BLOB payload: {0}")]
    Payload(String),
}

fn payload_err(what: impl Into<String>) -> MdsError {
    MdsError::Payload(what.into())
}

/// `AuthenticatorStatus` (FIDO MDS3 §3.1.4).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthenticatorStatus {
    /// `NOT_FIDO_CERTIFIED`.
    NotFidoCertified,
    /// `FIDO_CERTIFIED`.
    FidoCertified,
    /// `USER_VERIFICATION_BYPASS`: malware can bypass user verification.
    UserVerificationBypass,
    /// `ATTESTATION_KEY_COMPROMISE`: an attestation key is compromised.
    AttestationKeyCompromise,
    /// `USER_KEY_REMOTE_COMPROMISE`: user keys can be extracted remotely.
    UserKeyRemoteCompromise,
    /// `USER_KEY_PHYSICAL_COMPROMISE`: user keys can be extracted with physical access.
    UserKeyPhysicalCompromise,
    /// `UPDATE_AVAILABLE`.
    UpdateAvailable,
    /// `REVOKED`: the certification was revoked.
    Revoked,
    /// `SELF_ASSERTION_SUBMITTED`.
    SelfAssertionSubmitted,
    /// `FIDO_CERTIFIED_L1`.
    FidoCertifiedL1,
    /// `FIDO_CERTIFIED_L1plus`.
    FidoCertifiedL1Plus,
    /// `FIDO_CERTIFIED_L2`.
    FidoCertifiedL2,
    /// `FIDO_CERTIFIED_L2plus`.
    FidoCertifiedL2Plus,
    /// `FIDO_CERTIFIED_L3`.
    FidoCertifiedL3,
    /// `FIDO_CERTIFIED_L3plus`.
    FidoCertifiedL3Plus,
    /// A status this version does not know, as sent.
    Other(String),
}

const STATUS_NAMES: &[(&str, AuthenticatorStatus)] = &[
    ("NOT_FIDO_CERTIFIED", AuthenticatorStatus::NotFidoCertified),
    ("FIDO_CERTIFIED", AuthenticatorStatus::FidoCertified),
    (
        "USER_VERIFICATION_BYPASS",
        AuthenticatorStatus::UserVerificationBypass,
    ),
    (
        "ATTESTATION_KEY_COMPROMISE",
        AuthenticatorStatus::AttestationKeyCompromise,
    ),
    (
        "USER_KEY_REMOTE_COMPROMISE",
        AuthenticatorStatus::UserKeyRemoteCompromise,
    ),
    (
        "USER_KEY_PHYSICAL_COMPROMISE",
        AuthenticatorStatus::UserKeyPhysicalCompromise,
    ),
    ("UPDATE_AVAILABLE", AuthenticatorStatus::UpdateAvailable),
    ("REVOKED", AuthenticatorStatus::Revoked),
    (
        "SELF_ASSERTION_SUBMITTED",
        AuthenticatorStatus::SelfAssertionSubmitted,
    ),
    ("FIDO_CERTIFIED_L1", AuthenticatorStatus::FidoCertifiedL1),
    (
        "FIDO_CERTIFIED_L1plus",
        AuthenticatorStatus::FidoCertifiedL1Plus,
    ),
    ("FIDO_CERTIFIED_L2", AuthenticatorStatus::FidoCertifiedL2),
    (
        "FIDO_CERTIFIED_L2plus",
        AuthenticatorStatus::FidoCertifiedL2Plus,
    ),
    ("FIDO_CERTIFIED_L3", AuthenticatorStatus::FidoCertifiedL3),
    (
        "FIDO_CERTIFIED_L3plus",
        AuthenticatorStatus::FidoCertifiedL3Plus,
    ),
];

impl AuthenticatorStatus {
    /// Parses the MDS3 spelling (case-sensitive); unknown names are kept as [`Self::Other`].
    pub fn from_name(name: &str) -> Self {
        STATUS_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| AuthenticatorStatus::Other(name.to_owned()))
    }

    /// The MDS3 spelling.
    pub fn as_str(&self) -> &str {
        match self {
            AuthenticatorStatus::Other(s) => s,
            known => STATUS_NAMES
                .iter()
                .find(|(_, s)| s == known)
                .map(|(n, _)| *n)
                .unwrap_or("?"),
        }
    }

    /// Whether this status means the authenticator must not be trusted:
    /// `REVOKED`, `USER_VERIFICATION_BYPASS`, `ATTESTATION_KEY_COMPROMISE`,
    /// `USER_KEY_REMOTE_COMPROMISE` or `USER_KEY_PHYSICAL_COMPROMISE`.
    pub fn is_compromised(&self) -> bool {
        matches!(
            self,
            AuthenticatorStatus::Revoked
                | AuthenticatorStatus::UserVerificationBypass
                | AuthenticatorStatus::AttestationKeyCompromise
                | AuthenticatorStatus::UserKeyRemoteCompromise
                | AuthenticatorStatus::UserKeyPhysicalCompromise
        )
    }
}

impl core::fmt::Display for AuthenticatorStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `StatusReport` (FIDO MDS3 §3.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// `status`.
    pub status: AuthenticatorStatus,
    /// `effectiveDate` (`YYYY-MM-DD`), when given.
    pub effective_date: Option<String>,
    /// `authenticatorVersion` the report applies to (and later ones), when given.
    pub authenticator_version: Option<u64>,
    /// `certificateNumber`, when given.
    pub certificate_number: Option<String>,
    /// `url` with more information, when given.
    pub url: Option<String>,
    effective_day: Option<i64>,
}

/// The parts of a `MetadataStatement` (FIDO Metadata Statement §4) this
/// crate uses; every member is in [`MetadataStatement::raw`].
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataStatement {
    /// `description`: a human-readable name of the authenticator model.
    pub description: String,
    /// `attestationRootCertificates`, DER.
    pub attestation_root_certificates: Vec<Vec<u8>>,
    /// `attestationTypes` (`basic_full`, `basic_surrogate`, `attca`, `anonca`, `none`, ...).
    pub attestation_types: Vec<String>,
    /// `authenticatorVersion`.
    pub authenticator_version: Option<u64>,
    /// `protocolFamily` (`fido2`, `u2f`, `uaf`).
    pub protocol_family: Option<String>,
    /// The statement as JSON, for members not decoded here.
    pub raw: Value,
}

/// One `MetadataBLOBPayloadEntry` (FIDO MDS3 §3.1.1).
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataEntry {
    /// `aaguid` (FIDO2 authenticators).
    pub aaguid: Option<Aaguid>,
    /// `aaid` (UAF authenticators).
    pub aaid: Option<String>,
    /// `attestationCertificateKeyIdentifiers` (U2F authenticators): SHA-1 of
    /// the attestation certificate's subjectPublicKey, as bytes.
    pub attestation_certificate_key_identifiers: Vec<Vec<u8>>,
    /// `metadataStatement`.
    pub metadata_statement: Option<MetadataStatement>,
    /// `statusReports`, in BLOB order.
    pub status_reports: Vec<StatusReport>,
    /// `timeOfLastStatusChange`, when given.
    pub time_of_last_status_change: Option<String>,
}

impl MetadataEntry {
    /// The authenticator model's human-readable name (`metadataStatement.description`).
    pub fn description(&self) -> Option<&str> {
        self.metadata_statement
            .as_ref()
            .map(|s| s.description.as_str())
    }

    /// The status report in effect at `now` (Unix seconds): among the reports
    /// whose `effectiveDate` is not after `now`'s UTC date, the one with the
    /// latest date; reports without a date count as the oldest, and ties go to
    /// the one later in the BLOB.
    pub fn latest_status(&self, now: u64) -> Option<&StatusReport> {
        let today = day_of(now);
        self.status_reports
            .iter()
            .enumerate()
            .filter(|(_, r)| r.effective_day.is_none_or(|d| d <= today))
            .max_by_key(|(i, r)| (r.effective_day.unwrap_or(i64::MIN), *i))
            .map(|(_, r)| r)
    }

    /// The status in effect at `now` when it is a compromise status.
    pub fn compromised_status(&self, now: u64) -> Option<&StatusReport> {
        self.latest_status(now)
            .filter(|r| r.status.is_compromised())
    }
}

/// A verified FIDO MDS3 metadata BLOB, indexed by AAGUID and attestation
/// key identifier.
#[derive(Clone)]
pub struct MetadataBlob {
    legal_header: Option<String>,
    no: u64,
    next_update: String,
    next_update_day: i64,
    entries: Vec<MetadataEntry>,
    by_aaguid: BTreeMap<Aaguid, usize>,
    by_key_identifier: BTreeMap<Vec<u8>, usize>,
}

impl core::fmt::Debug for MetadataBlob {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // A real BLOB has thousands of entries: keep logs short.
        f.debug_struct("MetadataBlob")
            .field("no", &self.no)
            .field("next_update", &self.next_update)
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl MetadataBlob {
    /// Verifies a downloaded BLOB at time `now` (Unix seconds): the JWS
    /// signature with the `x5c[0]` key, the `x5c` chain up to one of `roots`
    /// (validity periods checked at `now`), then parses the payload.
    ///
    /// Leading and trailing ASCII whitespace (a final newline) is ignored.
    /// The BLOB is bounded by [`MDS_MAX_JWS_LEN`].
    pub fn verify(
        jwt: &str,
        roots: &[TrustAnchor],
        now: u64,
    ) -> core::result::Result<Self, MdsError> {
        if roots.is_empty() {
            return Err(MdsError::NoRoots);
        }
        // The BLOB signer chains to a root whatever the roots' attestation scope.
        let roots: Vec<cert_path::TrustAnchor> = roots.iter().map(|r| r.anchor.clone()).collect();
        let jws = verify_compact_jws(jwt.trim_ascii(), MDS_MAX_JWS_LEN).map_err(MdsError::Jws)?;
        let chain: Vec<&[u8]> = jws.x5c.iter().map(Vec::as_slice).collect();
        let opts = PathOptions::new(i64::try_from(now).unwrap_or(i64::MAX));
        cert_path::verify_path(&chain, &roots, &opts).map_err(MdsError::Chain)?;
        Self::from_payload(jws.payload)
    }

    fn from_payload(payload: Value) -> core::result::Result<Self, MdsError> {
        let Value::Object(mut p) = payload else {
            return Err(payload_err("not a JSON object"));
        };
        let legal_header = match p.remove("legalHeader") {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err(payload_err("legalHeader is not a string")),
        };
        let no = p
            .get("no")
            .and_then(Value::as_u64)
            .ok_or_else(|| payload_err("no missing or not a non-negative integer"))?;
        let next_update = p
            .get("nextUpdate")
            .and_then(Value::as_str)
            .ok_or_else(|| payload_err("nextUpdate missing"))?
            .to_owned();
        let next_update_day =
            parse_date(&next_update).ok_or_else(|| payload_err("nextUpdate is not YYYY-MM-DD"))?;
        let Some(Value::Array(raw_entries)) = p.remove("entries") else {
            return Err(payload_err("entries missing or not an array"));
        };
        let mut blob = MetadataBlob {
            legal_header,
            no,
            next_update,
            next_update_day,
            entries: Vec::with_capacity(raw_entries.len()),
            by_aaguid: BTreeMap::new(),
            by_key_identifier: BTreeMap::new(),
        };
        for (i, raw) in raw_entries.into_iter().enumerate() {
            let entry = parse_entry(raw).map_err(|e| payload_err(format!("entries[{i}]: {e}")))?;
            // An authenticator listed twice would make its status ambiguous.
            if let Some(a) = entry.aaguid
                && blob.by_aaguid.insert(a, i).is_some()
            {
                return Err(payload_err(format!("entries[{i}]: duplicate AAGUID {a}")));
            }
            for kid in &entry.attestation_certificate_key_identifiers {
                if blob.by_key_identifier.insert(kid.clone(), i).is_some() {
                    return Err(payload_err(format!(
                        "entries[{i}]: duplicate attestation key identifier"
                    )));
                }
            }
            blob.entries.push(entry);
        }
        Ok(blob)
    }

    /// `legalHeader`.
    pub fn legal_header(&self) -> Option<&str> {
        self.legal_header.as_deref()
    }
    /// `no`, the BLOB's serial number: a host refuses a BLOB whose `no` is not
    /// greater than the one it has.
    pub fn no(&self) -> u64 {
        self.no
    }
    /// `nextUpdate` (`YYYY-MM-DD`).
    pub fn next_update(&self) -> &str {
        &self.next_update
    }
    /// Whether `now` (Unix seconds) is after the `nextUpdate` date (UTC): the
    /// host should have fetched a newer BLOB by then.
    pub fn is_stale(&self, now: u64) -> bool {
        day_of(now) > self.next_update_day
    }
    /// Every entry, in BLOB order.
    pub fn entries(&self) -> &[MetadataEntry] {
        &self.entries
    }
    /// The entry for an AAGUID.
    pub fn entry(&self, aaguid: Aaguid) -> Option<&MetadataEntry> {
        self.by_aaguid
            .get(&aaguid)
            .and_then(|&i| self.entries.get(i))
    }
    /// The entry listing an attestation certificate key identifier (U2F).
    pub fn entry_by_key_identifier(&self, key_identifier: &[u8]) -> Option<&MetadataEntry> {
        self.by_key_identifier
            .get(key_identifier)
            .and_then(|&i| self.entries.get(i))
    }
    /// The human-readable name of the authenticator model with this AAGUID.
    pub fn description(&self, aaguid: Aaguid) -> Option<&str> {
        self.entry(aaguid).and_then(MetadataEntry::description)
    }

    /// The entry describing an attested authenticator: by `attested_aaguid`
    /// (the AAGUID its statement attests, see
    /// [`attested_aaguid`](super::attested_aaguid)) when it is not zero,
    /// otherwise by the key identifier of its attestation certificate
    /// (`attestation_cert`, DER), when there is one. A fido-u2f statement never
    /// attests its AAGUID, so it is always found by key identifier, whatever
    /// authData claims.
    pub fn entry_for(
        &self,
        attested_aaguid: Option<Aaguid>,
        attestation_cert: Option<&[u8]>,
    ) -> Option<&MetadataEntry> {
        if let Some(aaguid) = attested_aaguid.filter(|a| *a != Aaguid::ZERO) {
            return self.entry(aaguid);
        }
        attestation_cert
            .and_then(key_identifier)
            .and_then(|kid| self.entry_by_key_identifier(&kid))
    }

    /// Each listed root certificate as a trust anchor scoped to the AAGUIDs of
    /// the entries listing it ([`AnchorScope::Aaguids`]), for
    /// [`TrustPolicy::anchors`](super::TrustPolicy::anchors).
    ///
    /// Entries without an AAGUID (U2F, UAF) and entries whose status at `now`
    /// is a compromise are left out; certificates that do not parse are skipped.
    pub fn trust_anchors(&self, now: u64) -> Vec<TrustAnchor> {
        let mut by_root: Vec<(&[u8], Vec<Aaguid>)> = Vec::new();
        for e in &self.entries {
            let (Some(aaguid), Some(st)) = (e.aaguid, &e.metadata_statement) else {
                continue;
            };
            if e.compromised_status(now).is_some() {
                continue;
            }
            for der in &st.attestation_root_certificates {
                match by_root.iter_mut().find(|(d, _)| *d == der.as_slice()) {
                    Some((_, list)) if !list.contains(&aaguid) => list.push(aaguid),
                    Some(_) => {}
                    None => by_root.push((der, vec![aaguid])),
                }
            }
        }
        by_root
            .into_iter()
            .filter_map(|(der, aaguids)| {
                TrustAnchor::from_der(der)
                    .ok()
                    .map(|a| a.with_scope(AnchorScope::Aaguids(aaguids)))
            })
            .collect()
    }

    /// The trust policy's metadata check for a verified statement, found as
    /// [`entry_for`](Self::entry_for) does: refuses an authenticator whose
    /// status at `now` is a compromise, and, when `require_entry`, one the BLOB
    /// does not list (including one whose statement attests neither an AAGUID
    /// nor an attestation key). Returns its entry.
    pub fn check_authenticator(
        &self,
        attested_aaguid: Option<Aaguid>,
        attestation_cert: Option<&[u8]>,
        now: u64,
        require_entry: bool,
    ) -> Result<Option<&MetadataEntry>> {
        // How the authenticator was identified, for the operator.
        let who = || match (
            attested_aaguid.filter(|a| *a != Aaguid::ZERO),
            attestation_cert.and_then(key_identifier),
        ) {
            (Some(a), _) => a.to_string(),
            (None, Some(kid)) => format!("with attestation key identifier {}", hex(&kid)),
            (None, None) => "without an attested AAGUID or attestation certificate".into(),
        };
        let Some(entry) = self.entry_for(attested_aaguid, attestation_cert) else {
            if require_entry {
                return Err(Error::AttestationNotTrusted(format!(
                    "authenticator {} is not listed in the metadata BLOB",
                    who()
                )));
            }
            return Ok(None);
        };
        if let Some(r) = entry.compromised_status(now) {
            let name = entry.description().unwrap_or("unnamed authenticator");
            return Err(Error::AttestationNotTrusted(format!(
                "authenticator {} ({name}) has metadata status {} since {}",
                who(),
                r.status,
                r.effective_date.as_deref().unwrap_or("an unknown date")
            )));
        }
        Ok(Some(entry))
    }
}

/// MDS3 attestation certificate key identifier: SHA-1 of the certificate's
/// subjectPublicKey BIT STRING contents (RFC 5280 §4.2.1.2 method 1).
pub fn key_identifier(cert_der: &[u8]) -> Option<Vec<u8>> {
    use sha1::Digest;
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, cert) = X509Certificate::from_der(cert_der).ok()?;
    Some(sha1::Sha1::digest(cert.public_key().subject_public_key.data.as_ref()).to_vec())
}

fn opt_string(v: Option<&Value>, what: &str) -> core::result::Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{what} is not a string")),
    }
}

fn string_list(v: Option<&Value>, what: &str) -> core::result::Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{what} has a non-string item"))
            })
            .collect(),
        Some(_) => Err(format!("{what} is not an array")),
    }
}

fn parse_entry(raw: Value) -> core::result::Result<MetadataEntry, String> {
    let Value::Object(mut m) = raw else {
        return Err("not an object".into());
    };
    let aaguid = match opt_string(m.get("aaguid"), "aaguid")? {
        Some(s) => Some(Aaguid::parse(&s).ok_or("aaguid is not a UUID")?),
        None => None,
    };
    let aaid = opt_string(m.get("aaid"), "aaid")?;
    let attestation_certificate_key_identifiers = string_list(
        m.get("attestationCertificateKeyIdentifiers"),
        "attestationCertificateKeyIdentifiers",
    )?
    .iter()
    .map(|h| hex_decode(h).ok_or("attestationCertificateKeyIdentifiers item is not hex"))
    .collect::<core::result::Result<Vec<_>, _>>()?;
    let metadata_statement = match m.remove("metadataStatement") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_statement(v)?),
    };
    let Some(Value::Array(reports)) = m.get("statusReports") else {
        return Err("statusReports missing or not an array".into());
    };
    let status_reports = reports
        .iter()
        .enumerate()
        .map(|(i, r)| parse_status(r).map_err(|e| format!("statusReports[{i}]: {e}")))
        .collect::<core::result::Result<Vec<_>, _>>()?;
    let time_of_last_status_change =
        opt_string(m.get("timeOfLastStatusChange"), "timeOfLastStatusChange")?;
    Ok(MetadataEntry {
        aaguid,
        aaid,
        attestation_certificate_key_identifiers,
        metadata_statement,
        status_reports,
        time_of_last_status_change,
    })
}

fn parse_statement(raw: Value) -> core::result::Result<MetadataStatement, String> {
    let m = raw
        .as_object()
        .ok_or("metadataStatement is not an object")?;
    let description = opt_string(m.get("description"), "description")?.unwrap_or_default();
    let attestation_root_certificates = string_list(
        m.get("attestationRootCertificates"),
        "attestationRootCertificates",
    )?
    .iter()
    .map(|c| {
        // Standard base64 DER (MDS3 is explicit that this is not base64url).
        b64::decode(Alphabet::Standard, c.as_bytes())
            .ok_or("attestationRootCertificates item is not base64")
    })
    .collect::<core::result::Result<Vec<_>, _>>()?;
    let attestation_types = string_list(m.get("attestationTypes"), "attestationTypes")?;
    let authenticator_version = m.get("authenticatorVersion").and_then(Value::as_u64);
    let protocol_family = opt_string(m.get("protocolFamily"), "protocolFamily")?;
    Ok(MetadataStatement {
        description,
        attestation_root_certificates,
        attestation_types,
        authenticator_version,
        protocol_family,
        raw,
    })
}

fn parse_status(raw: &Value) -> core::result::Result<StatusReport, String> {
    let m = raw.as_object().ok_or("not an object")?;
    let status = m
        .get("status")
        .and_then(Value::as_str)
        .map(AuthenticatorStatus::from_name)
        .ok_or("status missing")?;
    let effective_date = opt_string(m.get("effectiveDate"), "effectiveDate")?;
    let effective_day = match &effective_date {
        Some(d) => Some(parse_date(d).ok_or("effectiveDate is not YYYY-MM-DD")?),
        None => None,
    };
    Ok(StatusReport {
        status,
        effective_date,
        authenticator_version: m.get("authenticatorVersion").and_then(Value::as_u64),
        certificate_number: opt_string(m.get("certificateNumber"), "certificateNumber")?,
        url: opt_string(m.get("url"), "url")?,
        effective_day,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|c| {
            let hi = char::from(*c.first()?).to_digit(16)?;
            let lo = char::from(*c.get(1)?).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

/// The UTC day number (days since 1970-01-01) of Unix time `secs`.
fn day_of(secs: u64) -> i64 {
    i64::try_from(secs / 86_400).unwrap_or(i64::MAX)
}

/// `YYYY-MM-DD` to days since 1970-01-01 (proleptic Gregorian).
fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |r: core::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d < 1 || d > days_in_month {
        return None;
    }
    // Days from civil (H. Hinnant's algorithm, public domain description).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("2024-1-01"), None);
        assert_eq!(parse_date("+024-01-01"), None);
        assert_eq!(parse_date("2024-01-01T00:00:00Z"), None);
        assert_eq!(day_of(1_719_792_000), parse_date("2024-07-01").unwrap());
    }

    #[test]
    fn status_names_round_trip() {
        for (name, s) in STATUS_NAMES {
            assert_eq!(AuthenticatorStatus::from_name(name), *s);
            assert_eq!(s.as_str(), *name);
        }
        let other = AuthenticatorStatus::from_name("SOMETHING_NEW");
        assert_eq!(other.as_str(), "SOMETHING_NEW");
        assert!(!other.is_compromised());
        assert!(AuthenticatorStatus::Revoked.is_compromised());
        assert!(!AuthenticatorStatus::UpdateAvailable.is_compromised());
    }

    fn payload(entries: Value) -> Value {
        serde_json::json!({"legalHeader": "h", "no": 1, "nextUpdate": "2030-01-01", "entries": entries})
    }

    fn entry(extra: Value) -> Value {
        let mut e = serde_json::json!({
            "aaguid": "00112233-4455-6677-8899-aabbccddeeff",
            "statusReports": [{"status": "FIDO_CERTIFIED", "effectiveDate": "2024-01-01"}],
        });
        if let (Value::Object(m), Value::Object(x)) = (&mut e, extra) {
            m.extend(x);
        }
        e
    }

    #[test]
    fn payload_shapes() {
        let ok =
            MetadataBlob::from_payload(payload(serde_json::json!([entry(serde_json::json!({}))])))
                .unwrap();
        assert_eq!(ok.entries().len(), 1);
        assert_eq!(ok.legal_header(), Some("h"));
        let e = &ok.entries()[0];
        assert!(e.metadata_statement.is_none());
        assert!(e.description().is_none());
        // Uppercase hex key identifiers are found by their bytes.
        let ok = MetadataBlob::from_payload(payload(serde_json::json!([entry(
            serde_json::json!({"attestationCertificateKeyIdentifiers": ["A0b1"]})
        )])))
        .unwrap();
        assert!(ok.entry_by_key_identifier(&[0xa0, 0xb1]).is_some());

        let bad = |p: Value, part: &str| match MetadataBlob::from_payload(p) {
            Err(MdsError::Payload(why)) => assert!(why.contains(part), "{why} / {part}"),
            other => panic!("{other:?}"),
        };
        bad(Value::Null, "not a JSON object");
        bad(
            serde_json::json!({"no": 1, "nextUpdate": "2030-01-01"}),
            "entries",
        );
        bad(
            serde_json::json!({"no": -1, "nextUpdate": "2030-01-01", "entries": []}),
            "no missing",
        );
        bad(
            serde_json::json!({"no": 1, "nextUpdate": "soon", "entries": []}),
            "YYYY-MM-DD",
        );
        bad(
            serde_json::json!({"legalHeader": 5, "no": 1, "nextUpdate": "2030-01-01", "entries": []}),
            "legalHeader",
        );
        bad(payload(serde_json::json!([1])), "entries[0]: not an object");
        let one = |x: Value| payload(serde_json::json!([entry(x)]));
        bad(
            one(serde_json::json!({"aaguid": "xyz"})),
            "aaguid is not a UUID",
        );
        bad(
            one(serde_json::json!({"aaguid": 7})),
            "aaguid is not a string",
        );
        bad(
            one(serde_json::json!({"statusReports": {}})),
            "statusReports",
        );
        bad(
            one(serde_json::json!({"statusReports": [{"effectiveDate": "2024-01-01"}]})),
            "status missing",
        );
        bad(
            one(
                serde_json::json!({"statusReports": [{"status": "REVOKED", "effectiveDate": "2024-02-30"}]}),
            ),
            "effectiveDate",
        );
        bad(
            one(serde_json::json!({"attestationCertificateKeyIdentifiers": ["zz"]})),
            "not hex",
        );
        bad(
            one(serde_json::json!({"metadataStatement": []})),
            "metadataStatement is not an object",
        );
        bad(
            one(serde_json::json!({"metadataStatement": {"attestationRootCertificates": ["%%"]}})),
            "not base64",
        );
        bad(
            one(serde_json::json!({"metadataStatement": {"attestationTypes": [1]}})),
            "non-string",
        );
        // The same key identifier in two entries.
        let kid =
            serde_json::json!({"aaguid": null, "attestationCertificateKeyIdentifiers": ["00"]});
        bad(
            payload(serde_json::json!([entry(kid.clone()), entry(kid)])),
            "duplicate attestation key identifier",
        );
    }

    #[test]
    fn reports_without_dates() {
        let blob = MetadataBlob::from_payload(payload(serde_json::json!([entry(
            serde_json::json!({"statusReports": [
                {"status": "REVOKED"},
                {"status": "FIDO_CERTIFIED", "effectiveDate": "2020-01-01"},
                {"status": "UPDATE_AVAILABLE"},
            ]})
        )])))
        .unwrap();
        let e = &blob.entries()[0];
        // Dated reports are later than undated ones.
        assert_eq!(
            e.latest_status(1_700_000_000).map(|r| &r.status),
            Some(&AuthenticatorStatus::FidoCertified)
        );
        // Before 2020 only the undated reports are in effect: the later in BLOB order wins.
        assert_eq!(
            e.latest_status(0).map(|r| &r.status),
            Some(&AuthenticatorStatus::UpdateAvailable)
        );
    }

    #[test]
    fn hex() {
        assert_eq!(hex_decode("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(hex_decode("0g"), None);
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(hex_decode("+1"), None);
    }
}
