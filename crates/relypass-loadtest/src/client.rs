//! A browser on the demo page, as far as the API sees it: JSON requests with
//! the page's Origin and Fetch-Metadata headers, a cookie jar, and a software
//! authenticator answering the WebAuthn options.

use crate::http::{Conn, HttpError, Jar, Response};
use crate::server::{Target, random_bytes};
use crate::stats::Stats;
use relypass::json::{CreationOptionsJson, RequestOptionsJson};
use relypass_testkit::soft_authenticator::{Alg, SoftAuthenticator, Tamper};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Per-request bound: far above any healthy answer, so a hang is reported
/// as a failure rather than stalling the run.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One passkey the run registered, kept for signing in again.
pub struct Account {
    pub username: String,
    pub authenticator: SoftAuthenticator,
}

/// A new software passkey with a random credential id (the testkit's ids
/// derive from a one-byte seed, which would collide across thousands of
/// accounts).
pub fn new_authenticator(origin: &str, seed: u8) -> SoftAuthenticator {
    let mut a = SoftAuthenticator::new(Alg::Es256, origin, seed);
    a.credential_id = random_bytes(32);
    a
}

/// Why a flow step failed.
#[derive(Debug)]
pub enum StepError {
    /// No answer.
    Http(HttpError),
    /// An answer with an unexpected status.
    Status(u16),
    /// A 2xx answer the flow could not use.
    Body(&'static str),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Http(e) => write!(f, "{e}"),
            StepError::Status(s) => write!(f, "status {s}"),
            StepError::Body(w) => write!(f, "unusable answer: {w}"),
        }
    }
}

/// One browser: cookies shared across the servers (all are `localhost`, as
/// a browser shares cookies across ports), one connection per server.
pub struct Browser {
    conns: Vec<(Target, Conn)>,
    pub jar: Jar,
    pub stats: Stats,
    /// Which server the next request goes to.
    pub server: usize,
    /// When set, every request is also logged here (for timelines).
    pub events: Option<Vec<Event>>,
}

/// One request in a timeline.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub started: Instant,
    pub took: Duration,
    /// `None`: no answer.
    pub status: Option<u16>,
    pub retry_after: bool,
    /// The step that completes a sign-in.
    pub finish: bool,
}

impl Browser {
    /// A browser talking to `targets`.
    pub fn new(targets: &[Target]) -> Browser {
        Browser {
            conns: targets.iter().map(|t| (t.clone(), t.conn())).collect(),
            jar: Jar::default(),
            stats: Stats::default(),
            server: 0,
            events: None,
        }
    }

    /// The origin of the server the next request goes to.
    pub fn origin(&self) -> String {
        self.conns[self.server % self.conns.len()].0.origin.clone()
    }

    /// POSTs `body` as JSON to `path`, recording the answer under `endpoint`.
    pub async fn post(
        &mut self,
        endpoint: &'static str,
        path: &str,
        body: &Value,
    ) -> Result<Response, StepError> {
        let i = self.server % self.conns.len();
        let origin = self.conns[i].0.origin.clone();
        let cookie = self.jar.header();
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("Origin", origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            ("Sec-Fetch-Mode", "cors"),
            ("Accept", "application/json"),
        ];
        if let Some(c) = &cookie {
            headers.push(("Cookie", c.as_str()));
        }
        let payload = body.to_string();
        let started = Instant::now();
        let res = self.conns[i]
            .1
            .request("POST", path, &headers, payload.as_bytes(), REQUEST_TIMEOUT)
            .await;
        if let Some(events) = self.events.as_mut() {
            events.push(Event {
                started,
                took: started.elapsed(),
                status: res.as_ref().ok().map(|r| r.status),
                retry_after: res
                    .as_ref()
                    .is_ok_and(|r| r.header("retry-after").is_some()),
                finish: endpoint == "signin/finish",
            });
        }
        match res {
            Ok(r) => {
                self.stats.answer(endpoint, r.status, started.elapsed());
                self.jar.update(&r);
                Ok(r)
            }
            Err(e) => {
                self.stats.failure(endpoint);
                Err(StepError::Http(e))
            }
        }
    }

    /// `post`, requiring a 2xx answer.
    async fn post_ok(
        &mut self,
        endpoint: &'static str,
        path: &str,
        body: &Value,
    ) -> Result<Response, StepError> {
        let r = self.post(endpoint, path, body).await?;
        if (200..300).contains(&r.status) {
            Ok(r)
        } else {
            Err(StepError::Status(r.status))
        }
    }

    /// Passkey sign-up on the current server: start, create, finish. The
    /// account counts as acknowledged once the finish answered 2xx.
    pub async fn sign_up(&mut self, username: &str, seed: u8) -> Result<Account, StepError> {
        let options = self
            .post_ok(
                "signup/start",
                "/api/signup/passkey/start",
                &json!({ "username": username, "display_name": username }),
            )
            .await?;
        let options: CreationOptionsJson = serde_json::from_slice(&options.body)
            .map_err(|_| StepError::Body("creation options"))?;
        let mut authenticator = new_authenticator(&self.origin(), seed);
        let credential = authenticator.register(&options, &Tamper::default());
        let credential: Value =
            serde_json::from_str(&credential).map_err(|_| StepError::Body("credential"))?;
        self.post_ok(
            "register/finish",
            "/api/register/finish",
            &json!({ "credential": credential, "name": "load test" }),
        )
        .await?;
        Ok(Account {
            username: username.to_owned(),
            authenticator,
        })
    }

    /// Passkey sign-in on the current server, by username or (None)
    /// discoverable; checks the server signed in the right account.
    pub async fn sign_in(&mut self, account: &mut Account, by_name: bool) -> Result<(), StepError> {
        let body = if by_name {
            json!({ "username": account.username })
        } else {
            json!({})
        };
        let options = self
            .post_ok("signin/start", "/api/signin/start", &body)
            .await?;
        let options: RequestOptionsJson = serde_json::from_slice(&options.body)
            .map_err(|_| StepError::Body("request options"))?;
        account.authenticator.origin = self.origin();
        let assertion = account
            .authenticator
            .authenticate(&options, &Tamper::default());
        let assertion: Value =
            serde_json::from_str(&assertion).map_err(|_| StepError::Body("assertion"))?;
        let via = if by_name { "username" } else { "discoverable" };
        let r = self
            .post_ok(
                "signin/finish",
                "/api/signin/finish",
                &json!({ "credential": assertion, "via": via }),
            )
            .await?;
        // The message names the account signed in: a discoverable sign-in
        // must land in the passkey's own account.
        let message = r.json()["message"].as_str().unwrap_or("").to_owned();
        if !message.contains(&format!(" {} ", account.username)) {
            return Err(StepError::Body("signed in as another account"));
        }
        Ok(())
    }

    /// Signs out (a JSON POST, as the page sends it).
    pub async fn sign_out(&mut self) -> Result<(), StepError> {
        self.post_ok("signout", "/api/signout", &json!({})).await?;
        Ok(())
    }
}
