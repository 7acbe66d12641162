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
    /// [`RpIdRule::SkipLabels`] would skip every label.
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
    /// [`RpIdRule::DomainLevels`] asks for more labels than the host has.
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
    /// [`RpIdRule::DomainLevels`] with zero levels.
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
    fn require_domain(&self) -> Result<&str, RpIdError> {
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
/// [`validate_rp_id_for_origin`] / [`derive_rp_id`].
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
fn check_syntax(domain: &str) -> Result<(), RpIdError> {
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
fn is_public_suffix(domain: &str) -> bool {
    psl::suffix_str(domain).is_some_and(|suffix| suffix == domain)
}

/// `true` when `suffix` equals `domain` or is a parent of it on a label
/// boundary.
fn is_label_suffix(domain: &str, suffix: &str) -> bool {
    domain == suffix
        || domain
            .strip_suffix(suffix)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

fn is_localhost(domain: &str) -> bool {
    domain == "localhost" || domain.ends_with(".localhost")
}

/// Checks a parsed RP ID against an effective domain (rules 2–4 of the
/// module documentation; rule 1 and the RP ID half of rule 3 are enforced by
/// [`RpId::parse`]).
pub fn check_rp_id(rp_id: &RpId, effective_domain: &EffectiveDomain) -> Result<(), RpIdError> {
    // WebAuthn L3 §5.1.3 / §5.1.4.1: the effective domain must be a valid
    // domain, so IP-address origins can never run a ceremony.
    let domain = effective_domain.require_domain()?;
    let rp = rp_id.as_str();
    // HTML "is a registrable domain suffix of or is equal to", step 4: equal
    // hosts are fine (rp already passed the public-suffix check).
    if rp == domain {
        return Ok(());
    }
    // Step 4.2: hostSuffix prefixed by "." must match the end of originalHost.
    if !is_label_suffix(domain, rp) {
        return Err(RpIdError::NotASuffixOfOrigin {
            rp_id: rp.to_owned(),
            effective_domain: domain.to_owned(),
        });
    }
    // Local development: `localhost` covers every `*.localhost` origin.
    if rp == "localhost" && is_localhost(domain) {
        return Ok(());
    }
    // Step 4.3: the suffix must not reach into originalHost's public suffix,
    // i.e. it must be at least the registrable domain (eTLD+1).
    match psl::domain_str(domain) {
        None => Err(RpIdError::OriginIsPublicSuffix {
            effective_domain: domain.to_owned(),
        }),
        Some(registrable) if rp.len() < registrable.len() => {
            Err(RpIdError::ShorterThanRegistrableDomain {
                rp_id: rp.to_owned(),
                registrable_domain: registrable.to_owned(),
            })
        }
        Some(_) => Ok(()),
    }
}

/// Validates an RP ID for an origin: `Ok(())` exactly when a browser on
/// `origin` would accept `rp_id` (with the stricter public-suffix handling
/// described in the module documentation).
pub fn validate_rp_id_for_origin(rp_id: &str, origin: &str) -> Result<(), RpIdError> {
    let rp = RpId::parse(rp_id)?;
    let ed = effective_domain(origin)?;
    check_rp_id(&rp, &ed)
}

/// How the RP ID is chosen for an origin.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RpIdRule {
    /// A fixed RP ID, validated against each origin.
    Explicit(String),
    /// The origin's effective domain itself (what browsers use when `rp.id` /
    /// `rpId` is omitted).
    #[default]
    FromOrigin,
    /// Drop the first N labels of the effective domain:
    /// `server01.domino.example.com` with 1 → `domino.example.com`.
    SkipLabels(usize),
    /// Keep the last N labels of the effective domain:
    /// `www.mytest.domino.example.com` with 3 → `domino.example.com`.
    DomainLevels(usize),
}

impl RpIdRule {
    /// Builds a rule from optional configuration values.
    ///
    /// * none given → [`RpIdRule::FromOrigin`];
    /// * `skip` and `domain_levels` together →
    ///   [`RpIdError::SkipAndDomainLevelsAreExclusive`];
    /// * `rp_id` with either → [`RpIdError::ExplicitRpIdIsExclusive`];
    /// * `domain_levels == 0` → [`RpIdError::ZeroDomainLevels`];
    /// * an `rp_id` is parsed (and normalised) right away so that syntax
    ///   errors surface at configuration time.
    pub fn from_options(
        rp_id: Option<&str>,
        skip: Option<usize>,
        domain_levels: Option<usize>,
    ) -> Result<RpIdRule, RpIdError> {
        match (rp_id, skip, domain_levels) {
            (_, Some(_), Some(_)) => Err(RpIdError::SkipAndDomainLevelsAreExclusive),
            (Some(_), Some(_), None) => Err(RpIdError::ExplicitRpIdIsExclusive { option: "skip" }),
            (Some(_), None, Some(_)) => Err(RpIdError::ExplicitRpIdIsExclusive {
                option: "domain levels",
            }),
            (Some(id), None, None) => Ok(RpIdRule::Explicit(RpId::parse(id)?.into_string())),
            (None, Some(n), None) => Ok(RpIdRule::SkipLabels(n)),
            (None, None, Some(0)) => Err(RpIdError::ZeroDomainLevels),
            (None, None, Some(n)) => Ok(RpIdRule::DomainLevels(n)),
            (None, None, None) => Ok(RpIdRule::FromOrigin),
        }
    }

    /// Same as [`derive_rp_id`].
    pub fn derive(&self, origin: &str) -> Result<RpId, RpIdError> {
        derive_rp_id(self, origin)
    }

    /// Applies the rule to an already computed effective domain and validates
    /// the result with [`check_rp_id`].
    pub fn derive_for(&self, effective_domain: &EffectiveDomain) -> Result<RpId, RpIdError> {
        let rp = match self {
            RpIdRule::Explicit(id) => RpId::parse(id)?,
            RpIdRule::FromOrigin => RpId::parse(effective_domain.require_domain()?)?,
            RpIdRule::SkipLabels(skip) => {
                let domain = effective_domain.require_domain()?;
                let available = domain.split('.').count();
                if *skip >= available {
                    return Err(RpIdError::SkipExceedsLabels {
                        skip: *skip,
                        available,
                        effective_domain: domain.to_owned(),
                    });
                }
                RpId::parse(&domain.split('.').skip(*skip).collect::<Vec<_>>().join("."))?
            }
            RpIdRule::DomainLevels(levels) => {
                let domain = effective_domain.require_domain()?;
                if *levels == 0 {
                    return Err(RpIdError::ZeroDomainLevels);
                }
                let available = domain.split('.').count();
                if *levels > available {
                    return Err(RpIdError::TooFewLabels {
                        requested: *levels,
                        available,
                        effective_domain: domain.to_owned(),
                    });
                }
                let skip = available.saturating_sub(*levels);
                RpId::parse(&domain.split('.').skip(skip).collect::<Vec<_>>().join("."))?
            }
        };
        check_rp_id(&rp, effective_domain)?;
        Ok(rp)
    }
}

/// Derives the RP ID for `origin` according to `rule`, and validates it with
/// the same checks as [`validate_rp_id_for_origin`]. A rule that lands on a
/// public suffix (e.g. `DomainLevels(2)` on `www.example.co.uk` → `co.uk`)
/// fails with [`RpIdError::PublicSuffix`].
pub fn derive_rp_id(rule: &RpIdRule, origin: &str) -> Result<RpId, RpIdError> {
    let ed = effective_domain(origin)?;
    rule.derive_for(&ed)
}

// ---------------------------------------------------------------------------
// Related origins (WebAuthn L3 §5.11)
// ---------------------------------------------------------------------------

/// The minimum number of distinct registrable-origin labels a client that
/// supports related origin requests must accept (WebAuthn L3 §5.11: clients
/// "MUST support at least five").
pub const DEFAULT_MAX_RELATED_ORIGIN_LABELS: usize = 5;

/// Why a related-origins document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RelatedOriginsError {
    /// The list of origins is empty.
    #[error("the related origins list is empty")]
    NoOrigins,
    /// An entry is not a valid https (or localhost http) origin.
    #[error("related origin `{origin}` is invalid: {source}")]
    InvalidOrigin {
        /// The entry as given.
        origin: String,
        /// Why it was refused.
        #[source]
        source: OriginError,
    },
    /// An entry is an opaque app origin; the document lists web origins only.
    #[error("related origin `{origin}` is an app origin; only web origins can be listed")]
    OpaqueOrigin {
        /// The entry as given.
        origin: String,
    },
    /// An entry's host has no registrable domain (IP address, bare
    /// `localhost`, or a public suffix), so clients skip it (§5.11.1).
    #[error("related origin `{origin}` has no registrable domain, so clients would ignore it")]
    NoRegistrableDomain {
        /// The entry (canonical).
        origin: String,
    },
    /// More distinct registrable-origin labels than the configured limit.
    #[error("related origins use {} distinct registrable-domain labels ({}); at most {max} are allowed", labels.len(), labels.join(", "))]
    TooManyLabels {
        /// The distinct labels, in first-seen order.
        labels: Vec<String>,
        /// The configured limit.
        max: usize,
    },
    /// The JSON document could not be parsed.
    #[error(
        "related origins document is not valid JSON of the form {{\"origins\": [...]}}: {reason}"
    )]
    InvalidJson {
        /// The parser's explanation.
        reason: String,
    },
}

/// The `/.well-known/webauthn` document (WebAuthn L3 §5.11): a JSON object
/// with a single `origins` member listing web origins.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RelatedOriginsDocument {
    /// The related origins, as serialised origins.
    pub origins: Vec<String>,
}

/// A validated set of related origins for one RP ID (WebAuthn L3 §5.11).
///
/// Serve [`to_json`](Self::to_json) at
/// [`well_known_url`](Self::well_known_url) (`https://{rp_id}/.well-known/webauthn`)
/// with `Content-Type: application/json`. Browsers use it when a page on
/// another origin asks for this RP ID.
///
/// # Validation rule
///
/// * every entry is a valid web origin: https, or http for
///   `*.localhost` (see [`crate::origin`]); app origins are refused;
/// * every entry's host has a registrable domain (eTLD+1, PSL with private
///   section), because the client derives an *origin label* from it;
/// * the **registrable origin label** of an entry is the first label of its
///   registrable domain: `example` for both `shop.example.co.uk` and
///   `example.com`. The number of *distinct* labels must not exceed the limit
///   (default [`DEFAULT_MAX_RELATED_ORIGIN_LABELS`] = 5). Clients walk the list
///   in order and ignore origins whose label would exceed their own limit
///   (§5.11.1), so a longer list would silently not work in some browsers.
///   Any number of origins sharing one label count once.
///
/// Duplicate origins are removed, keeping the first occurrence; the document
/// lists canonical serialisations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedOrigins {
    origins: Vec<Origin>,
    labels: Vec<String>,
    max_labels: usize,
}

/// Builder for [`RelatedOrigins`].
#[derive(Debug, Clone)]
pub struct RelatedOriginsBuilder {
    origins: Vec<String>,
    max_labels: usize,
}

impl Default for RelatedOriginsBuilder {
    fn default() -> Self {
        Self {
            origins: Vec::new(),
            max_labels: DEFAULT_MAX_RELATED_ORIGIN_LABELS,
        }
    }
}

impl RelatedOriginsBuilder {
    /// Adds one origin.
    #[must_use]
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into());
        self
    }

    /// Adds several origins.
    #[must_use]
    pub fn origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Sets the maximum number of distinct registrable-origin labels
    /// (default 5, the minimum every supporting client accepts).
    #[must_use]
    pub fn max_labels(mut self, max: usize) -> Self {
        self.max_labels = max;
        self
    }

    /// Validates the origins (see [`RelatedOrigins`] for the rule).
    pub fn build(self) -> Result<RelatedOrigins, RelatedOriginsError> {
        if self.origins.is_empty() {
            return Err(RelatedOriginsError::NoOrigins);
        }
        let mut origins: Vec<Origin> = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        for raw in &self.origins {
            let origin =
                Origin::parse(raw).map_err(|source| RelatedOriginsError::InvalidOrigin {
                    origin: raw.clone(),
                    source,
                })?;
            let label = registrable_origin_label(&origin).map_err(|e| match e {
                RpIdError::OpaqueOrigin { .. } => RelatedOriginsError::OpaqueOrigin {
                    origin: raw.clone(),
                },
                _ => RelatedOriginsError::NoRegistrableDomain {
                    origin: origin.as_str().to_owned(),
                },
            })?;
            if !labels.contains(&label) {
                labels.push(label);
            }
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        if labels.len() > self.max_labels {
            return Err(RelatedOriginsError::TooManyLabels {
                labels,
                max: self.max_labels,
            });
        }
        Ok(RelatedOrigins {
            origins,
            labels,
            max_labels: self.max_labels,
        })
    }
}

/// The registrable origin label (WebAuthn L3 §5.11.1) of an origin: the first
/// label of the registrable domain of its effective domain.
fn registrable_origin_label(origin: &Origin) -> Result<String, RpIdError> {
    let ed = effective_domain_of(origin)?;
    let domain = ed.require_domain()?;
    let registrable = psl::domain_str(domain).ok_or_else(|| RpIdError::OriginIsPublicSuffix {
        effective_domain: domain.to_owned(),
    })?;
    registrable
        .split('.')
        .next()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| RpIdError::OriginIsPublicSuffix {
            effective_domain: domain.to_owned(),
        })
}

impl RelatedOrigins {
    /// Starts a builder with the default label limit.
    pub fn builder() -> RelatedOriginsBuilder {
        RelatedOriginsBuilder::default()
    }

    /// Validates `origins` with the default label limit.
    pub fn new<I, S>(origins: I) -> Result<RelatedOrigins, RelatedOriginsError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::builder().origins(origins).build()
    }

    /// Parses and validates a `/.well-known/webauthn` document (for example
    /// one read from configuration) with the given label limit.
    pub fn from_json(json: &str, max_labels: usize) -> Result<RelatedOrigins, RelatedOriginsError> {
        let doc: RelatedOriginsDocument =
            serde_json::from_str(json).map_err(|e| RelatedOriginsError::InvalidJson {
                reason: e.to_string(),
            })?;
        Self::builder()
            .origins(doc.origins)
            .max_labels(max_labels)
            .build()
    }

    /// The origins, canonical and de-duplicated, in order.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// The distinct registrable origin labels, in first-seen order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The label limit this set was validated against.
    pub fn max_labels(&self) -> usize {
        self.max_labels
    }

    /// Whether `origin` is listed.
    pub fn contains(&self, origin: &Origin) -> bool {
        self.origins.contains(origin)
    }

    /// The document as a serialisable value.
    pub fn document(&self) -> RelatedOriginsDocument {
        RelatedOriginsDocument {
            origins: self.origins.iter().map(|o| o.as_str().to_owned()).collect(),
        }
    }

    /// The document as compact JSON: `{"origins":["https://…",…]}`.
    pub fn to_json(&self) -> String {
        let origins: Vec<serde_json::Value> = self
            .origins
            .iter()
            .map(|o| serde_json::Value::String(o.as_str().to_owned()))
            .collect();
        let mut map = serde_json::Map::new();
        map.insert("origins".to_owned(), serde_json::Value::Array(origins));
        serde_json::Value::Object(map).to_string()
    }

    /// Where the document must be served for `rp_id`.
    pub fn well_known_url(rp_id: &RpId) -> String {
        format!("https://{rp_id}/.well-known/webauthn")
    }
}

#[cfg(test)]
mod tests {
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
