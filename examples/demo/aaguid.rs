//! Authenticator names from AAGUIDs, for the passkey list.
//!
//! A small built-in table of well-known, public AAGUIDs. This is a stand-in:
//! when relypass ships its own AAGUID → name lookup, `authenticator_name` should
//! call it instead (the rest of the demo only uses this one function).

use relypass::authenticator_data::Aaguid;

const KNOWN: &[(&str, &str)] = &[
    (
        "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
        "Google Password Manager",
    ),
    ("adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac"),
    ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "iCloud Keychain"),
    ("08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello"),
    ("bada5566-a7aa-401f-bd96-45619a55120d", "1Password"),
    ("cb69481e-8ff7-4039-93ec-0a2729a154a8", "YubiKey 5 Series"),
    ("ee882879-721c-4913-9775-3dfcce97072a", "YubiKey 5 Series"),
    // What Chromium's DevTools / WebDriver virtual authenticators report.
    (
        "01020304-0506-0708-0102-030405060708",
        "Chromium virtual authenticator",
    ),
];

/// The authenticator's product name, where the AAGUID is known. The all-zero
/// AAGUID (U2F keys, or a browser that removed it) names nothing.
pub fn authenticator_name(aaguid: &Aaguid) -> Option<&'static str> {
    if *aaguid == Aaguid::ZERO {
        return None;
    }
    KNOWN
        .iter()
        .find(|(id, _)| Aaguid::parse(id).as_ref() == Some(aaguid))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown() {
        let a = Aaguid::parse("fbfc3007-154e-4ecc-8c0b-6e020557d7bd").unwrap();
        assert_eq!(authenticator_name(&a), Some("iCloud Keychain"));
        assert_eq!(authenticator_name(&Aaguid::ZERO), None);
        assert_eq!(authenticator_name(&Aaguid([7; 16])), None);
    }
}
