//! Shows which RP ID a configuration yields for an origin.
//!
//! ```text
//! cargo run --example rp_id -- ORIGIN [--rp-id ID | --skip N | --domain-levels N]
//! ```
//!
//! On success prints `RP_ID valid for ORIGIN` and exits 0; on any error
//! (bad arguments included) prints the error to stderr and exits 1.

use std::process::ExitCode;

use relypass::origin::Origin;
use relypass::rp_id::{RpIdRule, derive_rp_id};

const USAGE: &str = "usage: rp_id ORIGIN [--rp-id ID | --skip N | --domain-levels N]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1)) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// Parses the arguments (without the program name), derives the RP ID and
/// returns the line to print, or the error message.
pub fn run<I>(args: I) -> Result<String, String>
where
    I: IntoIterator<Item = String>,
{
    let mut origin: Option<String> = None;
    let mut rp_id: Option<String> = None;
    let mut skip: Option<usize> = None;
    let mut levels: Option<usize> = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(USAGE.to_owned()),
            "--rp-id" => set_once(&mut rp_id, value(&arg, args.next())?, &arg)?,
            "--skip" => set_once(&mut skip, number(&arg, args.next())?, &arg)?,
            "--domain-levels" => set_once(&mut levels, number(&arg, args.next())?, &arg)?,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option `{flag}`\n{USAGE}"));
            }
            _ if origin.is_some() => {
                return Err(format!("unexpected extra argument `{arg}`\n{USAGE}"));
            }
            _ => origin = Some(arg),
        }
    }
    let origin = origin.ok_or_else(|| format!("missing ORIGIN\n{USAGE}"))?;
    let rule = RpIdRule::from_options(rp_id.as_deref(), skip, levels).map_err(|e| e.to_string())?;
    let rp_id = derive_rp_id(&rule, &origin).map_err(|e| e.to_string())?;
    // derive_rp_id already parsed the origin; this only re-serialises it.
    let shown = Origin::parse(&origin)
        .map(|o| o.to_string())
        .unwrap_or(origin);
    Ok(format!("{rp_id} valid for {shown}"))
}

fn value(flag: &str, next: Option<String>) -> Result<String, String> {
    next.ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))
}

fn number(flag: &str, next: Option<String>) -> Result<usize, String> {
    let raw = value(flag, next)?;
    raw.parse()
        .map_err(|_| format!("`{flag}` needs a non-negative integer, got `{raw}`"))
}

fn set_once<T>(slot: &mut Option<T>, value: T, flag: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("`{flag}` given more than once"));
    }
    *slot = Some(value);
    Ok(())
}
