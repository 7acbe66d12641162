//! A FIDO2 server for the FIDO Alliance's server conformance tools.
//!
//! It implements the REST API of the FIDO2 "Server Requirements and Transport
//! Binding Profile" (the API the conformance tools drive):
//!
//! ```text
//! POST /attestation/options   ServerPublicKeyCredentialCreationOptionsRequest
//! POST /attestation/result    ServerPublicKeyCredential (attestation response)
//! POST /assertion/options     ServerPublicKeyCredentialGetOptionsRequest
//! POST /assertion/result      ServerPublicKeyCredential (assertion response)
//! ```
//!
//! ```text
//! cargo run -p fido-conformance -- --metadata ./metadata --origin http://localhost:3000
//! cargo run -p fido-conformance -- --help
//! ```
//!
//! See `crates/fido-conformance/README.md`.
#![forbid(unsafe_code)]
// Every request body is hostile: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod api;
mod metadata;
mod server;
#[cfg(test)]
mod tests;

use relypass::CoseAlgorithm;
use relypass::RelyingParty;
use relypass::attestation::{TrustMode, TrustPolicy};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "\
relypass FIDO2 conformance server

USAGE: cargo run -p fido-conformance -- [OPTIONS]

OPTIONS:
  --listen ADDR      address to listen on            (default 127.0.0.1:3000)
  --rp-id ID         relying party ID                (default localhost)
  --rp-name NAME     relying party name              (default relypass conformance)
  --origin ORIGIN    an allowed origin; repeatable   (default http://localhost:3000)
  --metadata DIR     FIDO metadata statements (*.json) and/or MDS3 BLOBs (JWT files)
                     whose attestation roots are the trust anchors
  --mds-root FILE    root certificate (PEM or DER) that signs the BLOBs in DIR
  -h, --help         this text

Without --metadata, attestation statements must verify but their certificate
chains need not reach a trusted root.";

/// Command-line configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Socket address to listen on.
    pub listen: String,
    /// The RP ID.
    pub rp_id: String,
    /// The RP name.
    pub rp_name: String,
    /// Allowed origins.
    pub origins: Vec<String>,
    /// Metadata directory.
    pub metadata: Option<PathBuf>,
    /// Root certificate of the MDS3 BLOBs.
    pub mds_root: Option<PathBuf>,
}

/// Parses the command line: `Ok(None)` for `--help`.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Config>, String> {
    let mut c = Config {
        listen: "127.0.0.1:3000".into(),
        rp_id: "localhost".into(),
        rp_name: "relypass conformance".into(),
        origins: Vec::new(),
        metadata: None,
        mds_root: None,
    };
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => c.listen = value()?,
            "--rp-id" => c.rp_id = value()?,
            "--rp-name" => c.rp_name = value()?,
            "--origin" => c.origins.push(value()?),
            "--metadata" => c.metadata = Some(PathBuf::from(value()?)),
            "--mds-root" => c.mds_root = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown option {other:?} (see --help)")),
        }
    }
    if c.origins.is_empty() {
        c.origins.push("http://localhost:3000".into());
    }
    if c.mds_root.is_some() && c.metadata.is_none() {
        return Err("--mds-root needs --metadata DIR holding the BLOBs".into());
    }
    Ok(Some(c))
}

/// The credential algorithms offered, in this order: every ECDSA, EdDSA and RSA
/// algorithm relypass verifies (ML-DSA is left out: the conformance tools'
/// authenticators do not use it). RS1 (SHA-1) is not offered for credentials:
/// relypass accepts it only inside the TPM statements that need it.
pub const ALGORITHMS: [CoseAlgorithm; 12] = [
    CoseAlgorithm::ES256,
    CoseAlgorithm::EdDSA,
    CoseAlgorithm::ES384,
    CoseAlgorithm::ES512,
    CoseAlgorithm::RS256,
    CoseAlgorithm::PS256,
    CoseAlgorithm::RS384,
    CoseAlgorithm::RS512,
    CoseAlgorithm::PS384,
    CoseAlgorithm::PS512,
    CoseAlgorithm::Ed25519,
    CoseAlgorithm::Ed448,
];

/// The relying party for `config` with `trust` as its attestation policy.
pub fn relying_party(config: &Config, trust: TrustPolicy) -> Result<RelyingParty, String> {
    RelyingParty::builder(config.rp_id.clone(), config.rp_name.clone())
        .origins(config.origins.iter().cloned())
        // Ed448 is offered only when the build has it (feature `ed448`).
        .algorithms(ALGORITHMS.iter().copied().filter(|a| a.is_implemented()))
        .trust_policy(trust)
        .build()
        .map_err(|e| e.to_string())
}

/// The trust policy: with metadata, chains must reach a root it lists (`none`
/// and self attestation still accepted, as the conformance tools expect); without,
/// statements must verify but need not chain to a root.
pub fn trust_policy(config: &Config, now: u64) -> Result<(TrustPolicy, String), String> {
    let Some(dir) = &config.metadata else {
        let policy = TrustPolicy {
            mode: TrustMode::Any,
            ..TrustPolicy::default()
        };
        return Ok((
            policy,
            "no metadata: attestation verified, chains not".into(),
        ));
    };
    let loaded = metadata::load_dir(dir, config.mds_root.as_deref(), now)?;
    let summary = loaded.summary();
    Ok((loaded.into_policy(), summary))
}

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("fido-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    let setup = trust_policy(&config, relypass::danger::unix_now())
        .and_then(|(trust, summary)| relying_party(&config, trust).map(|rp| (rp, summary)));
    let (rp, summary) = match setup {
        Ok(x) => x,
        Err(e) => {
            eprintln!("fido-conformance: {e}");
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
            eprintln!("fido-conformance: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let app = Arc::new(server::App::new(rp));
    match runtime.block_on(serve(&config, app, &summary)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fido-conformance: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: &Config, app: Arc<server::App>, summary: &str) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    println!(
        "fido-conformance: RP ID {:?}, origins {:?}; {summary}; listening on http://{}",
        config.rp_id, config.origins, config.listen
    );
    axum::serve(listener, server::router(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
