//! Credential records the way a host's database hands them back: through serde.
//!
//! `CredentialRecord` has no public constructor besides verification and
//! deserialization, so a test that needs a stored record in some state (revoked,
//! another id, a counter of 10) edits the serialized form, exactly as a row
//! changed in the database would come back.

use relypass::CredentialRecord;
use serde_json::Value;

/// `record` with member `field` (its serialized name) set to `value`.
pub fn with(record: &CredentialRecord, field: &str, value: Value) -> CredentialRecord {
    edit(record, |v| v[field] = value)
}

/// `record` after `f` edited its serialized form.
pub fn edit(record: &CredentialRecord, f: impl FnOnce(&mut Value)) -> CredentialRecord {
    let mut v = serde_json::to_value(record).expect("a record serializes");
    f(&mut v);
    serde_json::from_value(v).expect("the edited record deserializes")
}

/// A record from its serialized members (what a host's JSON column holds).
pub fn from_json(v: Value) -> CredentialRecord {
    serde_json::from_value(v).expect("a stored record deserializes")
}
