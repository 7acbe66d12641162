//! Prints every decoded field of a WebAuthn response, for debugging a login:
//! `cargo run --example inspect -- FILE` (or `-` for standard input).
//!
//! FILE holds a registration or authentication response as the browser's
//! `PublicKeyCredential.toJSON()` produces it, or a conformance case (whose
//! `response` member is used). Exit status 1, with the error, when the input
//! does not decode.

mod report;

use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: inspect FILE   (a response JSON or a conformance case; - for stdin)");
        return ExitCode::from(2);
    };
    let text = if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(&path)
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(1);
        }
    };
    match report::inspect(&text) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
