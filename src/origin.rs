//! Web and app origins as a WebAuthn Relying Party sees them, and the policy
//! that decides which origins a ceremony may come from.
//!
//! WebAuthn L3 §7.1 (registration) and §7.2 (authentication) both require the
//! Relying Party to "verify that the value of `C.origin` is an origin expected
//! by the Relying Party"; §13.4.9 ("Validating the origin of a credential")
//! explains why this is a security boundary and warns against loose matching.
//!
//! # Normalisation
//!
//! [`Origin::parse`] turns configuration input into the exact form a browser
//! writes into `clientDataJSON`, i.e. the HTML "ASCII serialization of an
//! origin": lower-case scheme and host, IDN hosts as punycode (`xn--…`),
//! IPv6 hosts in brackets, the scheme's default port dropped and any other
//! port kept. Configuration input may carry one trailing `/`; any other path,
//! a query, a fragment or user-info is refused.
//!
//! Client origins (the raw `origin` / `topOrigin` strings of
//! `clientDataJSON`) are parsed with [`Origin::parse_canonical`], which
//! additionally requires the input to already *be* the canonical
//! serialisation. A browser never sends anything else, so a value such as
//! `https://example.com/` or `HTTPS://example.com` did not come from a
//! conforming client and never matches.
//!
//! # Schemes
//!
//! `https` is required. `http` is accepted only for hosts that the W3C Secure
//! Contexts spec treats as "potentially trustworthy" without TLS, because
//! browsers only expose WebAuthn in secure contexts:
//!
//! * `localhost` and any `*.localhost` name;
//! * loopback IP addresses (`127.0.0.0/8` and `[::1]`). These are accepted as
//!   *origins* so that development allow-lists can name them, but note that no
//!   IP address can ever be an RP ID (see [`crate::rp_id`]), so a browser will
//!   not run a ceremony on such an origin.
//!
//! # App origins
//!
//! Native apps report opaque origins: Android uses
//! `android:apk-key-hash:<base64url SHA-256 of the signing certificate>`;
//! `ios:bundle-id:<bundle id>` is accepted for platforms that report it.
//! They are kept verbatim (case-sensitive) as [`Origin::App`] and only ever
//! match an identical, explicitly configured app origin: subdomain and port
//! options never apply to them.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Prefix of an Android app origin (Android Credential Manager / FIDO2 API).
pub const ANDROID_APK_KEY_HASH_PREFIX: &str = "android:apk-key-hash:";
/// Prefix of an iOS app origin, for platforms that report one.
pub const IOS_BUNDLE_ID_PREFIX: &str = "ios:bundle-id:";

/// Why an origin was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    /// The origin string is empty.
    #[error("origin is empty")]
    Empty,
    /// The origin contains whitespace, a control character or a backslash,
    /// which browsers never emit in a serialised origin.
    #[error("origin `{input}` contains whitespace, a control character or a backslash")]
    InvalidCharacter {
        /// The offending input, with control characters escaped.
        input: String,
    },
    /// No `scheme://` was found.
    #[error("origin `{input}` has no `scheme://` part")]
    MissingScheme {
        /// The offending input.
        input: String,
    },
    /// The scheme is neither `https` nor `http` (nor a supported app origin).
    #[error("origin scheme `{scheme}` is not supported (expected https, or http for localhost)")]
    UnsupportedScheme {
        /// The scheme as given.
        scheme: String,
    },
    /// `http` was used for a host that is not localhost or a loopback address.
    /// WebAuthn is only available in secure contexts (WebAuthn L3 §5, W3C
    /// Secure Contexts "potentially trustworthy origin").
    #[error(
        "origin `{origin}` uses http; only https is allowed except for localhost and loopback addresses"
    )]
    InsecureScheme {
        /// The normalised origin.
        origin: String,
    },
    /// The origin carries `user:pass@`; origins never contain user-info.
    #[error("origin `{input}` contains user-info (`@`); origins never do")]
    UserInfoNotAllowed {
        /// The offending input.
        input: String,
    },
    /// Something other than a single trailing `/` follows the host/port.
    #[error(
        "origin `{input}` has a path, query or fragment; an origin is only scheme://host[:port]"
    )]
    PathQueryOrFragmentNotAllowed {
        /// The offending input.
        input: String,
    },
    /// The host could not be parsed by the WHATWG host parser (IDNA or IP
    /// address rules).
    #[error("origin `{input}` has an invalid host: {reason}")]
    InvalidHost {
        /// The offending input.
        input: String,
        /// The parser's explanation.
        reason: String,
    },
    /// The port is not a decimal number in `0..=65535`.
    #[error("origin `{input}` has an invalid port")]
    InvalidPort {
        /// The offending input.
        input: String,
    },
    /// An app origin has an empty or malformed identifier.
    #[error("app origin `{input}` is malformed: {reason}")]
    InvalidAppOrigin {
        /// The offending input.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A client-supplied origin parsed, but is not in the canonical form a
    /// browser serialises (e.g. upper case, trailing `/`, explicit default
    /// port, Unicode host).
    #[error(
        "client origin `{given}` is not in canonical form (a browser would send `{canonical}`)"
    )]
    NotCanonical {
        /// The string as received.
        given: String,
        /// Its canonical serialisation.
        canonical: String,
    },
    /// The client origin is well-formed but not allowed by the policy.
    #[error("origin `{origin}` is not an allowed origin")]
    NotAllowed {
        /// The (canonical) client origin.
        origin: String,
    },
    /// `clientDataJSON.crossOrigin` is `true` but the policy refuses
    /// cross-origin iframes.
    #[error("cross-origin ceremonies (crossOrigin: true) are not allowed")]
    CrossOriginNotAllowed,
    /// `clientDataJSON.topOrigin` could not be parsed as a canonical origin.
    #[error("topOrigin `{top_origin}` is invalid: {reason}")]
    InvalidTopOrigin {
        /// The string as received.
        top_origin: String,
        /// Why it failed to parse.
        #[source]
        reason: Box<OriginError>,
    },
    /// `clientDataJSON.topOrigin` is not in the list of allowed top origins.
    #[error("topOrigin `{top_origin}` is not an allowed top-level origin")]
    TopOriginNotAllowed {
        /// The (canonical) top origin.
        top_origin: String,
    },
    /// `crossOrigin` is `true`, the policy restricts top origins, but the
    /// client sent no `topOrigin` (e.g. a WebAuthn Level 2 client).
    #[error(
        "crossOrigin is true but no topOrigin was sent, and allowed top origins are restricted"
    )]
    TopOriginMissing,
    /// `topOrigin` is present although `crossOrigin` is not `true`; WebAuthn
    /// L3 §5.8.1 only sets `topOrigin` for cross-origin calls.
    #[error("topOrigin `{top_origin}` is present but crossOrigin is not true")]
    TopOriginWithoutCrossOrigin {
        /// The string as received.
        top_origin: String,
    },
}

/// The scheme of a web origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// `https`
    Https,
    /// `http` (localhost and loopback only)
    Http,
}

impl Scheme {
    /// The scheme as it appears in a serialised origin.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }

    /// The port the URL standard treats as default (and omits) for this scheme.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Https => 443,
            Scheme::Http => 80,
        }
    }
}

/// The host of a web origin, after WHATWG host parsing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OriginHost {
    /// A domain: ASCII, lower case, IDN labels in punycode. A trailing dot is
    /// kept, as browsers keep it in the serialised origin.
    Domain(String),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (serialised in brackets).
    Ipv6(Ipv6Addr),
}

impl OriginHost {
    /// `true` for `localhost`, `*.localhost`, `127.0.0.0/8` and `::1`: the
    /// hosts W3C Secure Contexts treats as potentially trustworthy over http.
    pub fn is_loopback(&self) -> bool {
        match self {
            OriginHost::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
            OriginHost::Ipv4(ip) => ip.is_loopback(),
            OriginHost::Ipv6(ip) => ip.is_loopback(),
        }
    }

    /// The domain, if this host is one.
    pub fn as_domain(&self) -> Option<&str> {
        match self {
            OriginHost::Domain(d) => Some(d),
            OriginHost::Ipv4(_) | OriginHost::Ipv6(_) => None,
        }
    }
}

impl fmt::Display for OriginHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OriginHost::Domain(d) => f.write_str(d),
            OriginHost::Ipv4(ip) => write!(f, "{ip}"),
            OriginHost::Ipv6(ip) => write!(f, "[{ip}]"),
        }
    }
}

/// A tuple origin (scheme, host, port) in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebOrigin {
    scheme: Scheme,
    host: OriginHost,
    /// `None` when the port is the scheme's default.
    port: Option<u16>,
    serialized: String,
}

impl WebOrigin {
    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host.
    pub fn host(&self) -> &OriginHost {
        &self.host
    }

    /// The explicit port, or `None` for the scheme's default port.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port actually used (explicit or default).
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or_else(|| self.scheme.default_port())
    }

    /// The canonical serialisation, e.g. `https://example.com:8443`.
    pub fn as_str(&self) -> &str {
        &self.serialized
    }
}

/// The platform an [`AppOrigin`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AppOriginKind {
    /// `android:apk-key-hash:<base64url>`
    Android,
    /// `ios:bundle-id:<bundle id>`
    Ios,
}

/// An opaque native-app origin, compared as an exact string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppOrigin {
    kind: AppOriginKind,
    value: String,
}

impl AppOrigin {
    /// The platform.
    pub fn kind(&self) -> AppOriginKind {
        self.kind
    }

    /// The full origin string, exactly as given.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// An origin a WebAuthn ceremony can come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// A web (tuple) origin such as `https://example.com`.
    Web(WebOrigin),
    /// An opaque app origin such as `android:apk-key-hash:…`.
    App(AppOrigin),
}

impl Origin {
    /// Parses and normalises an origin from configuration input.
    ///
    /// Accepts upper case, Unicode hosts, explicit default ports and a single
    /// trailing `/`, and produces the browser's canonical serialisation.
    pub fn parse(input: &str) -> Result<Origin, OriginError> {
        if input.is_empty() {
            return Err(OriginError::Empty);
        }
        // Browsers never serialise these; the URL parser would silently strip
        // tabs/newlines and treat `\` as `/`, which would hide mistakes.
        if input
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        {
            return Err(OriginError::InvalidCharacter {
                input: input.escape_debug().to_string(),
            });
        }
        if let Some(id) = input.strip_prefix(ANDROID_APK_KEY_HASH_PREFIX) {
            return parse_android(input, id);
        }
        if let Some(id) = input.strip_prefix(IOS_BUNDLE_ID_PREFIX) {
            return parse_ios(input, id);
        }
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(match input.split_once(':') {
                Some((scheme, _)) => OriginError::UnsupportedScheme {
                    scheme: scheme.to_owned(),
                },
                None => OriginError::MissingScheme {
                    input: input.to_owned(),
                },
            });
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            _ => {
                return Err(OriginError::UnsupportedScheme {
                    scheme: scheme.to_owned(),
                });
            }
        };
        // An origin has no path, query or fragment (HTML "origin" concept);
        // a single `/` is tolerated because URLs are often copied that way.
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if !tail.is_empty() && tail != "/" {
            return Err(OriginError::PathQueryOrFragmentNotAllowed {
                input: input.to_owned(),
            });
        }
        if authority.contains('@') {
            return Err(OriginError::UserInfoNotAllowed {
                input: input.to_owned(),
            });
        }
        let (host_str, port_str) = split_host_port(authority);
        let host = parse_host(input, host_str)?;
        let port = parse_port(input, port_str)?.filter(|p| *p != scheme.default_port());
        if scheme == Scheme::Http && !host.is_loopback() {
            return Err(OriginError::InsecureScheme {
                origin: serialize(scheme, &host, port),
            });
        }
        let serialized = serialize(scheme, &host, port);
        Ok(Origin::Web(WebOrigin {
            scheme,
            host,
            port,
            serialized,
        }))
    }

    /// Parses an origin received from a client (`clientDataJSON.origin` or
    /// `topOrigin`) and requires it to be exactly the canonical serialisation.
    ///
    /// Browsers always send the HTML ASCII serialisation of the origin, so any
    /// other spelling indicates a non-conforming or forged client.
    pub fn parse_canonical(input: &str) -> Result<Origin, OriginError> {
        let origin = Origin::parse(input)?;
        if origin.as_str() != input {
            return Err(OriginError::NotCanonical {
                given: input.to_owned(),
                canonical: origin.as_str().to_owned(),
            });
        }
        Ok(origin)
    }

    /// The canonical serialisation.
    pub fn as_str(&self) -> &str {
        match self {
            Origin::Web(w) => w.as_str(),
            Origin::App(a) => a.as_str(),
        }
    }

    /// The web origin, if this is one.
    pub fn as_web(&self) -> Option<&WebOrigin> {
        match self {
            Origin::Web(w) => Some(w),
            Origin::App(_) => None,
        }
    }

    /// `true` for opaque app origins.
    pub fn is_app(&self) -> bool {
        matches!(self, Origin::App(_))
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Origin {
    type Err = OriginError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Origin::parse(s)
    }
}

impl AsRef<str> for Origin {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

fn parse_android(input: &str, hash: &str) -> Result<Origin, OriginError> {
    // The hash is base64url (RFC 4648 §5); some tooling keeps `=` padding, so
    // allow it at the end only. Matching is exact, so no decoding is needed.
    let body = hash.trim_end_matches('=');
    if body.is_empty() {
        return Err(OriginError::InvalidAppOrigin {
            input: input.to_owned(),
            reason: "empty APK key hash",
        });
    }
    if !body
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(OriginError::InvalidAppOrigin {
            input: input.to_owned(),
            reason: "APK key hash is not base64url",
        });
    }
    Ok(Origin::App(AppOrigin {
        kind: AppOriginKind::Android,
        value: input.to_owned(),
    }))
}

fn parse_ios(input: &str, bundle_id: &str) -> Result<Origin, OriginError> {
    if bundle_id.is_empty() {
        return Err(OriginError::InvalidAppOrigin {
            input: input.to_owned(),
            reason: "empty bundle id",
        });
    }
    // Apple bundle identifiers: alphanumerics, `-` and `.`.
    if !bundle_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(OriginError::InvalidAppOrigin {
            input: input.to_owned(),
            reason: "bundle id may only contain A-Z, a-z, 0-9, '-' and '.'",
        });
    }
    Ok(Origin::App(AppOrigin {
        kind: AppOriginKind::Ios,
        value: input.to_owned(),
    }))
}

/// Splits `host[:port]` / `[v6][:port]`. The port part is `None` when absent.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        if let Some(close) = authority.find(']') {
            let (host, after) = authority.split_at(close + 1);
            return match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                // Nothing after `]` reads as no port (`parse_port` takes ""
                // for none, as after a bare `:`); anything else is left for
                // the port parser to refuse (it is not a valid `:port`).
                None => (host, Some(after)),
            };
        }
        return (authority, None);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

fn parse_host(input: &str, host: &str) -> Result<OriginHost, OriginError> {
    // WHATWG URL "host parser" for special schemes: percent-decoding, UTS #46
    // ToASCII (IDN -> punycode, lower-casing) and IPv4/IPv6 parsing.
    match url::Host::parse(host) {
        Ok(url::Host::Domain(d)) => Ok(OriginHost::Domain(d)),
        Ok(url::Host::Ipv4(ip)) => Ok(OriginHost::Ipv4(ip)),
        Ok(url::Host::Ipv6(ip)) => Ok(OriginHost::Ipv6(ip)),
        Err(e) => Err(OriginError::InvalidHost {
            input: input.to_owned(),
            reason: e.to_string(),
        }),
    }
}

fn parse_port(input: &str, port: Option<&str>) -> Result<Option<u16>, OriginError> {
    match port {
        // `https://host:` is a URL with no port (WHATWG URL port state).
        None | Some("") => Ok(None),
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse::<u16>()
                .map(Some)
                .map_err(|_| OriginError::InvalidPort {
                    input: input.to_owned(),
                })
        }
        Some(_) => Err(OriginError::InvalidPort {
            input: input.to_owned(),
        }),
    }
}

fn serialize(scheme: Scheme, host: &OriginHost, port: Option<u16>) -> String {
    // HTML "ASCII serialization of an origin": scheme "://" host [":" port].
    match port {
        Some(p) => format!("{}://{host}:{p}", scheme.as_str()),
        None => format!("{}://{host}", scheme.as_str()),
    }
}

/// `true` when `candidate` is a strict subdomain of `parent` on a label
/// boundary: `a.example.com` is under `example.com`, `evilexample.com` is not.
fn is_subdomain_of(candidate: &str, parent: &str) -> bool {
    candidate
        .strip_suffix(parent)
        .and_then(|prefix| prefix.strip_suffix('.'))
        .is_some_and(|labels| !labels.is_empty() && !labels.ends_with('.'))
}

/// The set of origins a Relying Party accepts in `clientDataJSON.origin`
/// (WebAuthn L3 §7.1 / §7.2, "verify that the value of C.origin is an origin
/// expected by the Relying Party"; see §13.4.9).
///
/// Matching is exact on the canonical origin by default. Two opt-in options
/// widen it for web origins only (app origins always match exactly):
///
/// * [`allow_subdomains`](Self::allow_subdomains): a client host that is a
///   subdomain of a configured host on a *label boundary* matches
///   (`https://login.example.com` for `https://example.com`, never
///   `https://evilexample.com`). The scheme must still match. Do not combine
///   it with a configured host that others can register names under (a public
///   suffix such as `github.io`).
/// * [`allow_any_port`](Self::allow_any_port): the port is ignored.
///
/// An empty set matches nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    origins: Vec<Origin>,
    allow_subdomains: bool,
    allow_any_port: bool,
}

impl AllowedOrigins {
    /// Parses each configured origin with [`Origin::parse`] (lenient,
    /// normalising). Both options start disabled.
    pub fn new<I, S>(origins: I) -> Result<Self, OriginError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let origins = origins
            .into_iter()
            .map(|o| Origin::parse(o.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_origins(origins))
    }

    /// Builds a policy from already parsed origins (duplicates removed).
    pub fn from_origins(origins: impl IntoIterator<Item = Origin>) -> Self {
        let mut set = AllowedOrigins::default();
        for o in origins {
            set.insert(o);
        }
        set
    }

    /// Adds an origin (no-op if already present).
    pub fn insert(&mut self, origin: Origin) {
        if !self.origins.contains(&origin) {
            self.origins.push(origin);
        }
    }

    /// Enables or disables subdomain matching (off by default).
    #[must_use]
    pub fn allow_subdomains(mut self, allow: bool) -> Self {
        self.allow_subdomains = allow;
        self
    }

    /// Enables or disables ignoring the port (off by default).
    #[must_use]
    pub fn allow_any_port(mut self, allow: bool) -> Self {
        self.allow_any_port = allow;
        self
    }

    /// Whether subdomain matching is enabled.
    pub fn allows_subdomains(&self) -> bool {
        self.allow_subdomains
    }

    /// Whether any port is accepted.
    pub fn allows_any_port(&self) -> bool {
        self.allow_any_port
    }

    /// The configured origins, canonical and de-duplicated.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// Checks a raw client origin from `clientDataJSON` and returns it parsed,
    /// or the reason it is refused. The client origin must be canonical
    /// ([`Origin::parse_canonical`]).
    pub fn check(&self, client_origin: &str) -> Result<Origin, OriginError> {
        let candidate = Origin::parse_canonical(client_origin)?;
        if self.contains(&candidate) {
            Ok(candidate)
        } else {
            Err(OriginError::NotAllowed {
                origin: candidate.as_str().to_owned(),
            })
        }
    }

    /// `true` when [`check`](Self::check) succeeds.
    pub fn matches(&self, client_origin: &str) -> bool {
        // Fast path: configured origins are stored in canonical browser form, so a
        // client string equal to one of them byte for byte is canonical and allowed;
        // only other strings need parsing (subdomain / any-port rules, refusals).
        if self.origins.iter().any(|o| o.as_str() == client_origin) {
            return true;
        }
        self.check(client_origin).is_ok()
    }

    /// Whether an already parsed origin is allowed under this policy.
    pub fn contains(&self, candidate: &Origin) -> bool {
        self.origins
            .iter()
            .any(|allowed| self.origin_matches(allowed, candidate))
    }

    fn origin_matches(&self, allowed: &Origin, candidate: &Origin) -> bool {
        match (allowed, candidate) {
            // Opaque origins: exact, case-sensitive comparison only.
            (Origin::App(a), Origin::App(c)) => a.as_str() == c.as_str(),
            (Origin::Web(a), Origin::Web(c)) => {
                let scheme_ok = a.scheme == c.scheme;
                let port_ok = self.allow_any_port || a.port == c.port;
                let host_ok = a.host == c.host
                    || (self.allow_subdomains
                        && match (&a.host, &c.host) {
                            (OriginHost::Domain(ah), OriginHost::Domain(ch)) => {
                                is_subdomain_of(ch, ah)
                            }
                            // IP addresses have no subdomains.
                            _ => false,
                        });
                scheme_ok && port_ok && host_ok
            }
            _ => false,
        }
    }
}

/// Policy for ceremonies run inside cross-origin iframes
/// (`clientDataJSON.crossOrigin` / `topOrigin`, WebAuthn L3 §5.8.1, checked in
/// the §7.1 / §7.2 steps that inspect `C.crossOrigin` and `C.topOrigin`).
///
/// Rules applied by [`check`](Self::check):
///
/// * `crossOrigin` absent or `false` is always fine, but then `topOrigin`
///   must be absent too (L3 clients only set it for cross-origin calls).
/// * `crossOrigin: true` is refused unless `allow_cross_origin` is set.
/// * When cross-origin is allowed, a *present* `topOrigin` must be canonical
///   and listed in `allowed_top_origins` (exact match). With an **empty**
///   list, every present `topOrigin` is refused: an empty list never means
///   "any top origin".
/// * An *absent* `topOrigin` with `crossOrigin: true` (Level 2 clients do not
///   send it) is accepted only when `allowed_top_origins` is empty; if the RP
///   restricts top origins it cannot verify the embedder and refuses.
///
/// The default refuses all cross-origin ceremonies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrossOriginPolicy {
    /// Accept `crossOrigin: true` at all.
    pub allow_cross_origin: bool,
    /// The top-level origins allowed to embed the RP.
    pub allowed_top_origins: Vec<Origin>,
}

impl CrossOriginPolicy {
    /// Checks `clientDataJSON.crossOrigin` and `clientDataJSON.topOrigin`.
    pub fn check(
        &self,
        cross_origin: Option<bool>,
        top_origin: Option<&str>,
    ) -> Result<(), OriginError> {
        if cross_origin != Some(true) {
            return match top_origin {
                Some(t) => Err(OriginError::TopOriginWithoutCrossOrigin {
                    top_origin: t.to_owned(),
                }),
                None => Ok(()),
            };
        }
        if !self.allow_cross_origin {
            return Err(OriginError::CrossOriginNotAllowed);
        }
        match top_origin {
            Some(raw) => {
                let top =
                    Origin::parse_canonical(raw).map_err(|e| OriginError::InvalidTopOrigin {
                        top_origin: raw.to_owned(),
                        reason: Box::new(e),
                    })?;
                if self.allowed_top_origins.contains(&top) {
                    Ok(())
                } else {
                    Err(OriginError::TopOriginNotAllowed {
                        top_origin: top.as_str().to_owned(),
                    })
                }
            }
            None if self.allowed_top_origins.is_empty() => Ok(()),
            None => Err(OriginError::TopOriginMissing),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        Origin::parse(s)
            .map(|o| o.as_str().to_owned())
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn normalises_like_browsers() {
        assert_eq!(
            canon("HTTPS://Auth.Example.COM:443/"),
            "https://auth.example.com"
        );
        assert_eq!(
            canon("https://auth.example.com:8443"),
            "https://auth.example.com:8443"
        );
        assert_eq!(canon("http://localhost:80"), "http://localhost");
        assert_eq!(canon("http://localhost:3000"), "http://localhost:3000");
        assert_eq!(
            canon("https://bücher.example"),
            "https://xn--bcher-kva.example"
        );
        assert_eq!(canon("http://[::1]:8080"), "http://[::1]:8080");
        assert_eq!(canon("http://127.1"), "http://127.0.0.1");
        assert_eq!(canon("https://example.com."), "https://example.com.");
        assert_eq!(canon("https://example.com:"), "https://example.com");
    }

    #[test]
    fn refuses_non_origins() {
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "http://example.com",
            "https://example.com/path",
            "https://example.com//",
            "https://example.com?x",
            "https://example.com#f",
            "https://user@example.com",
            "https://example.com:99999",
            "https://example.com:8a",
            "https://",
            "https://exa mple.com",
            "https://[::1",
            "https://[::1]x",
            "android:apk-key-hash:",
            "android:apk-key-hash:a+b",
            "ios:bundle-id:",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn canonical_form_required_for_client_origins() {
        assert!(Origin::parse_canonical("https://example.com").is_ok());
        assert!(matches!(
            Origin::parse_canonical("https://example.com/"),
            Err(OriginError::NotCanonical { .. })
        ));
        assert!(matches!(
            Origin::parse_canonical("https://example.com:443"),
            Err(OriginError::NotCanonical { .. })
        ));
    }

    #[test]
    fn subdomain_label_boundary() {
        assert!(is_subdomain_of("a.example.com", "example.com"));
        assert!(is_subdomain_of("a.b.example.com", "example.com"));
        assert!(!is_subdomain_of("evilexample.com", "example.com"));
        assert!(!is_subdomain_of("example.com", "example.com"));
        assert!(!is_subdomain_of(".example.com", "example.com"));
        assert!(!is_subdomain_of("a..example.com", "example.com"));
    }

    #[test]
    fn app_origins_exact() {
        let allowed = AllowedOrigins::new(["android:apk-key-hash:abc-_123"]).unwrap();
        assert!(allowed.matches("android:apk-key-hash:abc-_123"));
        assert!(!allowed.matches("android:apk-key-hash:ABC-_123"));
        let web_only = AllowedOrigins::new(["https://example.com"]).unwrap();
        assert!(!web_only.matches("android:apk-key-hash:abc-_123"));
    }

    #[test]
    fn cross_origin_rules() {
        let deny = CrossOriginPolicy::default();
        assert!(deny.check(None, None).is_ok());
        assert!(deny.check(Some(false), None).is_ok());
        assert_eq!(
            deny.check(Some(true), None),
            Err(OriginError::CrossOriginNotAllowed)
        );
        assert!(matches!(
            deny.check(Some(false), Some("https://top.example")),
            Err(OriginError::TopOriginWithoutCrossOrigin { .. })
        ));

        let any = CrossOriginPolicy {
            allow_cross_origin: true,
            allowed_top_origins: vec![],
        };
        assert!(any.check(Some(true), None).is_ok());
        assert!(matches!(
            any.check(Some(true), Some("https://top.example")),
            Err(OriginError::TopOriginNotAllowed { .. })
        ));

        let listed = CrossOriginPolicy {
            allow_cross_origin: true,
            allowed_top_origins: vec![Origin::parse("https://top.example").unwrap()],
        };
        assert!(
            listed
                .check(Some(true), Some("https://top.example"))
                .is_ok()
        );
        assert_eq!(
            listed.check(Some(true), None),
            Err(OriginError::TopOriginMissing)
        );
        assert!(matches!(
            listed.check(Some(true), Some("https://top.example/")),
            Err(OriginError::InvalidTopOrigin { .. })
        ));
        assert!(matches!(
            listed.check(Some(true), Some("https://evil.example")),
            Err(OriginError::TopOriginNotAllowed { .. })
        ));
    }
}
