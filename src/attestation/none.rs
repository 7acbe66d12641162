//! The `none` attestation statement format (WebAuthn L3 §8.7).

use crate::error::{Error, Result};
use ciborium::value::Value;

/// §8.7: "The attestation statement for a `none` attestation is an empty
/// CBOR map"; its verification procedure is to "return implementation-specific
/// values representing attestation type None and an empty attestation trust
/// path". The procedure reads no member, so, as in every format, members it
/// does not use are ignored (they prove nothing and trust nothing).
pub fn verify(_att_stmt: &[(Value, Value)]) -> Result<()> {
    Ok(())
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
    fn any_map_but_nothing_else() {
        assert!(verify(&[]).is_ok());
        assert!(verify(&[(Value::Text("x".into()), Value::Null)]).is_ok());
        assert!(verify_value(&Value::Map(vec![])).is_ok());
        assert!(verify_value(&Value::Array(vec![])).is_err());
    }
}
