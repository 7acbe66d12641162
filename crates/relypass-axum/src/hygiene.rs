//! Request hygiene shared by every route: the strict JSON extractor, cookie
//! reading and writing, the same-origin check, and the headers every answer
//! carries.
//!
//! The checks are public so that a host's own handlers (outside
//! [`PasskeyRoutes`](crate::PasskeyRoutes)) can apply the same rules:
//!
//! ```
//! use axum::{Router, middleware::map_response, routing::post};
//! use axum::http::{HeaderMap, StatusCode};
//! use relypass_axum::hygiene::{no_store_nosniff, require_same_origin};
//!
//! async fn sign_out(headers: HeaderMap) -> StatusCode {
//!     if require_same_origin(&headers).is_err() {
//!         return StatusCode::FORBIDDEN;
//!     }
//!     // ... end the session ...
//!     StatusCode::NO_CONTENT
//! }
//!
//! let app: Router = Router::new()
//!     .route("/signout", post(sign_out))
//!     .layer(map_response(no_store_nosniff));
//! ```

use crate::error::Error;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, COOKIE, HOST, ORIGIN, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;

/// A JSON request body, accepted only with `Content-Type: application/json`
/// (optionally `; charset=utf-8`), compared exactly, never by prefix:
/// `application/jsonx` or `application/json-patch+json` are refused with 415.
///
/// Why it matters beyond tidiness: a cross-site page can POST a form or a
/// "simple" fetch without asking, but only with form and text content types;
/// `application/json` makes the browser ask first (a CORS preflight these routes
/// never approve). So a route that insists on exactly this type cannot be
/// driven by another site. The body is bounded by the router's
/// [`DefaultBodyLimit`](axum::extract::DefaultBodyLimit) (413 over it), and
/// malformed JSON is a 400 that names nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct StrictJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for StrictJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !is_json(req.headers()) {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge
            } else {
                Error::BadRequest("body could not be read")
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(StrictJson)
            .map_err(|_| Error::BadRequest("body is not the expected JSON"))
    }
}

/// Exactly one `Content-Type`, whose media type is `application/json` (ASCII
/// case-insensitive, as media types are) and whose only parameter, if any, is
/// `charset=utf-8` (JSON is UTF-8; RFC 8259 §8.1). A prefix such as
/// `application/jsonx` or `application/json-patch+json` is not JSON here.
/// [`StrictJson`] refuses a body without it (415).
pub fn is_json(headers: &HeaderMap) -> bool {
    let mut all = headers.get_all(CONTENT_TYPE).iter();
    let (Some(value), None) = (all.next(), all.next()) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        && parts.all(|param| match param.split_once('=') {
            Some((name, v)) => {
                name.trim().eq_ignore_ascii_case("charset")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            None => false,
        })
}

/// Whether a state-changing request may be acted on: refused when the
/// browser says it comes from another site (`Sec-Fetch-Site`) or carries an
/// `Origin` that is not this host; accepted when the browser says same-origin
/// or the body is exactly JSON (which another site cannot send without a
/// preflight). A request with neither is refused: that is how a cross-site
/// form from a browser too old for fetch metadata arrives.
///
/// # Errors
///
/// [`Error::CrossSite`] (403) when the request may come from another site.
pub fn require_same_origin(headers: &HeaderMap) -> Result<(), Error> {
    match headers.get("sec-fetch-site").map(HeaderValue::as_bytes) {
        Some(b"same-origin") => return Ok(()),
        // `none`: the user typed or bookmarked it; not a cross-site page.
        Some(b"none") | None => {}
        // `cross-site`, `same-site` (a sibling subdomain is another party)
        // and anything unknown.
        Some(_) => return Err(Error::CrossSite),
    }
    if let Some(origin) = headers.get(ORIGIN) {
        if !origin_is_host(origin, headers.get(HOST)) {
            return Err(Error::CrossSite);
        }
        return Ok(());
    }
    if is_json(headers) {
        Ok(())
    } else {
        Err(Error::CrossSite)
    }
}

/// `Origin: scheme://host[:port]` names the `Host` the request was sent to.
/// (`Origin: null`, from sandboxed frames and some redirects, never does.)
fn origin_is_host(origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), host.map(HeaderValue::to_str)) else {
        return false;
    };
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    authority.is_some_and(|a| !a.is_empty() && a.eq_ignore_ascii_case(host))
}

/// The value of cookie `name`, if the request carries one that is non-empty.
/// With several of one name (a sibling subdomain can add one), the first one
/// the browser sent wins: it has the most specific path.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: always `HttpOnly` (no script reads it), `Secure` when
/// asked, `Max-Age` in seconds (0 deletes it). Values are our own ASCII
/// (base64url, digits, dots); anything else fails here rather than emit a
/// malformed header.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    same_site: &str,
    max_age: u64,
    secure: bool,
) -> Result<HeaderValue, Error> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite={same_site}{secure}"
    ))
    .map_err(|_| Error::Session("cookie value is not a valid header".into()))
}

/// Sets `Cache-Control: no-store` and `X-Content-Type-Options: nosniff` on an
/// answer. Added to every answer of [`PasskeyRoutes`](crate::PasskeyRoutes):
/// none may be cached (options carry a challenge, lists are personal), and
/// none may be sniffed into another type. A host puts it on its own router
/// with `axum::middleware::map_response(no_store_nosniff)`.
pub async fn no_store_nosniff(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn content_type_is_matched_exactly() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
        ] {
            assert!(is_json(&headers(&[("content-type", ok)])), "{ok}");
        }
        for bad in [
            "application/jsonx",
            "application/json-patch+json",
            "application/json; charset=latin1",
            "application/json; boundary=x",
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
        ] {
            assert!(!is_json(&headers(&[("content-type", bad)])), "{bad}");
        }
        assert!(!is_json(&HeaderMap::new()));
        let two = headers(&[
            ("content-type", "application/json"),
            ("content-type", "text/plain"),
        ]);
        assert!(!is_json(&two));
    }

    #[test]
    fn same_origin_rules() {
        let host = ("host", "example.com");
        assert!(require_same_origin(&headers(&[("sec-fetch-site", "same-origin")])).is_ok());
        for site in ["cross-site", "same-site", "weird"] {
            let h = headers(&[
                ("sec-fetch-site", site),
                ("content-type", "application/json"),
            ]);
            assert!(require_same_origin(&h).is_err(), "{site}");
        }
        assert!(require_same_origin(&headers(&[host, ("origin", "https://example.com")])).is_ok());
        for o in ["https://evil.example", "null", "https://example.com.evil"] {
            assert!(
                require_same_origin(&headers(&[host, ("origin", o)])).is_err(),
                "{o}"
            );
        }
        // No browser metadata: only a JSON body passes.
        assert!(require_same_origin(&headers(&[("content-type", "application/json")])).is_ok());
        assert!(require_same_origin(&headers(&[("content-type", "text/plain")])).is_err());
        assert!(require_same_origin(&HeaderMap::new()).is_err());
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let h = headers(&[("cookie", "a=1; ab=2"), ("cookie", "b=; c=3=3")]);
        assert_eq!(cookie(&h, "a"), Some("1"));
        assert_eq!(cookie(&h, "ab"), Some("2"));
        assert_eq!(cookie(&h, "b"), None);
        assert_eq!(cookie(&h, "c"), Some("3=3"));
        assert_eq!(cookie(&h, "d"), None);
    }
}
