//! Relying Party identifiers: deriving them from an origin, validating them
//! against an origin, and publishing related origins.
//!
//! # The rule a browser applies
//!
//! WebAuthn L3 §5.1.3 (`create()`) and §5.1.4.1 (`get()`) take the caller's
//! *effective domain* (HTML) and refuse it when it "is not a valid domain"
//! (so IP addresses can never be RP IDs). An explicit `rp.id` / `rpId` must be
//! "a registrable domain suffix of or is equal to" that effective domain
//! (HTML, "is a registrable domain suffix of or is equal to"), otherwise
//! related-origin validation (§5.11) is the only way it can be accepted.
//!
//! This module implements that rule for the server side, a little stricter
//! than HTML so that misconfiguration is caught early:
//!
//! 1. The RP ID is a syntactically valid ASCII domain: lower case, IDN labels
//!    in punycode, labels of 1–63 characters from `a-z 0-9 - _`, at most 253
//!    characters, no IP address.
//! 2. It equals the effective domain, or is a suffix of it **on a label
//!    boundary** (`example.com` for `www.example.com`; never a sibling such as
//!    `login.example.com`, never `ample.com`).
//! 3. It is never a public suffix, using the Public Suffix List **including
//!    its private section** (`com`, `co.uk`, `github.io`, `herokuapp.com`).
//!    HTML lets a host that is itself on the list use itself as RP ID; we do
//!    not, because such an RP ID would be shared by everyone registering names
//!    under it. With the PSL's implicit `*` rule a single-label name (such as
//!    an intranet host `https://sso`) is a public suffix too.
//! 4. It is never shorter than the effective domain's registrable domain
//!    (eTLD+1): HTML's second public-suffix condition, which catches suffixes
//!    such as `us-east-1.amazonaws.com` that are not on the list themselves
//!    but lie inside a longer public suffix of the origin.
//!
//! `localhost` is the one exception to rules 3–4: it is a valid RP ID for
//! `localhost` and for every `*.localhost` origin, matching browser
//! behaviour for local development.
//!
//! A trailing dot on the origin's host (`https://example.com.`) is removed
//! when computing the effective domain, and an explicit RP ID may carry one
//! too: both name the same DNS host, and the RP ID hash must be computed over
//! one spelling. Note that the *origin* keeps its dot (see
//! [`crate::origin`]), so `https://example.com.` still has to be allowed
//! explicitly as an origin.

mod related_origins;
mod rules;
mod syntax;

pub use related_origins::{
    DEFAULT_MAX_RELATED_ORIGIN_LABELS, RelatedOrigins, RelatedOriginsBuilder,
    RelatedOriginsDocument, RelatedOriginsError,
};
pub use rules::{RpIdRule, check_rp_id, derive_rp_id, validate_rp_id_for_origin};
pub use syntax::{EffectiveDomain, RpId, RpIdError, effective_domain, effective_domain_of};

#[cfg(test)]
mod tests {
    use super::syntax::{is_label_suffix, is_public_suffix};
    use super::*;

    #[test]
    fn public_suffix_lookup() {
        for ps in [
            "com",
            "co.uk",
            "com.au",
            "github.io",
            "herokuapp.com",
            "localhost",
            "intranet",
        ] {
            assert!(is_public_suffix(ps), "{ps}");
        }
        for not_ps in [
            "example.com",
            "foo.github.io",
            "app.localhost",
            "example.co.uk",
        ] {
            assert!(!is_public_suffix(not_ps), "{not_ps}");
        }
    }

    #[test]
    fn label_suffix() {
        assert!(is_label_suffix("www.example.com", "example.com"));
        assert!(is_label_suffix("example.com", "example.com"));
        assert!(!is_label_suffix("www.example.com", "ample.com"));
        assert!(!is_label_suffix("www.example.com", "login.example.com"));
    }

    #[test]
    fn rp_id_normalises() {
        assert_eq!(RpId::parse("Example.COM.").unwrap().as_str(), "example.com");
        assert_eq!(
            RpId::parse("bücher.example").unwrap().as_str(),
            "xn--bcher-kva.example"
        );
        assert_eq!(RpId::parse("localhost").unwrap().as_str(), "localhost");
    }

    #[test]
    fn rp_id_refusals() {
        assert_eq!(RpId::parse(""), Err(RpIdError::Empty));
        assert!(matches!(
            RpId::parse("127.0.0.1"),
            Err(RpIdError::IpAddressNotAllowed { .. })
        ));
        assert!(matches!(
            RpId::parse("127.1"),
            Err(RpIdError::IpAddressNotAllowed { .. })
        ));
        assert!(matches!(
            RpId::parse("::1"),
            Err(RpIdError::IpAddressNotAllowed { .. })
        ));
        assert!(matches!(
            RpId::parse("[::1]"),
            Err(RpIdError::IpAddressNotAllowed { .. })
        ));
        assert!(matches!(
            RpId::parse("https://example.com"),
            Err(RpIdError::NotADomain { .. })
        ));
        assert!(matches!(
            RpId::parse("example.com:443"),
            Err(RpIdError::NotADomain { .. })
        ));
        assert!(matches!(
            RpId::parse("a..example.com"),
            Err(RpIdError::InvalidLabel { .. })
        ));
        assert!(matches!(
            RpId::parse("ex*mple.com"),
            Err(RpIdError::InvalidLabel { .. })
        ));
        let long_label = format!("{}.com", "a".repeat(64));
        assert!(matches!(
            RpId::parse(&long_label),
            Err(RpIdError::InvalidLabel { .. })
        ));
        let long = format!("{}com", "abcdefghi.".repeat(26));
        assert!(matches!(RpId::parse(&long), Err(RpIdError::TooLong { .. })));
        assert!(matches!(
            RpId::parse("co.uk"),
            Err(RpIdError::PublicSuffix { .. })
        ));
    }

    #[test]
    fn serde_round_trip_validates() {
        let rp: RpId = serde_json::from_str("\"Example.com\"").unwrap();
        assert_eq!(rp.as_str(), "example.com");
        assert_eq!(serde_json::to_string(&rp).unwrap(), "\"example.com\"");
        assert!(serde_json::from_str::<RpId>("\"com\"").is_err());
    }

    #[test]
    fn above_registrable_domain_inside_long_public_suffix() {
        // `*.compute.amazonaws.com` style rule: the suffix is not itself a
        // public suffix but lies inside the origin's public suffix.
        let r = validate_rp_id_for_origin(
            "compute.amazonaws.com",
            "https://ec2-1-2-3-4.us-west-1.compute.amazonaws.com",
        );
        assert!(
            matches!(
                r,
                Err(RpIdError::ShorterThanRegistrableDomain { .. } | RpIdError::PublicSuffix { .. })
            ),
            "{r:?}"
        );
    }
}
