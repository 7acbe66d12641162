//! The handle of one ceremony in flight, kept by the host in the browser's
//! session between `start` and `finish`.
//!
//! Why: a state found only through the challenge the client reports lets a
//! response made for one browser session finish in another (an attacker's
//! registration or sign-in response replayed into a victim's session). With the
//! handle from the session, `finish` takes exactly that session's ceremony and
//! refuses a response made for any other one.

use crate::error::{CeremonyKind, Error, Field, Result};
use crate::json::{b64url, b64url_decode};
use serde::{Deserialize, Serialize};

/// An opaque handle for a started ceremony: returned by
/// [`Passkeys::start_registration`](crate::Passkeys::start_registration) and
/// [`Passkeys::start_authentication`](crate::Passkeys::start_authentication),
/// required by the matching `finish`.
///
/// Keep it server-side in the browser's session (it is not secret, but it must
/// be the session's, not the request's). Its string form ([`Display`](std::fmt::Display)
/// and [`FromStr`](std::str::FromStr), also its serde form) is ASCII.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CeremonyId {
    kind: CeremonyKind,
    challenge: Vec<u8>,
}

impl CeremonyId {
    pub(crate) fn new(kind: CeremonyKind, challenge: &[u8]) -> Self {
        CeremonyId {
            kind,
            challenge: challenge.to_vec(),
        }
    }

    /// Which ceremony this handle belongs to.
    pub fn kind(&self) -> CeremonyKind {
        self.kind
    }

    /// The key the ceremony's state is filed under in the store.
    pub(crate) fn state_key(&self) -> &[u8] {
        &self.challenge
    }

    /// Refuses a handle of the other ceremony kind (a registration's handle
    /// handed to `finish_authentication`).
    pub(crate) fn require_kind(&self, kind: CeremonyKind) -> Result<()> {
        if self.kind == kind {
            Ok(())
        } else {
            Err(Error::CeremonyMismatch)
        }
    }
}

impl std::fmt::Display for CeremonyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tag = match self.kind {
            CeremonyKind::Registration => "reg",
            CeremonyKind::Authentication => "auth",
        };
        write!(f, "{tag}.{}", b64url(&self.challenge))
    }
}

impl std::str::FromStr for CeremonyId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::malformed(Field::CeremonyState, "not a ceremony id");
        let (tag, rest) = s.split_once('.').ok_or_else(bad)?;
        let kind = match tag {
            "reg" => CeremonyKind::Registration,
            "auth" => CeremonyKind::Authentication,
            _ => return Err(bad()),
        };
        let challenge = b64url_decode(rest).ok_or_else(bad)?;
        // A challenge is at least 16 bytes (§13.4.3); anything shorter or
        // absurdly long was never issued here.
        if challenge.len() < 16 || challenge.len() > 64 {
            return Err(bad());
        }
        Ok(CeremonyId { kind, challenge })
    }
}

impl Serialize for CeremonyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CeremonyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_form_round_trips_and_rejects_junk() {
        let id = CeremonyId::new(CeremonyKind::Authentication, &[7u8; 32]);
        let s = id.to_string();
        assert!(s.starts_with("auth."));
        assert_eq!(s.parse::<CeremonyId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<CeremonyId>(&json).unwrap(), id);
        for bad in ["", "auth", "x.AAAA", "reg.AAAA", "auth.!!!!"] {
            assert!(bad.parse::<CeremonyId>().is_err(), "{bad}");
        }
    }
}
