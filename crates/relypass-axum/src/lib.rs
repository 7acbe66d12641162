//! # relypass-axum
//!
//! [axum](https://docs.rs/axum) endpoints for [relypass](https://docs.rs/relypass):
//! passkey sign-up and sign-in, credential management for the signed-in user,
//! ceremonies bound to the browser that started them, a signed session
//! cookie (or the host's own sessions), and relypass errors as HTTP answers
//! that never say which check failed.
//!
//! ```no_run
//! use std::sync::Arc;
//! use relypass::{MemoryStore, Passkeys, RelyingParty};
//! use relypass_axum::{CookieSessions, PasskeyRoutes, SessionSecret, SignedIn};
//! use axum::{Extension, Router, routing::get};
//!
//! # fn app() -> Result<Router, Box<dyn std::error::Error>> {
//! let rp = RelyingParty::builder("example.com", "Example")
//!     .origin("https://example.com")
//!     .build()?;
//! let passkeys = Arc::new(Passkeys::new(rp, MemoryStore::new()));
//! // Servers sharing this secret (and the store) accept each other's sessions.
//! let sessions = CookieSessions::new(SessionSecret::new(&[7; 32])?);
//! let app = Router::new()
//!     .route("/me", get(|user: SignedIn| async move { user.user.to_string() }))
//!     .merge(PasskeyRoutes::new(passkeys, sessions.clone()).router())
//!     .layer(Extension(sessions));
//! # Ok(app) }
//! ```
//!
//! Serve it with [`serve`] (feature `serve`, on by default) rather than
//! `axum::serve`: it closes connections that trickle headers or bodies, or
//! sit idle, within [`ServerLimits`].
//!
//! See [`PasskeyRoutes`] for the endpoints, [`Sessions`] to plug in the host's
//! own session system, and [`Error`] for what clients are told.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Requests are hostile: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod error;
pub mod hygiene;
mod routes;
#[cfg(feature = "serve")]
mod serve;
mod session;

pub use error::{Error, RETRY_AFTER_SECONDS, kind_message};
pub use hygiene::StrictJson;
pub use routes::PasskeyRoutes;
#[cfg(feature = "serve")]
pub use serve::{ServerLimits, bind, serve, serve_with_shutdown};
pub use session::{CookieSessions, SessionSecret, Sessions, SignedIn};
