//! Rows to relypass values and back.

use crate::{db, to_u64};
use relypass::{CredentialRecord, CredentialState, Error, User, UserHandle};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The credential columns every read selects (a macro, so queries stay one
/// `&'static str` literal: sqlx takes dynamic SQL only behind `AssertSqlSafe`).
macro_rules! credential_columns {
    () => {
        "id, record, name, state, state_changed_at, sign_count, backup_state, last_used_at, possibly_cloned"
    };
}
pub(crate) use credential_columns;

/// A lifecycle state as stored: its serde name (`active`, `disabled`, ...), so
/// states a newer relypass adds need no change here.
pub(crate) fn state_name(s: CredentialState) -> relypass::Result<String> {
    match serde_json::to_value(s) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err(Error::Storage("credential state has no name".into())),
    }
}

/// A stored state name back; an unknown name reads as `disabled` (never
/// usable, never a way in).
fn parse_state(s: &str) -> CredentialState {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .unwrap_or(CredentialState::Disabled)
}

pub(crate) fn user_from_row(row: &AnyRow) -> relypass::Result<User> {
    let handle: Vec<u8> = row.try_get("handle").map_err(db)?;
    Ok(User {
        handle: UserHandle::new(handle)?,
        name: row.try_get("name").map_err(db)?,
        display_name: row.try_get("display_name").map_err(db)?,
    })
}

/// A credential row back into a record: the registration-time JSON, with the
/// columns that change later written over it. Records come back through serde
/// only (relypass has no other constructor for stored records).
pub(crate) fn credential_from_row(row: &AnyRow) -> relypass::Result<CredentialRecord> {
    let json: String = row.try_get("record").map_err(db)?;
    let mut c: serde_json::Value = serde_json::from_str(&json)
        .map_err(|e| Error::Storage(format!("stored credential: {e}")))?;
    let name: Option<String> = row.try_get("name").map_err(db)?;
    let state = parse_state(&row.try_get::<String, _>("state").map_err(db)?);
    let state_changed_at = to_u64(row.try_get("state_changed_at").map_err(db)?)?;
    let sign_count = u32::try_from(row.try_get::<i64, _>("sign_count").map_err(db)?)
        .map_err(|_| Error::Storage("sign_count out of range".into()))?;
    let backup_state = row.try_get::<i64, _>("backup_state").map_err(db)? != 0;
    let last_used_at = row
        .try_get::<Option<i64>, _>("last_used_at")
        .map_err(db)?
        .map(to_u64)
        .transpose()?;
    let possibly_cloned = row.try_get::<i64, _>("possibly_cloned").map_err(db)? != 0;
    let serde_json::Value::Object(members) = &mut c else {
        return Err(Error::Storage(
            "stored credential: not a JSON object".into(),
        ));
    };
    for (k, v) in [
        ("name", serde_json::json!(name)),
        ("state", serde_json::json!(state)),
        ("state_changed_at", serde_json::json!(state_changed_at)),
        ("sign_count", serde_json::json!(sign_count)),
        ("backup_state", serde_json::json!(backup_state)),
        ("last_used_at", serde_json::json!(last_used_at)),
        ("possibly_cloned", serde_json::json!(possibly_cloned)),
    ] {
        members.insert(k.to_owned(), v);
    }
    let record: CredentialRecord =
        serde_json::from_value(c).map_err(|e| Error::Storage(format!("stored credential: {e}")))?;
    // The row's key is authoritative: a JSON document under another id is
    // corruption, not a record to hand out.
    let id: Vec<u8> = row.try_get("id").map_err(db)?;
    if record.id() != id.as_slice() {
        return Err(Error::Storage("stored credential: id mismatch".into()));
    }
    Ok(record)
}
