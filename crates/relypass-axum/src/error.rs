//! relypass errors (and this crate's own refusals) as HTTP answers.
//!
//! The client gets the status and one fixed sentence per kind; which check
//! failed, and whether a user or credential exists, goes to the log only.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relypass::ErrorKind;

/// Seconds a client is told to wait after a 503 (store unreachable, too many
/// unfinished ceremonies): long enough for a pool or a flood to drain.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// Why a request to a relypass-axum route (or a host handler using its
/// extractors) was refused. Implements [`IntoResponse`]: the status, a JSON body
/// `{"error": "<sentence>"}` with a fixed sentence per status that names no
/// check, and the detailed error logged through `tracing`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A relypass operation failed: answered with
    /// [`ErrorKind::http_status`] of its [`kind`](relypass::Error::kind).
    Passkeys(relypass::Error),
    /// The route needs a signed-in user and the request has no valid session
    /// (none, expired, or a tampered cookie). 401.
    NotSignedIn,
    /// The browser holds no ceremony of the kind `finish` needs (never started,
    /// already finished, or its cookie expired): start again. 410.
    NoCeremony,
    /// The body is not sent as exactly `application/json`. 415.
    UnsupportedMediaType,
    /// The body is not the JSON the route expects, or a path or field is
    /// malformed. 400.
    BadRequest(&'static str),
    /// The body is larger than the routes' limit. 413.
    PayloadTooLarge,
    /// A state-changing request that is not provably same-origin. 403.
    CrossSite,
    /// The host's session backend failed. 500.
    Session(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Passkeys(e) => write!(f, "relypass: {e}"),
            Error::NotSignedIn => f.write_str("no valid session"),
            Error::NoCeremony => f.write_str("no ceremony cookie of this kind"),
            Error::UnsupportedMediaType => f.write_str("content type is not application/json"),
            Error::BadRequest(why) => write!(f, "bad request: {why}"),
            Error::PayloadTooLarge => f.write_str("request body over the limit"),
            Error::CrossSite => f.write_str("cross-site state-changing request"),
            Error::Session(why) => write!(f, "session backend: {why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Passkeys(e) => Some(e),
            _ => None,
        }
    }
}

impl From<relypass::Error> for Error {
    fn from(e: relypass::Error) -> Self {
        Error::Passkeys(e)
    }
}

/// The one sentence a client sees for each kind. Deliberately coarse:
/// `VerificationFailed` covers a bad signature, a wrong origin and an unknown
/// credential alike, so the answer reveals neither the check nor the account.
pub fn kind_message(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::BadRequest => "The request could not be read.",
        ErrorKind::VerificationFailed => "The passkey could not be verified.",
        ErrorKind::Conflict => "That is already taken or cannot be changed that way.",
        ErrorKind::Expired => "This attempt expired or was already used. Please start again.",
        ErrorKind::Forbidden => "This is not allowed for this account or authenticator.",
        ErrorKind::Unavailable => "The service is busy. Please try again shortly.",
        // `Internal`, and any kind a later relypass adds (the enum is
        // non-exhaustive): the safe default says nothing.
        _ => "Something went wrong on the server. Please try again.",
    }
}

impl Error {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Passkeys(e) => StatusCode::from_u16(e.kind().http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Error::NotSignedIn => StatusCode::UNAUTHORIZED,
            Error::NoCeremony => StatusCode::GONE,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::CrossSite => StatusCode::FORBIDDEN,
            Error::Session(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The sentence the client sees (the `error` member of the JSON body).
    pub fn public_message(&self) -> &'static str {
        match self {
            Error::Passkeys(e) => kind_message(e.kind()),
            Error::NotSignedIn => "Please sign in first.",
            Error::NoCeremony => kind_message(ErrorKind::Expired),
            Error::UnsupportedMediaType => "Requests must be sent as application/json.",
            Error::BadRequest(_) => kind_message(ErrorKind::BadRequest),
            Error::PayloadTooLarge => "The request is too large.",
            Error::CrossSite => "Cross-site requests are not accepted.",
            Error::Session(_) => kind_message(ErrorKind::Internal),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        // The detail (which check, which field, the store's message) is for
        // the operator only.
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %self, "relypass-axum request failed");
        } else {
            tracing::info!(status = status.as_u16(), error = %self, "relypass-axum request refused");
        }
        let mut res = (
            status,
            Json(serde_json::json!({ "error": self.public_message() })),
        )
            .into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        res
    }
}
