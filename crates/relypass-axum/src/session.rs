//! The signed-in session: the [`Sessions`] hook, its default implementation
//! (an HMAC-signed, expiring cookie), and the [`SignedIn`] extractor.

use crate::error::Error;
use crate::hygiene::{cookie, set_cookie};
use axum::extract::FromRequestParts;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use hmac::{KeyInit, Mac};
use relypass::UserHandle;
use relypass::json::{b64url, b64url_decode};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Where the signed-in user of a request comes from, and how a sign-in or
/// sign-out is recorded. The relypass-axum routes call it after a successful
/// sign-up or sign-in and on sign-out; [`SignedIn`] calls it for host handlers.
///
/// [`CookieSessions`] is the built-in implementation. A host with its own
/// session system (server-side sessions, another cookie, a token) implements
/// this trait over it and passes it to [`PasskeyRoutes::new`](crate::PasskeyRoutes::new).
pub trait Sessions: Clone + Send + Sync + 'static {
    /// The user signed in on this request, if any. A missing, expired or
    /// forged session is `Ok(None)`; `Err` is for a backend failure.
    fn current_user(
        &self,
        request: &Parts,
    ) -> impl Future<Output = Result<Option<UserHandle>, Error>> + Send;

    /// Signs `user` in on this browser (after a verified sign-in or sign-up),
    /// adding what the browser must keep (e.g. `Set-Cookie`) to `response`.
    /// Replaces any earlier session of the request.
    fn sign_in(
        &self,
        request: &Parts,
        user: &UserHandle,
        response: &mut HeaderMap,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Ends this request's session, adding what the browser must forget to
    /// `response`.
    fn sign_out(
        &self,
        request: &Parts,
        response: &mut HeaderMap,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// The server secret that signs session cookies (HMAC-SHA-256). Servers that
/// share it, and share the credential store, accept each other's sessions.
#[derive(Clone)]
pub struct SessionSecret(Arc<[u8]>);

impl SessionSecret {
    /// The shortest secret accepted, in bytes (the HMAC-SHA-256 key size).
    pub const MIN_LEN: usize = 32;

    /// A secret from the host's configuration: at least
    /// [`MIN_LEN`](Self::MIN_LEN) bytes, ideally random.
    pub fn new(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() < Self::MIN_LEN {
            return Err(Error::Session(format!(
                "session secret must be at least {} bytes",
                Self::MIN_LEN
            )));
        }
        Ok(SessionSecret(bytes.into()))
    }

    /// A fresh random secret: sessions then end when the process does and are
    /// not accepted by other servers. For development and single servers.
    pub fn random() -> Result<Self, Error> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|_| Error::Passkeys(relypass::Error::Random))?;
        Ok(SessionSecret(b.as_slice().into()))
    }

    fn tag(&self, payload: &str) -> Result<HmacSha256, Error> {
        let mut mac = HmacSha256::new_from_slice(&self.0)
            .map_err(|_| Error::Session("session secret refused by HMAC".into()))?;
        // Domain separation: this key signs nothing else, but a label keeps it
        // that way if it ever does.
        mac.update(b"relypass-axum session v1\0");
        mac.update(payload.as_bytes());
        Ok(mac)
    }
}

impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecret(..)")
    }
}

/// The built-in [`Sessions`]: the user handle in a cookie signed with a
/// [`SessionSecret`] and carrying its own expiry, so any server holding the
/// secret checks it without a session table.
///
/// The cookie is `HttpOnly`, `Path=/`, `SameSite=Lax` (a link from elsewhere
/// arrives signed in; cross-site POSTs do not carry it) and `Secure` unless
/// turned off for plain-HTTP development, where its name loses the
/// `__Host-` prefix browsers only accept on secure cookies.
///
/// Being stateless, a session cannot be revoked server-side before it expires:
/// sign-out deletes the browser's copy. Keep [`ttl`](Self::ttl) short, or
/// implement [`Sessions`] over a session store when revocation matters.
#[derive(Clone, Debug)]
pub struct CookieSessions {
    secret: SessionSecret,
    ttl: Duration,
    secure: bool,
}

impl CookieSessions {
    /// Sessions signed with `secret`, lasting 12 hours, `Secure` cookies.
    pub fn new(secret: SessionSecret) -> Self {
        CookieSessions {
            secret,
            ttl: Duration::from_secs(12 * 3600),
            secure: true,
        }
    }

    /// How long a session lasts from sign-in.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Whether the cookie is `Secure` (default: yes). Turn off only for
    /// `http://localhost` development.
    #[must_use]
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// The cookie's name (`__Host-relypass-session` when secure).
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-relypass-session"
        } else {
            "relypass-session"
        }
    }

    /// The cookie value for `user`, valid until `expires` (Unix seconds):
    /// `<handle>.<expires>.<tag>`, each part base64url or digits.
    pub(crate) fn encode(&self, user: &UserHandle, expires: u64) -> Result<String, Error> {
        let payload = format!("{user}.{expires}");
        let tag = self.secret.tag(&payload)?.finalize().into_bytes();
        Ok(format!("{payload}.{}", b64url(&tag)))
    }

    /// The user of a cookie value, if its tag verifies and it has not expired
    /// at `now`. The tag is checked first, in constant time, so nothing about a
    /// forged value is interpreted.
    pub(crate) fn decode(&self, value: &str, now: u64) -> Option<UserHandle> {
        if value.len() > 256 {
            return None;
        }
        let (payload, tag) = value.rsplit_once('.')?;
        let tag = b64url_decode(tag)?;
        self.secret.tag(payload).ok()?.verify_slice(&tag).ok()?;
        let (user, expires) = payload.split_once('.')?;
        let expires: u64 = expires.parse().ok()?;
        if now >= expires {
            return None;
        }
        user.parse().ok()
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Sessions for CookieSessions {
    async fn current_user(&self, request: &Parts) -> Result<Option<UserHandle>, Error> {
        Ok(cookie(&request.headers, self.cookie_name()).and_then(|v| self.decode(v, unix_now())))
    }

    async fn sign_in(
        &self,
        _request: &Parts,
        user: &UserHandle,
        response: &mut HeaderMap,
    ) -> Result<(), Error> {
        let ttl = self.ttl.as_secs();
        let value = self.encode(user, unix_now().saturating_add(ttl))?;
        let c = set_cookie(self.cookie_name(), &value, "/", "Lax", ttl, self.secure)?;
        response.append(SET_COOKIE, c);
        Ok(())
    }

    async fn sign_out(&self, _request: &Parts, response: &mut HeaderMap) -> Result<(), Error> {
        let c = set_cookie(self.cookie_name(), "", "/", "Lax", 0, self.secure)?;
        response.append(SET_COOKIE, c);
        Ok(())
    }
}

/// Extractor for "the signed-in user": a host handler that takes `SignedIn`
/// answers 401 ([`Error::NotSignedIn`]) to a request without a valid session.
///
/// It reads the session through the [`Sessions`] implementation `B` found in
/// the request's extensions: add it to the host's router with
/// `.layer(axum::Extension(sessions))` (the routes of
/// [`PasskeyRoutes`](crate::PasskeyRoutes) do not need this).
#[derive(Debug, Clone)]
pub struct SignedIn<B = CookieSessions> {
    /// The signed-in user's handle.
    pub user: UserHandle,
    _backend: std::marker::PhantomData<fn() -> B>,
}

impl<B> SignedIn<B> {
    pub(crate) fn new(user: UserHandle) -> Self {
        SignedIn {
            user,
            _backend: std::marker::PhantomData,
        }
    }
}

impl<St: Send + Sync, B: Sessions> FromRequestParts<St> for SignedIn<B> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &St) -> Result<Self, Error> {
        let Some(sessions) = parts.extensions.get::<B>().cloned() else {
            return Err(Error::Session(format!(
                "no {} in the request extensions: add `.layer(Extension(sessions))` to the router",
                std::any::type_name::<B>()
            )));
        };
        match sessions.current_user(parts).await? {
            Some(user) => Ok(SignedIn::new(user)),
            None => Err(Error::NotSignedIn),
        }
    }
}

/// A `Set-Cookie` that deletes cookie `name` at `path`.
pub(crate) fn clear_cookie(name: &str, path: &str, secure: bool) -> Result<HeaderValue, Error> {
    set_cookie(name, "", path, "Strict", 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions() -> CookieSessions {
        CookieSessions::new(SessionSecret::new(&[9; 32]).unwrap())
    }

    #[test]
    fn cookie_value_round_trips_and_expires() {
        let s = sessions();
        let user = UserHandle::new(vec![1, 2, 3]).unwrap();
        let v = s.encode(&user, 1000).unwrap();
        assert_eq!(s.decode(&v, 999), Some(user));
        assert_eq!(s.decode(&v, 1000), None);
    }

    #[test]
    fn tampered_or_foreign_values_are_refused() {
        let s = sessions();
        let user = UserHandle::new(vec![1, 2, 3]).unwrap();
        let v = s.encode(&user, u64::MAX).unwrap();
        let other = CookieSessions::new(SessionSecret::new(&[8; 32]).unwrap());
        assert_eq!(other.decode(&v, 0), None);
        // Another user, a later expiry, a changed tag: each breaks the tag.
        let (payload, tag) = v.rsplit_once('.').unwrap();
        let other_user = payload.replacen("AQID", "AQIE", 1);
        for bad in [
            format!("{other_user}.{tag}"),
            v.replace(&u64::MAX.to_string(), "99"),
            format!(
                "{payload}.{}{}",
                if tag.starts_with('A') { "B" } else { "A" },
                &tag[1..]
            ),
            format!("{payload}."),
            payload.to_owned(),
            String::new(),
            "x".repeat(300),
        ] {
            assert_eq!(s.decode(&bad, 0), None, "{bad}");
        }
        assert!(SessionSecret::new(&[1; 31]).is_err());
    }
}
