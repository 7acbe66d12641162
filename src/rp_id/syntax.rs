//! RP ID syntax: what a valid RP ID and an effective domain look like (rule 1 of
//! the module docs), and the Public Suffix List look-ups the rules use.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::origin::{Origin, OriginError, OriginHost};

/// Maximum length of a domain name in its dotted ASCII form (RFC 1035 §2.3.4).
const MAX_DOMAIN_LEN: usize = 253;
/// Maximum length of one label (RFC 1035 §2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// Why an RP ID could not be derived or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RpIdError {
    /// The RP ID is the empty string.
    #[error("RP ID is empty")]
    Empty,
    /// The origin could not be parsed.
    #[error("invalid origin `{origin}`: {source}")]
    InvalidOrigin {
        /// The origin as given.
        origin: String,
        /// Why it was refused.
        #[source]
        source: OriginError,
    },
    /// The origin is an opaque app origin, which has no effective domain
    /// (HTML "effective domain" is null for opaque origins).
    #[error("origin `{origin}` is an opaque (app) origin and has no effective domain")]
    OpaqueOrigin {
        /// The origin as given.
        origin: String,
    },
    /// The RP ID or the origin's host is an IP address; WebAuthn requires a
    /// "valid domain" (WebAuthn L3 §5.1.3 / §5.1.4.1).
    #[error("`{host}` is an IP address; IP addresses cannot be RP IDs")]
    IpAddressNotAllowed {
        /// The IP address (IPv6 in brackets).
        host: String,
    },
    /// The RP ID is not a domain at all (e.g. it contains `://`, `/` or a
    /// port, or fails IDNA processing).
    #[error("RP ID `{rp_id}` is not a domain name: {reason}")]
    NotADomain {
        /// The RP ID as given.
        rp_id: String,
        /// Why.
        reason: String,
    },
    /// One label of the RP ID is empty, too long or has a forbidden character.
    #[error("RP ID `{rp_id}` has an invalid label `{label}`: {reason}")]
    InvalidLabel {
        /// The (normalised) RP ID.
        rp_id: String,
        /// The offending label.
        label: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The RP ID is longer than 253 characters.
    #[error("RP ID `{rp_id}` is {len} characters long; the maximum is 253")]
    TooLong {
        /// The (normalised) RP ID.
        rp_id: String,
        /// Its length.
        len: usize,
    },
    /// The RP ID is a public suffix (PSL, ICANN or private section).
    #[error("RP ID `{rp_id}` is a public suffix and cannot be an RP ID")]
    PublicSuffix {
        /// The RP ID.
        rp_id: String,
    },
    /// The RP ID is neither the effective domain nor a label-boundary suffix
    /// of it (HTML "is a registrable domain suffix of or is equal to").
    #[error("RP ID `{rp_id}` is not equal to or a parent domain of `{effective_domain}`")]
    NotASuffixOfOrigin {
        /// The RP ID.
        rp_id: String,
        /// The origin's effective domain.
        effective_domain: String,
    },
    /// The RP ID is a suffix of the effective domain but shorter than its
    /// registrable domain (eTLD+1).
    #[error("RP ID `{rp_id}` is above the registrable domain `{registrable_domain}` of the origin")]
    ShorterThanRegistrableDomain {
        /// The RP ID.
        rp_id: String,
        /// The effective domain's registrable domain (eTLD+1).
        registrable_domain: String,
    },
    /// The origin's host is itself a public suffix, so it has no registrable
    /// domain and no RP ID can be valid for it.
    #[error("origin host `{effective_domain}` is a public suffix; no RP ID is valid for it")]
    OriginIsPublicSuffix {
        /// The origin's effective domain.
        effective_domain: String,
    },
    /// [`RpIdRule::SkipLabels`](crate::rp_id::RpIdRule::SkipLabels) would skip every label.
    #[error(
        "cannot skip {skip} label(s) of `{effective_domain}`: it has {available} label(s) and at least one must remain"
    )]
    SkipExceedsLabels {
        /// Labels to skip.
        skip: usize,
        /// Labels in the effective domain.
        available: usize,
        /// The origin's effective domain.
        effective_domain: String,
    },
    /// [`RpIdRule::DomainLevels`](crate::rp_id::RpIdRule::DomainLevels) asks for more labels than the host has.
    #[error(
        "cannot keep the last {requested} label(s) of `{effective_domain}`: it has only {available}"
    )]
    TooFewLabels {
        /// Labels to keep.
        requested: usize,
        /// Labels in the effective domain.
        available: usize,
        /// The origin's effective domain.
        effective_domain: String,
    },
    /// [`RpIdRule::DomainLevels`](crate::rp_id::RpIdRule::DomainLevels) with zero levels.
    #[error("domain levels must be at least 1")]
    ZeroDomainLevels,
    /// Both a skip count and a domain-level count were configured.
    #[error("skip and domain levels are mutually exclusive; configure at most one")]
    SkipAndDomainLevelsAreExclusive,
    /// An explicit RP ID was combined with a derivation rule.
    #[error("an explicit RP ID cannot be combined with {option}")]
    ExplicitRpIdIsExclusive {
        /// The conflicting option (`"skip"` or `"domain levels"`).
        option: &'static str,
    },
}

/// The effective domain of a web origin (HTML "effective domain"): its host
/// without scheme or port, lower case, IDN labels in punycode, trailing dot
/// removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EffectiveDomain {
    /// A domain name.
    Domain(String),
    /// An IPv4 address (never usable as an RP ID).
    Ipv4(Ipv4Addr),
    /// An IPv6 address (never usable as an RP ID).
    Ipv6(Ipv6Addr),
}

impl EffectiveDomain {
    /// The domain, or `None` for IP addresses.
    pub fn as_domain(&self) -> Option<&str> {
        match self {
            EffectiveDomain::Domain(d) => Some(d),
            EffectiveDomain::Ipv4(_) | EffectiveDomain::Ipv6(_) => None,
        }
    }

    /// `true` for IP addresses.
    pub fn is_ip(&self) -> bool {
        self.as_domain().is_none()
    }

    /// The domain, or [`RpIdError::IpAddressNotAllowed`].
    pub(crate) fn require_domain(&self) -> Result<&str, RpIdError> {
        self.as_domain()
            .ok_or_else(|| RpIdError::IpAddressNotAllowed {
                host: self.to_string(),
            })
    }
}

impl fmt::Display for EffectiveDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EffectiveDomain::Domain(d) => f.write_str(d),
            EffectiveDomain::Ipv4(ip) => write!(f, "{ip}"),
            EffectiveDomain::Ipv6(ip) => write!(f, "[{ip}]"),
        }
    }
}

/// Computes the effective domain of a web origin string (parsed leniently
/// with [`Origin::parse`], so `https://Bücher.example:443/` is accepted, but
/// the origin must be https, or http for localhost / loopback addresses).
///
/// IP hosts are returned as such; they are refused later, when used as an RP
/// ID. Opaque app origins yield [`RpIdError::OpaqueOrigin`].
pub fn effective_domain(origin: &str) -> Result<EffectiveDomain, RpIdError> {
    let parsed = Origin::parse(origin).map_err(|source| RpIdError::InvalidOrigin {
        origin: origin.to_owned(),
        source,
    })?;
    effective_domain_of(&parsed)
}

/// Computes the effective domain of a parsed origin.
pub fn effective_domain_of(origin: &Origin) -> Result<EffectiveDomain, RpIdError> {
    let Some(web) = origin.as_web() else {
        return Err(RpIdError::OpaqueOrigin {
            origin: origin.as_str().to_owned(),
        });
    };
    Ok(match web.host() {
        // `example.com.` and `example.com` name the same host; keep one
        // spelling so the RP ID (and its SHA-256 in authenticatorData) is
        // stable.
        OriginHost::Domain(d) => {
            EffectiveDomain::Domain(d.strip_suffix('.').unwrap_or(d).to_owned())
        }
        OriginHost::Ipv4(ip) => EffectiveDomain::Ipv4(*ip),
        OriginHost::Ipv6(ip) => EffectiveDomain::Ipv6(*ip),
    })
}

/// A syntactically valid RP ID: an ASCII, lower-case domain that is not an IP
/// address and not a public suffix (`localhost` excepted).
///
/// Whether it is valid *for a given origin* is checked by
/// [`validate_rp_id_for_origin`](crate::rp_id::validate_rp_id_for_origin) / [`derive_rp_id`](crate::rp_id::derive_rp_id).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct RpId(String);

impl RpId {
    /// Parses and normalises an RP ID: lower-cases it, converts IDN labels to
    /// punycode (`bücher.example` → `xn--bcher-kva.example`) and removes one
    /// trailing dot.
    pub fn parse(input: &str) -> Result<RpId, RpIdError> {
        if input.is_empty() {
            return Err(RpIdError::Empty);
        }
        // Browsers refuse IP addresses as RP IDs: the effective domain must be
        // a "valid domain" (WebAuthn L3 §5.1.3 / §5.1.4.1).
        if input.parse::<IpAddr>().is_ok()
            || (input.starts_with('[') && matches!(url::Host::parse(input), Ok(url::Host::Ipv6(_))))
        {
            return Err(RpIdError::IpAddressNotAllowed {
                host: input.to_owned(),
            });
        }
        // Common configuration mistakes get a precise message.
        if input.contains("://") {
            return Err(RpIdError::NotADomain {
                rp_id: input.to_owned(),
                reason: "an RP ID is a domain, not an origin or URL (remove the scheme)".to_owned(),
            });
        }
        if input.contains(':') {
            return Err(RpIdError::NotADomain {
                rp_id: input.to_owned(),
                reason: "an RP ID never contains a port".to_owned(),
            });
        }
        // WHATWG host parser: UTS #46 ToASCII (lower-casing, punycode) and
        // IPv4 detection (so `127.1` or `0x7f.0.0.1` are caught as IPs, as a
        // browser would parse them).
        let domain = match url::Host::parse(input) {
            Ok(url::Host::Domain(d)) => d,
            Ok(url::Host::Ipv4(ip)) => {
                return Err(RpIdError::IpAddressNotAllowed {
                    host: ip.to_string(),
                });
            }
            Ok(url::Host::Ipv6(ip)) => {
                return Err(RpIdError::IpAddressNotAllowed {
                    host: format!("[{ip}]"),
                });
            }
            Err(e) => {
                return Err(RpIdError::NotADomain {
                    rp_id: input.to_owned(),
                    reason: e.to_string(),
                });
            }
        };
        let domain = match domain.strip_suffix('.') {
            Some(stripped) => stripped.to_owned(),
            None => domain,
        };
        check_syntax(&domain)?;
        // PSL check including the private section (WebAuthn defers to HTML,
        // whose "public suffix" is the full list).
        if domain != "localhost" && is_public_suffix(&domain) {
            return Err(RpIdError::PublicSuffix { rp_id: domain });
        }
        Ok(RpId(domain))
    }

    /// The RP ID as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the RP ID and returns the inner string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The registrable domain (eTLD+1) of this RP ID, if it has one under the
    /// Public Suffix List (private section included). `localhost` has none.
    pub fn registrable_domain(&self) -> Option<&str> {
        psl::domain_str(&self.0)
    }
}

impl fmt::Display for RpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RpId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for RpId {
    type Err = RpIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RpId::parse(s)
    }
}

impl TryFrom<String> for RpId {
    type Error = RpIdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        RpId::parse(&value)
    }
}

impl From<RpId> for String {
    fn from(value: RpId) -> Self {
        value.0
    }
}

/// Label syntax: DNS limits (RFC 1035 §2.3.4) and the characters a WHATWG
/// host can contain after ToASCII that make sense in a hostname. `_` is
/// accepted because browsers accept it in hosts.
pub(crate) fn check_syntax(domain: &str) -> Result<(), RpIdError> {
    if domain.len() > MAX_DOMAIN_LEN {
        return Err(RpIdError::TooLong {
            rp_id: domain.to_owned(),
            len: domain.len(),
        });
    }
    for label in domain.split('.') {
        let reason = if label.is_empty() {
            Some("empty label")
        } else if label.len() > MAX_LABEL_LEN {
            Some("longer than 63 characters")
        } else if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            Some("only a-z, 0-9, '-' and '_' are allowed")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(RpIdError::InvalidLabel {
                rp_id: domain.to_owned(),
                label: label.to_owned(),
                reason,
            });
        }
    }
    Ok(())
}

/// `true` when `domain` (ASCII, lower case, no trailing dot) is itself a
/// public suffix. Unknown TLDs fall under the PSL's implicit `*` rule.
pub(crate) fn is_public_suffix(domain: &str) -> bool {
    psl::suffix_str(domain).is_some_and(|suffix| suffix == domain)
}

/// `true` when `suffix` equals `domain` or is a parent of it on a label
/// boundary.
pub(crate) fn is_label_suffix(domain: &str, suffix: &str) -> bool {
    domain == suffix
        || domain
            .strip_suffix(suffix)
            .is_some_and(|prefix| prefix.ends_with('.'))
}
