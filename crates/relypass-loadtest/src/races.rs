//! `races`: two sessions of one account remove its last two passkeys at
//! the same moment, through HTTP (the library-level race tests are in
//! crates/relypass-sqlx/tests/races.rs). Exactly one removal may succeed: an
//! account that both removals emptied can never sign in again (a lock-out).

use crate::Opts;
use crate::client::{Account, Browser, StepError, new_authenticator};
use crate::server::{Target, loadavg, random_hex, start_one_demo, temp_dir};
use relypass::json::{CreationOptionsJson, b64url};
use relypass_testkit::soft_authenticator::Tamper;
use serde_json::{Value, json};

/// Runs `races`; `Ok(false)` when an account was locked out.
pub async fn run(opts: &Opts) -> Result<bool, String> {
    let rounds = opts.num("rounds", 20, 1..=1000)?;
    let dir = temp_dir("races")?;
    let database = match opts.get("postgres") {
        Some(url) => {
            crate::server::require_loopback(
                "--postgres",
                crate::server::url_host(url).unwrap_or(""),
            )?;
            url.to_owned()
        }
        None => format!("sqlite://{}", dir.join("races.db").display()),
    };
    let demo = start_one_demo(&opts.demo_bin(), &dir, &database).await?;
    println!("races: {rounds} rounds; load average {}", loadavg());
    let run_id = random_hex(4);
    let (mut lockouts, mut both_refused, mut errors) = (0u64, 0u64, 0u64);
    let mut both_answered_ok = 0u64;
    for round in 0..rounds {
        match one_round(&demo.target, &format!("race-{run_id}-{round}")).await {
            Ok(Outcome::OneRemoved) => {}
            Ok(Outcome::LockedOut { removed }) => {
                lockouts += 1;
                if removed == 2 {
                    both_answered_ok += 1;
                }
            }
            Ok(Outcome::NoneRemoved) => both_refused += 1,
            Err(e) => {
                errors += 1;
                println!("  round {round}: {e}");
            }
        }
    }
    println!();
    println!(
        "| race | rounds | locked out | of which both removals answered 2xx | neither removed | setup errors | load avg |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| remove the last two passkeys from two sessions | {rounds} | {lockouts} | {both_answered_ok} | {both_refused} | {errors} | {} |",
        loadavg()
    );
    drop(demo);
    let ok = lockouts == 0 && errors == 0;
    if ok {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ok)
}

enum Outcome {
    OneRemoved,
    NoneRemoved,
    /// No passkey signs in any more; `removed`: how many removals the
    /// server answered 2xx.
    LockedOut {
        removed: usize,
    },
}

/// Signs up with one passkey, adds a second, signs in from a second
/// browser, then each browser removes a different passkey at once.
async fn one_round(target: &Target, username: &str) -> Result<Outcome, StepError> {
    let targets = std::slice::from_ref(target);
    let mut a = Browser::new(targets);
    let mut first = a.sign_up(username, 3).await?;
    let options = a
        .post("passkeys/start", "/api/passkeys/start", &json!({}))
        .await?;
    if options.status != 200 {
        return Err(StepError::Status(options.status));
    }
    let options: CreationOptionsJson =
        serde_json::from_slice(&options.body).map_err(|_| StepError::Body("creation options"))?;
    let mut second_key = new_authenticator(&target.origin, 5);
    let credential: Value =
        serde_json::from_str(&second_key.register(&options, &Tamper::default()))
            .map_err(|_| StepError::Body("credential"))?;
    let added = a
        .post(
            "register/finish",
            "/api/register/finish",
            &json!({ "credential": credential, "name": "second" }),
        )
        .await?;
    if added.status != 200 {
        return Err(StepError::Status(added.status));
    }
    let mut second = Account {
        username: username.to_owned(),
        authenticator: second_key,
    };
    let mut b = Browser::new(targets);
    b.sign_in(&mut first, true).await?;

    let id1 = b64url(&first.authenticator.credential_id);
    let id2 = b64url(&second.authenticator.credential_id);
    let (body1, body2) = (json!({ "id": id1 }), json!({ "id": id2 }));
    let (ra, rb) = tokio::join!(
        a.post("passkeys/remove", "/api/passkeys/remove", &body1),
        b.post("passkeys/remove", "/api/passkeys/remove", &body2),
    );
    let answers = [ra?, rb?];
    let removed = answers
        .iter()
        .filter(|r| (200..300).contains(&r.status))
        .count();
    // Whatever the answers said, can the account still sign in?
    let mut c = Browser::new(targets);
    let r1 = c.sign_in(&mut first, true).await;
    c.jar.clear();
    let r2 = c.sign_in(&mut second, true).await;
    let can_sign_in = r1.is_ok() || r2.is_ok();
    Ok(match (removed, can_sign_in) {
        (n, false) => Outcome::LockedOut { removed: n },
        (0, true) => Outcome::NoneRemoved,
        _ => Outcome::OneRemoved,
    })
}
