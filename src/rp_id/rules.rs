//! Which RP IDs an origin may use (rules 2-4 of the module docs), and the
//! host-chosen rules (explicit, derived, skip-N-labels, keep-N-levels) that
//! pick one.

use super::syntax::{EffectiveDomain, RpId, RpIdError, effective_domain, is_label_suffix};

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
    // Local development: `localhost` covers every `*.localhost` origin (the
    // suffix check above has made `domain` one).
    if rp == "localhost" {
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
