//! Passkey sign-up and sign-in in one file, on http://localhost:8080 (or $PORT):
//! `cargo run -p relypass-axum --example minimal`.
use axum::response::Html;
use axum::{Extension, Router, routing::get};
use relypass::{Passkeys, RelyingParty};
use relypass_axum::{CookieSessions, PasskeyRoutes, ServerLimits, SessionSecret, SignedIn};
use relypass_sqlx::SqlxStore;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let origin = format!("http://localhost:{port}");
    let rp = RelyingParty::builder("localhost", "relypass minimal")
        .origin(&origin)
        .build()?;
    // SQLite in a file (passkeys outlive the process), or $DATABASE_URL:
    // another sqlite:// file or postgres://… (several servers can share it).
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://minimal.db".into());
    let store = SqlxStore::connect(&url).await?;
    store.migrate().await?;
    let passkeys = Arc::new(Passkeys::new(rp, store));
    // Plain-HTTP localhost, so no `Secure` cookies; a random secret, so sessions
    // end with the process (production: a fixed secret from configuration).
    let sessions = CookieSessions::new(SessionSecret::random()?).secure(false);
    let js = (
        [("content-type", "text/javascript")],
        include_str!("minimal.js"),
    );
    let app = Router::new()
        .route("/", get(|| async { Html(include_str!("minimal.html")) }))
        .route("/minimal.js", get(move || async move { js }))
        .route(
            "/hello",
            get(|u: SignedIn| async move { format!("Hi {}", u.user) }),
        )
        .merge(
            PasskeyRoutes::new(passkeys, sessions.clone())
                .secure_cookies(false)
                .router(),
        )
        .layer(Extension(sessions));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.parse()?)).await?;
    println!("relypass minimal example on {origin}");
    // Timeouts for slow and idle clients, and a connection cap.
    relypass_axum::serve(listener, app, ServerLimits::default()).await?;
    Ok(())
}
