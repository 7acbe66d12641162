//! `GET /passkeys/health`: 200 while the store answers, 503 with
//! `Retry-After` (and nothing about why) while it does not.

mod common;

use axum::http::StatusCode;
use axum::{Extension, Router};
use common::*;
use relypass::{
    CredentialRecord, CredentialState, CredentialStore, CredentialUpdate, Error, InsertConditions,
    MemoryStore, Passkeys, RelyingParty, RemovalGuard, Result, User, UserHandle,
    VerifiedRegistration,
};
use relypass_axum::{CookieSessions, PasskeyRoutes, SessionSecret};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

const UP: u8 = 0;
const UNAVAILABLE: u8 = 1;
const BROKEN: u8 = 2;

/// A MemoryStore whose health check fails on demand, as a database store's
/// does when its pool cannot reach the server.
struct Flaky {
    inner: MemoryStore,
    mode: AtomicU8,
}

impl CredentialStore for Flaky {
    async fn user_by_handle(&self, handle: &UserHandle) -> Result<Option<User>> {
        self.inner.user_by_handle(handle).await
    }
    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        self.inner.user_by_name(name).await
    }
    async fn insert_user(&self, user: &User) -> Result<()> {
        self.inner.insert_user(user).await
    }
    async fn credentials_for_user(&self, handle: &UserHandle) -> Result<Vec<CredentialRecord>> {
        self.inner.credentials_for_user(handle).await
    }
    async fn credential_by_id(&self, id: &[u8]) -> Result<Option<CredentialRecord>> {
        self.inner.credential_by_id(id).await
    }
    async fn insert_credential(
        &self,
        registration: &VerifiedRegistration,
        conditions: &InsertConditions<'_>,
    ) -> Result<()> {
        self.inner.insert_credential(registration, conditions).await
    }
    async fn update_after_authentication(&self, update: &CredentialUpdate) -> Result<bool> {
        self.inner.update_after_authentication(update).await
    }
    async fn set_credential_name(&self, id: &[u8], name: Option<&str>) -> Result<bool> {
        self.inner.set_credential_name(id, name).await
    }
    async fn set_credential_state(
        &self,
        id: &[u8],
        from: CredentialState,
        to: CredentialState,
        changed_at: u64,
        guard: RemovalGuard,
    ) -> Result<bool> {
        self.inner
            .set_credential_state(id, from, to, changed_at, guard)
            .await
    }
    async fn delete_credential(&self, id: &[u8], guard: RemovalGuard) -> Result<bool> {
        self.inner.delete_credential(id, guard).await
    }
    async fn put_ceremony_state(&self, key: &[u8], state: Vec<u8>, expires_at: u64) -> Result<()> {
        self.inner.put_ceremony_state(key, state, expires_at).await
    }
    async fn take_ceremony_state(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.take_ceremony_state(key).await
    }
    async fn health(&self) -> Result<()> {
        match self.mode.load(Ordering::SeqCst) {
            UP => self.inner.health().await,
            UNAVAILABLE => Err(Error::StoreUnavailable("connection refused (test)".into())),
            _ => Err(Error::Storage("disk I/O error (test)".into())),
        }
    }
}

fn flaky_app() -> (Router, Arc<Passkeys<Flaky>>) {
    let rp = RelyingParty::builder("example.com", "Example")
        .origin(ORIGIN)
        .build()
        .unwrap();
    let store = Flaky {
        inner: MemoryStore::new(),
        mode: AtomicU8::new(UP),
    };
    let passkeys = Arc::new(Passkeys::new(rp, store));
    let sessions = CookieSessions::new(SessionSecret::new(&SECRET).unwrap());
    let app = Router::new()
        .merge(PasskeyRoutes::new(Arc::clone(&passkeys), sessions.clone()).router())
        .layer(Extension(sessions));
    (app, passkeys)
}

#[tokio::test]
async fn memory_store_is_healthy() {
    assert!(MemoryStore::new().health().await.is_ok());
    let a = Browser::new(1).get(&app(), "/passkeys/health").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, serde_json::json!({ "status": "ok" }));
    assert_eq!(a.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn unavailable_store_is_503_with_retry_after() {
    let (app, passkeys) = flaky_app();
    let mut b = Browser::new(1);
    assert_eq!(b.get(&app, "/passkeys/health").await.status, StatusCode::OK);

    for mode in [UNAVAILABLE, BROKEN] {
        passkeys.store().mode.store(mode, Ordering::SeqCst);
        let a = b.get(&app, "/passkeys/health").await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(a.headers["retry-after"], "5");
        assert_eq!(a.headers["cache-control"], "no-store");
        // The store's message stays in the log.
        assert_eq!(a.body, serde_json::json!({ "status": "unavailable" }));
    }

    passkeys.store().mode.store(UP, Ordering::SeqCst);
    assert_eq!(b.get(&app, "/passkeys/health").await.status, StatusCode::OK);
}
