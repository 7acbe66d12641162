//! What a user sees when something fails: a short sentence and an HTTP status,
//! never a stack trace or an internal detail. The details go to the server log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use relypass::Error;

/// An error answer: `{"error": message}` with a status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    pub fn not_signed_in() -> Self {
        Self::unauthorized("Please sign in first.")
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on the server. Please try again.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

/// Maps every relypass error to what the user is told. Checks a user can
/// cause get a sentence that says what to do; checks only a broken or forged
/// client can fail share one neutral sentence.
pub fn user_message(e: &Error) -> (StatusCode, String) {
    use StatusCode as S;
    let (status, msg) = match e {
        Error::Challenge | Error::StateUsed | Error::StateExpired | Error::StateMismatch => (
            S::BAD_REQUEST,
            "This sign-in or registration attempt expired or was already used. Please try again."
                .to_owned(),
        ),
        Error::Origin { origin } => (
            S::BAD_REQUEST,
            format!(
                "Wrong origin: this page ({origin}) is not an address this site accepts \
                 passkeys from. Open the site at its configured address."
            ),
        ),
        Error::CrossOrigin | Error::TopOrigin { .. } => (
            S::BAD_REQUEST,
            "Passkeys cannot be used from inside an embedded frame here.".to_owned(),
        ),
        Error::RpIdHash => (
            S::BAD_REQUEST,
            "This passkey was made for a different site.".to_owned(),
        ),
        Error::UserNotPresent => (
            S::BAD_REQUEST,
            "The authenticator did not confirm you were there. Touch it or confirm, and try again."
                .to_owned(),
        ),
        Error::UserNotVerified => (
            S::FORBIDDEN,
            "This account needs a passkey that checks your PIN, fingerprint or face \
             (user verification). Use such a passkey."
                .to_owned(),
        ),
        Error::UnknownCredential => (
            S::UNAUTHORIZED,
            "This passkey is not registered here (it may have been removed). \
             Try another passkey or sign in another way."
                .to_owned(),
        ),
        Error::CredentialNotActive => (
            S::FORBIDDEN,
            "This passkey is turned off for this account.".to_owned(),
        ),
        Error::CredentialNotOwned | Error::MissingUserHandle => (
            S::UNAUTHORIZED,
            "This passkey belongs to a different account.".to_owned(),
        ),
        Error::CredentialAlreadyRegistered => (
            S::CONFLICT,
            "This passkey is already registered. Use a different authenticator.".to_owned(),
        ),
        Error::RegistrationLimit { limit } => (
            S::CONFLICT,
            format!("You already have the maximum of {limit} passkeys. Remove one first."),
        ),
        Error::Counter { .. } => (
            S::UNAUTHORIZED,
            "This passkey's use counter went backwards, so it may have been copied. \
             Sign-in refused; sign in with another passkey and remove this one."
                .to_owned(),
        ),
        Error::UnsupportedAlgorithm(_) => (
            S::BAD_REQUEST,
            "This authenticator uses a key type this site does not accept.".to_owned(),
        ),
        Error::AttestationNotTrusted(_) | Error::UnsupportedAttestationFormat(_) => (
            S::FORBIDDEN,
            "This site does not accept this model of authenticator.".to_owned(),
        ),
        Error::Storage(_) | Error::Config(_) | Error::Random => {
            (S::INTERNAL_SERVER_ERROR, ApiError::internal().message)
        }
        // Malformed input, bad signatures, inconsistent flags: a broken or
        // forged client. One neutral sentence; the log has the detail.
        _ => (
            S::BAD_REQUEST,
            "The passkey response could not be verified. Please try again.".to_owned(),
        ),
    };
    (status, msg)
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let (status, message) = user_message(&e);
        // The detail is for the operator: log it, never send it.
        eprintln!("relypass: {status}: {e}");
        ApiError { status, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relypass::error::Field;

    #[test]
    fn user_errors_get_their_own_sentences() {
        let (s, m) = user_message(&Error::CredentialAlreadyRegistered);
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(m.contains("already registered"));
        let (s, m) = user_message(&Error::Origin {
            origin: "http://localhost:1".into(),
        });
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(m.contains("Wrong origin") && m.contains("http://localhost:1"));
        let (s, _) = user_message(&Error::StateUsed);
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = user_message(&Error::UserNotVerified);
        assert_eq!(s, StatusCode::FORBIDDEN);
    }

    #[test]
    fn internal_details_are_not_shown() {
        let (s, m) = user_message(&Error::Storage("password=hunter2 at db:5432".into()));
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!m.contains("hunter2"));
        let (_, m) = user_message(&Error::Malformed {
            field: Field::Signature,
            reason: "DER",
        });
        assert!(!m.contains("DER"));
    }
}
