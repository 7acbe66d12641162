//! Command-line flags and environment variables of the demo server.
//!
//! Every flag has an environment variable; a flag wins over its variable.
//! Parsing never touches the process environment directly (it is handed a lookup
//! function), so the rules are unit-tested below.

use relypass::origin::{Origin, OriginError};
use relypass::rp_id::RpIdRule;

pub const USAGE: &str = "\
relypass demo: passkeys (WebAuthn) sign-up and sign-in, served over HTTP

usage: cargo run --example demo -- [OPTIONS]

  --listen ADDR             address to listen on             [LISTEN, default 127.0.0.1:8080]
  --origin URL              allowed origin, repeatable       [ORIGINS, comma-separated,
                            default http://localhost:PORT of --listen]
  --rp-id ID                the RP ID (a domain)             [RP_ID]
  --skip N                  or: RP ID = origin host minus its first N labels   [RP_ID_SKIP]
  --domain-levels N         or: RP ID = last N labels of the origin host       [RP_ID_DOMAIN_LEVELS]
                            (none of the three: the first origin's host)
  --rp-name NAME            name shown by the passkey prompt [RP_NAME, default \"relypass demo\"]
  --database-url URL        sqlite://FILE or postgres://...  [DATABASE_URL,
                            default sqlite://relypass-demo.db]
  --passkey-sign-in on|off  initial state of the admin switch for passkey sign-in
                            (used when the database has none yet) [PASSKEY_SIGN_IN, default on]
  --admin NAME              user allowed to flip the admin switch, repeatable
                            [ADMIN_USERS, comma-separated; default: every signed-in user]
  -h, --help                this text

Passkeys need a secure context: origins must be https://, or http:// on localhost.";

/// The demo's configuration after parsing.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub listen: String,
    pub origins: Vec<String>,
    pub rp_id_rule: RpIdRule,
    pub rp_name: String,
    pub database_url: String,
    pub passkey_sign_in_default: bool,
    pub admins: Vec<String>,
}

impl Config {
    /// Whether session cookies get the `Secure` attribute: only when every
    /// origin is https (browsers drop `Secure` cookies set over http://localhost).
    pub fn secure_cookies(&self) -> bool {
        self.origins.iter().all(|o| o.starts_with("https://"))
    }
}

/// What `main` should do.
#[derive(Debug)]
pub enum Command {
    Run(Box<Config>),
    Help,
}

/// Parses flags (without the program name) over environment variables read
/// through `env`. Every error is a message for the operator; `main` prints it
/// and exits with status 2.
pub fn parse<I, E>(args: I, env: E) -> Result<Command, String>
where
    I: IntoIterator<Item = String>,
    E: Fn(&str) -> Option<String>,
{
    let mut listen = None;
    let mut origins: Vec<String> = Vec::new();
    let mut rp_id = None;
    let mut skip = None;
    let mut levels = None;
    let mut rp_name = None;
    let mut database_url = None;
    let mut sign_in = None;
    let mut admins: Vec<String> = Vec::new();

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // `--flag=value` and `--flag value` both work.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("`{flag}` needs a value\n\n{USAGE}"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--listen" => listen = Some(value()?),
            "--origin" => origins.push(value()?),
            "--rp-id" => rp_id = Some(value()?),
            "--skip" => skip = Some(number("--skip", &value()?)?),
            "--domain-levels" => levels = Some(number("--domain-levels", &value()?)?),
            "--rp-name" => rp_name = Some(value()?),
            "--database-url" => database_url = Some(value()?),
            "--passkey-sign-in" => sign_in = Some(on_off("--passkey-sign-in", &value()?)?),
            "--admin" => admins.push(value()?),
            _ => return Err(format!("unknown argument `{arg}`\n\n{USAGE}")),
        }
    }

    let listen = listen
        .or_else(|| env("LISTEN"))
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    if origins.is_empty() {
        origins = list(env("ORIGINS"));
    }
    if origins.is_empty() {
        origins.push(default_origin(&listen)?);
    }
    // The three RP ID options come as a group: flags, or else environment.
    if rp_id.is_none() && skip.is_none() && levels.is_none() {
        rp_id = env("RP_ID").filter(|s| !s.is_empty());
        skip = env("RP_ID_SKIP")
            .filter(|s| !s.is_empty())
            .map(|s| number("RP_ID_SKIP", &s))
            .transpose()?;
        levels = env("RP_ID_DOMAIN_LEVELS")
            .filter(|s| !s.is_empty())
            .map(|s| number("RP_ID_DOMAIN_LEVELS", &s))
            .transpose()?;
    }
    let rp_id_rule = RpIdRule::from_options(rp_id.as_deref(), skip, levels)
        .map_err(|e| format!("RP ID options: {e}"))?;
    let rp_name = rp_name
        .or_else(|| env("RP_NAME"))
        .unwrap_or_else(|| "relypass demo".to_owned());
    let database_url = database_url
        .or_else(|| env("DATABASE_URL"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "sqlite://relypass-demo.db".to_owned());
    let passkey_sign_in_default = match sign_in {
        Some(b) => b,
        None => match env("PASSKEY_SIGN_IN") {
            Some(v) if !v.is_empty() => on_off("PASSKEY_SIGN_IN", &v)?,
            _ => true,
        },
    };
    if admins.is_empty() {
        admins = list(env("ADMIN_USERS"));
    }

    for o in &origins {
        check_secure_context(o)?;
    }
    Ok(Command::Run(Box::new(Config {
        listen,
        origins,
        rp_id_rule,
        rp_name,
        database_url,
        passkey_sign_in_default,
        admins,
    })))
}

/// Refuses origins where browsers do not offer WebAuthn at all, with the reason.
pub fn check_secure_context(origin: &str) -> Result<(), String> {
    match Origin::parse(origin) {
        Ok(_) => Ok(()),
        Err(OriginError::InsecureScheme { origin }) => Err(format!(
            "refusing to start: origin {origin} is plain http on a host that is not localhost.\n\
             Browsers only offer passkeys (WebAuthn) in a secure context: serve the site over \
             https:// (for example behind a TLS-terminating proxy, and pass \
             --origin https://your.host), or use http://localhost for development."
        )),
        Err(e) => Err(format!("invalid --origin {origin:?}: {e}")),
    }
}

fn default_origin(listen: &str) -> Result<String, String> {
    let port = listen
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .ok_or_else(|| format!("--listen {listen:?}: expected HOST:PORT"))?;
    Ok(format!("http://localhost:{port}"))
}

fn list(v: Option<String>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

fn number(name: &str, raw: &str) -> Result<usize, String> {
    raw.parse()
        .map_err(|_| format!("`{name}` needs a non-negative integer, got `{raw}`"))
}

fn on_off(name: &str, raw: &str) -> Result<bool, String> {
    match raw.to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        _ => Err(format!("`{name}` takes on or off, got `{raw}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn run(args: &[&str], env: &[(&str, &str)]) -> Result<Config, String> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        match parse(args.iter().map(|s| s.to_string()), |k| env.get(k).cloned())? {
            Command::Run(c) => Ok(*c),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn defaults_serve_localhost_8080_from_sqlite() {
        let c = run(&[], &[]).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.origins, vec!["http://localhost:8080"]);
        assert_eq!(c.rp_id_rule, RpIdRule::FromOrigin);
        assert_eq!(c.database_url, "sqlite://relypass-demo.db");
        assert!(c.passkey_sign_in_default);
        assert!(c.admins.is_empty());
        assert!(!c.secure_cookies());
    }

    #[test]
    fn flags_win_over_environment() {
        let c = run(
            &[
                "--listen=127.0.0.1:9001",
                "--origin",
                "http://localhost:9001",
                "--origin",
                "http://localhost:9002",
                "--rp-id",
                "localhost",
                "--passkey-sign-in",
                "off",
                "--admin",
                "alice",
            ],
            &[
                ("LISTEN", "0.0.0.0:1"),
                ("ORIGINS", "https://x.example"),
                ("RP_ID_SKIP", "1"),
                ("PASSKEY_SIGN_IN", "on"),
                ("DATABASE_URL", "postgres://db/x"),
            ],
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:9001");
        assert_eq!(c.origins.len(), 2);
        assert_eq!(c.rp_id_rule, RpIdRule::Explicit("localhost".into()));
        assert!(!c.passkey_sign_in_default);
        assert_eq!(c.admins, vec!["alice"]);
        assert_eq!(c.database_url, "postgres://db/x");
    }

    #[test]
    fn environment_configures_rules_and_lists() {
        let c = run(
            &[],
            &[
                ("ORIGINS", "https://a.example.com, https://b.example.com"),
                ("RP_ID_DOMAIN_LEVELS", "2"),
                ("ADMIN_USERS", "root,ops"),
            ],
        )
        .unwrap();
        assert_eq!(c.origins.len(), 2);
        assert_eq!(c.rp_id_rule, RpIdRule::DomainLevels(2));
        assert_eq!(c.admins, vec!["root", "ops"]);
        assert!(c.secure_cookies());
        let c = run(&["--origin", "https://s1.example.com", "--skip", "1"], &[]).unwrap();
        assert_eq!(c.rp_id_rule, RpIdRule::SkipLabels(1));
    }

    #[test]
    fn plain_http_off_localhost_is_refused_with_the_reason() {
        let e = run(&["--origin", "http://demo.example.com"], &[]).unwrap_err();
        assert!(e.contains("secure context"), "{e}");
        assert!(e.contains("https://"), "{e}");
        run(&["--origin", "http://127.0.0.1:8080"], &[]).unwrap();
        run(&["--origin", "http://app.localhost:8080"], &[]).unwrap();
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for args in [
            &["--skip"][..],
            &["--skip", "x"],
            &["--skip", "1", "--domain-levels", "2"],
            &["--rp-id", "localhost", "--skip", "1"],
            &["--passkey-sign-in", "maybe"],
            &["--listen", "nowhere"],
            &["--bogus"],
            &["--origin", "ftp://x"],
        ] {
            assert!(run(args, &[]).is_err(), "{args:?}");
        }
        assert_eq!(run(&["--help"], &[]).unwrap_err(), "help");
    }
}
