//! The `none` attestation statement format (WebAuthn L3 §8.7).

use crate::error::{Error, Result};
use ciborium::value::Value;

/// §8.7: the statement MUST be an empty map; there is nothing else to verify.
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
    fn empty_map_only() {
        assert!(verify(&[]).is_ok());
        assert!(verify(&[(Value::Text("x".into()), Value::Null)]).is_err());
    }
}
