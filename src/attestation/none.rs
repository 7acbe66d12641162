//! The `none` attestation statement format (WebAuthn L3 §8.7).

use crate::error::{Error, Result};
use ciborium::value::Value;

/// §8.7: "The attestation statement for a `none` attestation is an empty
/// CBOR map"; its verification procedure is to "return implementation-specific
/// values representing attestation type None and an empty attestation trust
/// path".
///
/// The one exception to "members a procedure does not use are ignored" (see
/// the attestation module docs): `none` is *defined* by its shape, the empty
/// map, so a statement with members is not a `none` statement at all but a
/// mislabelled or tampered one. Every peer library refuses it too, and so do
/// the FIDO conformance tools.
pub fn verify(att_stmt: &[(Value, Value)]) -> Result<()> {
    if att_stmt.is_empty() {
        Ok(())
    } else {
        Err(Error::Attestation {
            format: "none",
            reason: "attStmt is not empty".into(),
        })
    }
}

/// As [`verify`], for a statement that may not even be a map.
pub fn verify_value(att_stmt: &Value) -> Result<()> {
    match att_stmt {
        Value::Map(m) => verify(m),
        _ => Err(Error::Attestation {
            format: "none",
            reason: "attStmt is not a map".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_map_and_nothing_else() {
        assert!(verify(&[]).is_ok());
        assert!(verify(&[(Value::Text("x".into()), Value::Null)]).is_err());
        assert!(verify_value(&Value::Map(vec![])).is_ok());
        assert!(verify_value(&Value::Array(vec![])).is_err());
    }
}
