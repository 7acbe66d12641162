//! Origins as browsers serialise them in clientDataJSON (HTML "ASCII serialization
//! of an origin"), and matching a client's origin against the RP's allow list.

/// Why an origin string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    /// Not `scheme://host[:port]`.
    #[error("malformed origin {0:?}")]
    Malformed(String),
    /// `http` used for a host other than localhost.
    #[error("origin {0:?} must use https (http is only allowed for localhost)")]
    InsecureScheme(String),
}

/// A normalised origin: a web origin (`https://host[:port]`) or an opaque app
/// origin (`android:apk-key-hash:...`) matched as an exact string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A tuple origin.
    Web {
        /// `https` or `http`.
        scheme: String,
        /// Lower-case ASCII host.
        host: String,
        /// The port if not the scheme's default.
        port: Option<u16>,
    },
    /// An opaque application origin, compared byte for byte.
    Opaque(String),
}

impl Origin {
    /// Parses and normalises an origin (default port dropped, case folded).
    pub fn parse(s: &str) -> Result<Self, OriginError> {
        let bad = || OriginError::Malformed(s.to_owned());
        let Some((scheme, rest)) = s.split_once("://") else {
            if s.starts_with("android:apk-key-hash:") || s.starts_with("ios:bundle-id:") {
                return Ok(Origin::Opaque(s.to_owned()));
            }
            return Err(bad());
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(bad());
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return Err(bad());
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => {
                if h.contains(':') && !h.starts_with('[') {
                    return Err(bad());
                }
                (h, Some(p.parse::<u16>().map_err(|_| bad())?))
            }
            _ => (rest, None),
        };
        if host.is_empty() {
            return Err(bad());
        }
        let host = host.to_ascii_lowercase();
        let default = if scheme == "https" { 443 } else { 80 };
        let port = port.filter(|p| *p != default);
        if scheme == "http" && !is_localhost(&host) {
            return Err(OriginError::InsecureScheme(s.to_owned()));
        }
        Ok(Origin::Web { scheme, host, port })
    }

    /// The host of a web origin.
    pub fn host(&self) -> Option<&str> {
        match self {
            Origin::Web { host, .. } => Some(host),
            Origin::Opaque(_) => None,
        }
    }
}

impl core::fmt::Display for Origin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Origin::Web { scheme, host, port } => {
                write!(f, "{scheme}://{host}")?;
                if let Some(p) = port {
                    write!(f, ":{p}")?;
                }
                Ok(())
            }
            Origin::Opaque(s) => f.write_str(s),
        }
    }
}

fn is_localhost(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

/// The origins an RP accepts.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins {
    origins: Vec<Origin>,
}

impl AllowedOrigins {
    /// From normalised origins.
    pub fn new(origins: Vec<Origin>) -> Self {
        AllowedOrigins { origins }
    }

    /// The configured origins.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// Whether the raw client origin string is allowed. The client's string must
    /// already be in browser-serialised form (no default port, no path).
    pub fn matches(&self, client_origin: &str) -> bool {
        let Ok(o) = Origin::parse(client_origin) else {
            return false;
        };
        // A client string that is not canonical is refused even if it normalises
        // to an allowed origin: browsers never send such strings.
        if o.to_string() != client_origin {
            return false;
        }
        self.origins.contains(&o)
    }
}
