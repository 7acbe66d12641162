//! Command-line flags and environment variables of the demo server.
//!
//! Every flag has an environment variable; a flag wins over its variable.
//! Parsing never touches the process environment directly (it is handed a lookup
//! function), so the rules are unit-tested below.

use relypass::origin::{Origin, OriginError};
use relypass::rp_id::RpIdRule;
use relypass_axum::ServerLimits;
use std::time::Duration;

pub const USAGE: &str = "\
relypass demo: passkeys (WebAuthn) sign-up and sign-in, served over HTTP

usage: cargo run -p relypass-demo -- [OPTIONS]
       relypass-demo [OPTIONS]
       relypass-demo grant-admin NAME [--database-url URL]
       relypass-demo revoke-admin NAME [--database-url URL]

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
  --max-passkeys N          most passkeys one account may hold (N >= 1)
                            [MAX_PASSKEYS, default 10]
  --enumeration-secret HEX  32 bytes as 64 hex digits (`openssl rand -hex 32`): the secret
                            behind the fake sign-in options for unknown usernames; set the
                            same value on every server [ENUMERATION_SECRET, default: random
                            per process]
  --authenticator-names FILE
                            JSON of AAGUID -> authenticator name (the community
                            aaguid.json format), added to the built-in table
                            [AUTHENTICATOR_NAMES]
  --header-timeout SECS     close a connection whose request headers take longer
                            [HEADER_TIMEOUT, default 10]
  --request-timeout SECS    answer 408 to a request (its body included) taking longer
                            [REQUEST_TIMEOUT, default 30]
  --idle-timeout SECS       close a connection idle this long [IDLE_TIMEOUT, default 60]
  --max-connections N       connections served at once [MAX_CONNECTIONS, default 1024]
  -h, --help                this text

Admins: nobody by default (the admin section stays hidden). `grant-admin NAME` makes
the EXISTING account NAME an administrator (it fails if there is none), in the
database the servers share, which they read on every request: no restart.
`revoke-admin NAME` takes the right back. The right belongs to the account, not the
name: deleting the account ends it.

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
    /// relypass-axum's connection bounds (`serve_with_shutdown`).
    pub limits: ServerLimits,
    /// The per-account registration limit (`Passkeys::with_registration_limit`).
    pub max_passkeys: usize,
    /// `Passkeys::with_enumeration_secret`; `None`: the library's random one.
    pub enumeration_secret: Option<Secret>,
    /// A JSON file of extra authenticator names (`AuthenticatorNames::load_json`).
    pub authenticator_names: Option<String>,
}

/// The default of `--max-passkeys`.
pub const DEFAULT_MAX_PASSKEYS: usize = 10;

/// A 32-byte secret whose `Debug` does not print it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Secret(pub [u8; 32]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// 64 hex digits (or 43 base64url characters) holding exactly 32 bytes.
    pub fn parse(name: &str, raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let bytes = if raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(raw.get(2 * i..2 * i + 2).unwrap_or(""), 16).ok())
                .collect::<Option<Vec<u8>>>()
        } else {
            relypass::json::b64url_decode(raw)
        };
        bytes
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(Secret)
            .ok_or_else(|| {
                format!(
                    "`{name}` needs 32 random bytes as 64 hex digits \
                     (for example from `openssl rand -hex 32`)"
                )
            })
    }
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
    /// `grant-admin NAME` or `revoke-admin NAME`.
    Admin(AdminCommand),
    Help,
}

/// Grants (or revokes) admin rights to an existing account.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminCommand {
    pub grant: bool,
    pub name: String,
    pub database_url: String,
}

const ADMIN_FLAG_GONE: &str = "admin rights now belong to an existing account, granted with \
     `relypass-demo grant-admin NAME` (see --help); `--admin` and ADMIN_USERS are gone";

/// `--database-url`, else `DATABASE_URL`, else the SQLite default.
fn database_url(flag: Option<String>, env: &impl Fn(&str) -> Option<String>) -> String {
    flag.or_else(|| env("DATABASE_URL"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "sqlite://relypass-demo.db".to_owned())
}

/// `grant-admin NAME [--database-url URL]` (or `revoke-admin`).
fn parse_admin(
    grant: bool,
    mut args: impl Iterator<Item = String>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Command, String> {
    let verb = if grant { "grant-admin" } else { "revoke-admin" };
    let mut name = None;
    let mut url = None;
    while let Some(arg) = args.next() {
        match arg.split_once('=') {
            Some(("--database-url", v)) => url = Some(v.to_owned()),
            _ if arg == "--database-url" => {
                url = Some(args.next().ok_or("`--database-url` needs a value")?);
            }
            _ if arg == "-h" || arg == "--help" => return Ok(Command::Help),
            _ if arg.starts_with('-') || name.is_some() => {
                return Err(format!("{verb}: unexpected `{arg}`\n\n{USAGE}"));
            }
            _ => name = Some(arg),
        }
    }
    let name =
        name.ok_or_else(|| format!("usage: relypass-demo {verb} NAME [--database-url URL]"))?;
    Ok(Command::Admin(AdminCommand {
        grant,
        name,
        database_url: database_url(url, env),
    }))
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
    let mut max_passkeys = None;
    let mut enumeration_secret = None;
    let mut authenticator_names = None;
    let mut header_timeout = None;
    let mut request_timeout = None;
    let mut idle_timeout = None;
    let mut max_connections = None;

    let mut args = args.into_iter().peekable();
    match args.peek().map(String::as_str) {
        Some("grant-admin") => return parse_admin(true, args.skip(1), &env),
        Some("revoke-admin") => return parse_admin(false, args.skip(1), &env),
        _ => {}
    }
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
            "--admin" => return Err(ADMIN_FLAG_GONE.to_owned()),
            "--header-timeout" => header_timeout = Some(limit("--header-timeout", &value()?)?),
            "--request-timeout" => request_timeout = Some(limit("--request-timeout", &value()?)?),
            "--idle-timeout" => idle_timeout = Some(limit("--idle-timeout", &value()?)?),
            "--max-connections" => max_connections = Some(limit("--max-connections", &value()?)?),
            "--max-passkeys" => max_passkeys = Some(limit("--max-passkeys", &value()?)?),
            "--enumeration-secret" => {
                enumeration_secret = Some(Secret::parse("--enumeration-secret", &value()?)?);
            }
            "--authenticator-names" => authenticator_names = Some(value()?),
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
    let database_url = self::database_url(database_url, &env);
    let passkey_sign_in_default = match sign_in {
        Some(b) => b,
        None => match env("PASSKEY_SIGN_IN") {
            Some(v) if !v.is_empty() => on_off("PASSKEY_SIGN_IN", &v)?,
            _ => true,
        },
    };
    if !list(env("ADMIN_USERS")).is_empty() {
        return Err(ADMIN_FLAG_GONE.to_owned());
    }
    let mut limits = ServerLimits::default();
    if let Some(n) = setting(header_timeout, "HEADER_TIMEOUT", &env)? {
        limits = limits.header_read_timeout(Duration::from_secs(n as u64));
    }
    if let Some(n) = setting(request_timeout, "REQUEST_TIMEOUT", &env)? {
        limits = limits.request_timeout(Duration::from_secs(n as u64));
    }
    if let Some(n) = setting(idle_timeout, "IDLE_TIMEOUT", &env)? {
        limits = limits.idle_timeout(Duration::from_secs(n as u64));
    }
    if let Some(n) = setting(max_connections, "MAX_CONNECTIONS", &env)? {
        limits = limits.max_connections(n);
    }
    let max_passkeys = match max_passkeys {
        Some(n) => n,
        None => match env("MAX_PASSKEYS").filter(|s| !s.is_empty()) {
            Some(v) => limit("MAX_PASSKEYS", &v)?,
            None => DEFAULT_MAX_PASSKEYS,
        },
    };
    let enumeration_secret = match enumeration_secret {
        Some(s) => Some(s),
        None => env("ENUMERATION_SECRET")
            .filter(|s| !s.is_empty())
            .map(|s| Secret::parse("ENUMERATION_SECRET", &s))
            .transpose()?,
    };
    let authenticator_names = authenticator_names
        .or_else(|| env("AUTHENTICATOR_NAMES"))
        .filter(|s| !s.is_empty());

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
        limits,
        max_passkeys,
        enumeration_secret,
        authenticator_names,
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

/// A registration limit: at least 1 (0 would make every sign-up fail).
fn limit(name: &str, raw: &str) -> Result<usize, String> {
    match number(name, raw)? {
        0 => Err(format!("`{name}` must be at least 1")),
        n => Ok(n),
    }
}

/// A flag's value, else its (non-empty) environment variable's, at least 1.
fn setting(
    flag: Option<usize>,
    var: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<usize>, String> {
    match flag {
        Some(n) => Ok(Some(n)),
        None => env(var)
            .filter(|s| !s.is_empty())
            .map(|v| limit(var, &v))
            .transpose(),
    }
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
            Command::Admin(a) => Err(format!("{a:?}")),
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
        assert_eq!(c.limits, ServerLimits::default());
        assert!(!c.secure_cookies());
        assert_eq!(c.max_passkeys, DEFAULT_MAX_PASSKEYS);
        assert_eq!(c.enumeration_secret, None);
        assert_eq!(c.authenticator_names, None);
    }

    #[test]
    fn lifecycle_settings() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
        let c = run(
            &[
                "--max-passkeys",
                "3",
                "--enumeration-secret",
                hex,
                "--authenticator-names=names.json",
            ],
            &[("MAX_PASSKEYS", "7"), ("ENUMERATION_SECRET", "bad")],
        )
        .unwrap();
        assert_eq!(c.max_passkeys, 3);
        let secret = c.enumeration_secret.unwrap();
        assert_eq!(secret.0[1], 0x11);
        assert_eq!(secret.0[31], 0xff);
        assert_eq!(format!("{secret:?}"), "Secret(..)");
        assert_eq!(c.authenticator_names.as_deref(), Some("names.json"));
        // From the environment; base64url of the same 32 bytes works too.
        let b64 = relypass::json::b64url(&secret.0);
        let c = run(
            &[],
            &[
                ("MAX_PASSKEYS", "7"),
                ("ENUMERATION_SECRET", b64.as_str()),
                ("AUTHENTICATOR_NAMES", "/etc/aaguid.json"),
            ],
        )
        .unwrap();
        assert_eq!(c.max_passkeys, 7);
        assert_eq!(c.enumeration_secret, Some(secret));
        assert_eq!(c.authenticator_names.as_deref(), Some("/etc/aaguid.json"));
        for args in [
            &["--max-passkeys", "0"][..],
            &["--max-passkeys", "-1"],
            &["--enumeration-secret", "short"],
            &["--enumeration-secret", &hex[2..]],
        ] {
            assert!(run(args, &[]).is_err(), "{args:?}");
        }
        assert!(run(&[], &[("ENUMERATION_SECRET", "abc")]).is_err());
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
                "--idle-timeout",
                "5",
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
        assert_eq!(c.limits.idle_timeout, Duration::from_secs(5));
        assert_eq!(c.limits.header_read_timeout, Duration::from_secs(10));
        assert_eq!(c.database_url, "postgres://db/x");
    }

    #[test]
    fn environment_configures_rules_and_lists() {
        let c = run(
            &[],
            &[
                ("ORIGINS", "https://a.example.com, https://b.example.com"),
                ("RP_ID_DOMAIN_LEVELS", "2"),
                ("MAX_CONNECTIONS", "64"),
                ("HEADER_TIMEOUT", "3"),
            ],
        )
        .unwrap();
        assert_eq!(c.origins.len(), 2);
        assert_eq!(c.rp_id_rule, RpIdRule::DomainLevels(2));
        assert_eq!(c.limits.max_connections, 64);
        assert_eq!(c.limits.header_read_timeout, Duration::from_secs(3));
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
            &["--idle-timeout", "0"],
            &["--max-connections", "x"],
        ] {
            assert!(run(args, &[]).is_err(), "{args:?}");
        }
        assert_eq!(run(&["--help"], &[]).unwrap_err(), "help");
    }

    /// No admin by configuration of a name: `--admin` and `ADMIN_USERS`
    /// (which made every signed-in user an admin when unset, and whoever
    /// signed up as NAME first when set) are refused with a pointer to
    /// `grant-admin`, which binds the right to an existing account.
    #[test]
    fn admin_is_not_every_signed_in_user() {
        for (args, env) in [
            (&["--admin", "carol"][..], &[][..]),
            (&[], &[("ADMIN_USERS", "carol")]),
        ] {
            let e = run(args, env).unwrap_err();
            assert!(e.contains("grant-admin"), "{e}");
        }
        let admin = |args: &[&str], env: &[(&str, &str)]| {
            let env: HashMap<String, String> = env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            match parse(args.iter().map(|s| s.to_string()), |k| env.get(k).cloned()) {
                Ok(Command::Admin(a)) => Ok(a),
                Ok(other) => Err(format!("{other:?}")),
                Err(e) => Err(e),
            }
        };
        let a = admin(
            &["grant-admin", "carol"],
            &[("DATABASE_URL", "postgres://db/x")],
        )
        .unwrap();
        assert_eq!(
            a,
            AdminCommand {
                grant: true,
                name: "carol".into(),
                database_url: "postgres://db/x".into()
            }
        );
        let a = admin(
            &["revoke-admin", "--database-url=sqlite://a.db", "carol"],
            &[],
        )
        .unwrap();
        assert!(!a.grant);
        assert_eq!(a.database_url, "sqlite://a.db");
        assert_eq!(
            admin(&["grant-admin", "carol"], &[]).unwrap().database_url,
            "sqlite://relypass-demo.db"
        );
        for args in [
            &["grant-admin"][..],
            &["grant-admin", "a", "b"],
            &["grant-admin", "a", "--listen", "x"],
            &["grant-admin", "a", "--database-url"],
        ] {
            assert!(admin(args, &[]).is_err(), "{args:?}");
        }
    }
}
