//! X.509 certificates: strict DER and base64 readers (`der`, `b64`) and
//! certification-path building and validation (`cert_path`, RFC 5280 §6 as
//! attestation needs it). Attestation formats and the MDS reader call into this;
//! it calls into nothing WebAuthn-specific.

pub(crate) mod b64;
pub(crate) mod cert_path;
pub(crate) mod der;
