//! The relypass demo: a small website with passkey sign-up and sign-in,
//! password accounts with a passkey as second factor, a passkey list, passkey-
//! only accounts and an admin switch — on SQLite by default, or on PostgreSQL
//! shared by several server processes.
//!
//! ```text
//! cargo run -p relypass-demo               # then open http://localhost:8080
//! cargo run -p relypass-demo -- --help     # flags and environment variables
//! ```
//!
//! Accounts, passkeys and ceremonies are relypass-sqlx's; the demo keeps only
//! its own tables beside them (see `store`). See `crates/relypass-demo/README.md`.
#![forbid(unsafe_code)]

mod app;
mod config;
mod errors;
mod manage;
mod password;
mod store;

use app::{App, PASSKEY_SIGN_IN, Shared};
use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use config::{Command, Config};
use relypass::{AuthenticatorNames, Passkeys, RelyingParty};
use relypass_sqlx::SqlxStore;
use std::process::ExitCode;
use std::sync::Arc;

const INDEX_HTML: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");
const STYLE_CSS: &str = include_str!("../static/style.css");

fn main() -> ExitCode {
    let config = match config::parse(std::env::args().skip(1), |k| std::env::var(k).ok()) {
        Ok(Command::Run(c)) => *c,
        Ok(Command::Help) => {
            println!("{}", config::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("relypass demo: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("relypass demo: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("relypass demo: {message}");
            ExitCode::from(code)
        }
    }
}

async fn serve(config: Config) -> Result<(), (u8, String)> {
    let rp = RelyingParty::builder_with_rule(config.rp_id_rule.clone(), config.rp_name.clone())
        .origins(config.origins.iter().cloned())
        // The demo also offers password accounts with a security key as second
        // factor, so UV is `preferred` RP-wide and forced to `required` per
        // passkey-only account (the library's default is `required`).
        .user_verification(relypass::json::UserVerificationRequirement::Preferred)
        .resident_key(relypass::json::ResidentKeyRequirement::Preferred)
        .build()
        .map_err(|e| (2, format!("configuration refused: {e}")))?;
    let mut names = AuthenticatorNames::builtin();
    let builtin_names = names.len();
    if let Some(path) = &config.authenticator_names {
        let text = std::fs::read_to_string(path)
            .map_err(|e| (2, format!("cannot read --authenticator-names {path}: {e}")))?;
        names
            .load_json(&text)
            .map_err(|e| (2, format!("--authenticator-names {path}: {e}")))?;
    }
    let (store, db) = store::open(&config.database_url)
        .await
        .map_err(|e| (1, e))?;
    db.init_setting(PASSKEY_SIGN_IN, config.passkey_sign_in_default)
        .await
        .map_err(|e| (1, format!("cannot write settings: {e}")))?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| (1, format!("cannot listen on {}: {e}", config.listen)))?;

    // Log the RP ID: changing it later orphans every registered passkey.
    println!("relypass demo");
    println!(
        "  RP ID:    {}   (keep it: changing it orphans every passkey)",
        rp.rp_id()
    );
    println!("  origins:  {}", config.origins.join(", "));
    println!(
        "  storage:  {:?} at {}",
        store.backend(),
        store::redact(&config.database_url)
    );
    println!(
        "  passkey sign-in switch: {} (stored in the database; flip it in the admin section)",
        if db.setting(PASSKEY_SIGN_IN).await.unwrap_or(false) {
            "on"
        } else {
            "off"
        }
    );
    println!(
        "  passkeys: at most {} per account; {} authenticator names ({builtin_names} built in{})",
        config.max_passkeys,
        names.len(),
        config
            .authenticator_names
            .as_deref()
            .map(|p| format!(", the rest from {p}"))
            .unwrap_or_default()
    );
    if config.enumeration_secret.is_some() {
        println!("  enumeration secret: set (use the same one on every server)");
    } else {
        println!(
            "  enumeration secret: random for this process (with several servers, give each \
             the same --enumeration-secret)"
        );
    }
    if config.admins.is_empty() {
        println!("  admins:   every signed-in user (demo mode; restrict with --admin NAME)");
    } else {
        println!("  admins:   {}", config.admins.join(", "));
    }
    let url = config.origins.first().map(String::as_str).unwrap_or("");
    println!("listening on {} — open {url}", config.listen);

    let app: Shared = Arc::new(App {
        secure_cookies: config.secure_cookies(),
        admins: config.admins.clone(),
        instance: config.listen.clone(),
        passkeys: passkeys(rp, store, &config, names),
        db,
    });
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| (1, format!("server error: {e}")))
}

/// The library service with the demo's host policies: the registration
/// limit, the authenticator names, and the secret behind the fake sign-in
/// options for unknown usernames (left random when not configured).
fn passkeys(
    rp: RelyingParty,
    store: SqlxStore,
    config: &Config,
    names: AuthenticatorNames,
) -> Passkeys<SqlxStore> {
    let passkeys = Passkeys::new(rp, store)
        .with_registration_limit(config.max_passkeys)
        .with_authenticator_names(names);
    match config.enumeration_secret {
        Some(secret) => passkeys.with_enumeration_secret(secret.0),
        None => passkeys,
    }
}

fn router(app: Shared) -> Router {
    Router::new()
        .route("/", get(|| page("text/html; charset=utf-8", INDEX_HTML)))
        .route(
            "/app.js",
            get(|| page("text/javascript; charset=utf-8", APP_JS)),
        )
        .route(
            "/style.css",
            get(|| page("text/css; charset=utf-8", STYLE_CSS)),
        )
        .route("/api/state", get(app::state))
        .route("/api/signup/passkey/start", post(app::signup_passkey_start))
        .route("/api/signup/password", post(app::signup_password))
        .route("/api/register/finish", post(app::register_finish))
        .route("/api/passkeys/start", post(app::add_passkey_start))
        .route("/api/passkeys/rename", post(app::rename_passkey))
        .route("/api/passkeys/remove", post(app::remove_passkey))
        .route("/api/signin/password", post(app::signin_password))
        .route("/api/signin/start", post(app::signin_start))
        .route("/api/signin/finish", post(app::signin_finish))
        .route("/api/2fa/start", post(app::second_factor_start))
        .route("/api/2fa/finish", post(app::second_factor_finish))
        .route("/api/signout", post(app::signout))
        .route("/api/account/passkey-only", post(app::set_passkey_only))
        .route("/api/admin/passkey-sign-in", post(app::set_passkey_sign_in))
        .with_state(app)
}

async fn page(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                HeaderName::from_static("content-security-policy"),
                HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"),
            ),
            (
                HeaderName::from_static("referrer-policy"),
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        body,
    )
}

/// Ends on Ctrl-C or SIGTERM, finishing requests in flight.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
