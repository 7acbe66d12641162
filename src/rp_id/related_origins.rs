//! Related origins (WebAuthn L3 §5.11): the `/.well-known/webauthn` document
//! that lets origins outside the RP ID's domain use it.

use super::syntax::{RpId, RpIdError, effective_domain_of};
use crate::origin::{Origin, OriginError};

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
