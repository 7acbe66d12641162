//! What a user sees when something fails: a short sentence and an HTTP status,
//! never a stack trace or an internal detail. The details go to the server log.

use axum::Json;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use relypass::Field;
use relypass::{CredentialState, Error};

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
        let mut res = (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        // A 503 is temporary (database down or swamped): say when to retry,
        // as relypass-axum's own routes do.
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(
                RETRY_AFTER,
                HeaderValue::from(relypass_axum::RETRY_AFTER_SECONDS),
            );
        }
        res
    }
}

/// A lifecycle state in the words of the passkey list.
fn state_word(s: CredentialState) -> &'static str {
    match s {
        CredentialState::Active => "active",
        CredentialState::Disabled => "turned off",
        CredentialState::Revoked => "revoked",
        CredentialState::Pending => "not finished registering",
    }
}

/// What moving a passkey into a lifecycle state is called on the page.
fn state_verb(s: CredentialState) -> &'static str {
    match s {
        CredentialState::Active => "turned on",
        CredentialState::Disabled => "turned off",
        CredentialState::Revoked => "revoked",
        CredentialState::Pending => "changed that way",
    }
}

/// Maps every relypass error to what the user is told. Checks a user can
/// cause get a sentence that says what to do; checks only a broken or forged
/// client can fail share one neutral sentence. Messages carry no internal
/// detail (no key material, no SQL, no Debug output); `From<Error>` logs that.
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
            format!(
                "You already have the maximum of {limit} passkeys. \
                 Remove one before adding another."
            ),
        ),
        Error::InvalidStateTransition { from, to } => (
            S::CONFLICT,
            if *from == CredentialState::Revoked {
                "This passkey was revoked, which is permanent: it cannot be used again. \
                 Register the authenticator anew instead."
                    .to_owned()
            } else {
                format!(
                    "This passkey is {} and cannot be {}.",
                    state_word(*from),
                    state_verb(*to)
                )
            },
        ),
        Error::Malformed {
            field: Field::CredentialName,
            ..
        } => (
            S::BAD_REQUEST,
            format!(
                "Passkey names are at most {} characters, without control characters.",
                relypass::limits::MAX_CREDENTIAL_NAME_CHARS
            ),
        ),
        Error::BackupNotAllowed { .. } => (
            S::FORBIDDEN,
            "This site does not accept passkeys that are synced or backed up to an account \
             (for example a password manager). Use a security key, or a passkey kept on \
             this device only."
                .to_owned(),
        ),
        Error::CredProtect { .. } => (
            S::FORBIDDEN,
            "This authenticator cannot protect the passkey the way this site requires \
             (credential protection). Use a different authenticator."
                .to_owned(),
        ),
        Error::TooLarge { .. } => (S::PAYLOAD_TOO_LARGE, "The request is too large.".to_owned()),
        Error::Counter { .. } => (
            S::UNAUTHORIZED,
            "This passkey's use counter went backwards, so it may have been copied. \
             Sign-in refused; sign in with another passkey and remove this one."
                .to_owned(),
        ),
        Error::UnsupportedAlgorithm(_) | Error::RsaKeyTooSmall { .. } => (
            S::BAD_REQUEST,
            "This authenticator uses a key type this site does not accept.".to_owned(),
        ),
        Error::CleartextExtensionsWithoutEdFlag { .. } => (
            S::BAD_REQUEST,
            "Your browser sent the passkey response in a form old Firefox versions used, \
             which this site cannot accept. Update your browser and try again."
                .to_owned(),
        ),
        Error::AttestationNotTrusted(_) | Error::UnsupportedAttestationFormat(_) => (
            S::FORBIDDEN,
            "This site does not accept this model of authenticator.".to_owned(),
        ),
        // relypass-sqlx decides these in the database: a name another
        // sign-up took meanwhile, and a change that would leave a
        // passkey-only account without a passkey it can sign in with.
        Error::UsernameTaken => (S::CONFLICT, "That username is taken.".to_owned()),
        Error::LastWayIn => (
            S::CONFLICT,
            "That would leave your account without a way to sign in.".to_owned(),
        ),
        // The database is down or swamped: say so, and that it is temporary.
        Error::StoreUnavailable(_) | Error::TooManyCeremonies { .. } => (
            S::SERVICE_UNAVAILABLE,
            "The site is busy or its database is unreachable. Please try again shortly.".to_owned(),
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
    use relypass::Field;

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
        let (_, m) = user_message(&Error::CleartextExtensionsWithoutEdFlag { trailing: 47 });
        assert!(m.contains("Update your browser"), "{m}");
    }

    #[test]
    fn lifecycle_errors_get_their_own_sentences() {
        let (s, m) = user_message(&Error::RegistrationLimit { limit: 10 });
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(m.contains("maximum of 10 passkeys"), "{m}");
        let (s, m) = user_message(&Error::InvalidStateTransition {
            from: CredentialState::Revoked,
            to: CredentialState::Active,
        });
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(m.contains("revoked") && m.contains("permanent"), "{m}");
        let (_, m) = user_message(&Error::InvalidStateTransition {
            from: CredentialState::Pending,
            to: CredentialState::Disabled,
        });
        assert_eq!(
            m,
            "This passkey is not finished registering and cannot be turned off."
        );
        let (s, m) = user_message(&Error::BackupNotAllowed {
            backup_eligible: true,
            backup_state: true,
        });
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(m.contains("synced"), "{m}");
        let (s, m) = user_message(&Error::CredProtect {
            required: 3,
            got: Some(1),
        });
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(m.contains("credential protection"), "{m}");
        let (s, m) = user_message(&Error::Malformed {
            field: Field::CredentialName,
            reason: "longer than 64 characters",
        });
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(m.contains("at most 64 characters"), "{m}");
    }

    /// Every message is a plain sentence: no Debug output, no field or check
    /// names, no line breaks (nothing that looks like a trace).
    #[test]
    fn messages_are_sentences() {
        let all = [
            Error::RegistrationLimit { limit: 3 },
            Error::InvalidStateTransition {
                from: CredentialState::Active,
                to: CredentialState::Pending,
            },
            Error::BackupNotAllowed {
                backup_eligible: true,
                backup_state: false,
            },
            Error::CredProtect {
                required: 2,
                got: None,
            },
            Error::BackupEligibilityChanged,
            Error::BackupStateWithoutEligibility,
            Error::CredentialNotOwned,
            Error::CredentialNotActive,
            Error::Counter {
                stored: 5,
                received: 4,
            },
            Error::Attestation {
                format: "packed",
                reason: "x5c chain".into(),
            },
            Error::TooLarge {
                field: Field::ResponseJson,
                size: 1 << 20,
                max: 1 << 16,
            },
            Error::Config("rp_id".into()),
            Error::RsaKeyTooSmall {
                bits: 1024,
                min: 2048,
            },
            Error::CleartextExtensionsWithoutEdFlag { trailing: 47 },
            Error::UsernameTaken,
            Error::LastWayIn,
            Error::TooManyCeremonies { limit: 10 },
        ];
        for e in &all {
            let (_, m) = user_message(e);
            assert!(m.ends_with('.'), "{e:?}: {m}");
            for bad in ["{", "::", "\n", "Some(", "None", "x5c", "rp_id", "packed"] {
                assert!(!m.contains(bad), "{e:?}: {m}");
            }
        }
    }

    #[test]
    fn internal_details_are_not_shown() {
        let (s, m) = user_message(&Error::Storage("password=hunter2 at db:5432".into()));
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!m.contains("hunter2"));
        let (s, m) = user_message(&Error::StoreUnavailable("db:5432 refused".into()));
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
        assert!(!m.contains("5432"));
        let (_, m) = user_message(&Error::Malformed {
            field: Field::Signature,
            reason: "DER",
        });
        assert!(!m.contains("DER"));
    }

    /// A database that is down or swamped, in the store or in the demo's own
    /// tables: 503 with `Retry-After`, never a 500.
    #[test]
    fn store_outage_is_503_with_retry_after() {
        for e in [
            Error::StoreUnavailable("pool timed out".into()),
            Error::TooManyCeremonies { limit: 10 },
            relypass_sqlx::map_sqlx_error(sqlx::Error::PoolTimedOut),
            relypass_sqlx::map_sqlx_error(sqlx::Error::PoolClosed),
        ] {
            let res = ApiError::from(e).into_response();
            assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(res.headers()[RETRY_AFTER], "5");
        }
        let res =
            ApiError::from(relypass_sqlx::map_sqlx_error(sqlx::Error::RowNotFound)).into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!res.headers().contains_key(RETRY_AFTER));
    }
}
