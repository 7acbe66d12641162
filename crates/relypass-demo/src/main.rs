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
#[cfg(test)]
mod tests;

use app::{App, PASSKEY_SIGN_IN, Shared};
use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
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
        Ok(Command::Admin(c)) => return manage_admin(c),
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
    // A backlog as large as the connection cap, so a burst of connections
    // waits to be accepted instead of overflowing tokio's default of 128.
    let listener = relypass_axum::bind(&config.listen, config.limits.max_connections)
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
    println!(
        "  admins:   accounts granted with `relypass-demo grant-admin NAME` (none by default: \
         the admin section stays hidden)"
    );
    println!(
        "  limits:   headers {}s, request {}s, idle {}s, at most {} connections",
        config.limits.header_read_timeout.as_secs(),
        config.limits.request_timeout.as_secs(),
        config.limits.idle_timeout.as_secs(),
        config.limits.max_connections
    );
    let url = config.origins.first().map(String::as_str).unwrap_or("");
    println!("listening on {} — open {url}", config.listen);

    let app: Shared = Arc::new(App {
        secure_cookies: config.secure_cookies(),
        instance: config.listen.clone(),
        passkeys: passkeys(rp, store, &config, names),
        db,
    });
    // relypass-axum's server: connections that trickle headers or a body,
    // announce a body and never send it, or sit idle are closed.
    relypass_axum::serve_with_shutdown(listener, router(app), config.limits, shutdown())
        .await
        .map_err(|e| (1, format!("server error: {e}")))
}

/// `grant-admin NAME` / `revoke-admin NAME`: changes the admin table of the
/// database the servers use; they read it per request, so no restart.
fn manage_admin(c: config::AdminCommand) -> ExitCode {
    let run = async {
        let (store, db) = store::open(&c.database_url).await?;
        if c.grant {
            db.grant_admin(&store, &c.name).await?;
            Ok(format!("{} is now an administrator", c.name))
        } else if db.revoke_admin(&store, &c.name).await? {
            Ok(format!("{} is no longer an administrator", c.name))
        } else {
            Ok(format!("{} was not an administrator", c.name))
        }
    };
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
        .and_then(|rt| rt.block_on(run));
    match result {
        Ok(message) => {
            println!("relypass demo: {message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("relypass demo: {message}");
            ExitCode::FAILURE
        }
    }
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
        // On every answer, pages, API, errors and 404s alike: never cached
        // (the API's answers are personal), never sniffed into another type
        // (relypass-axum's layer), never framed, no referrer.
        .layer(map_response(security_headers))
        .layer(map_response(relypass_axum::hygiene::no_store_nosniff))
}

async fn page(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
}

/// The page's security headers, on every answer (see [`router`]).
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"),
    );
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
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
