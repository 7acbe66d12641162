//! Loading the metadata the conformance tools supply: FIDO metadata statements
//! (one JSON object per file) and MDS3 BLOBs (a signed JWT per file, verified
//! against `--mds-root`), turned into the library's attestation trust policy.

use base64::Engine;
use relypass::Aaguid;
use relypass::attestation::mds::MetadataBlob;
use relypass::attestation::{AnchorScope, TrustAnchor, TrustMode, TrustPolicy};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// Largest metadata file read (a full MDS3 BLOB is a few MB).
const MAX_FILE: u64 = 32 * 1024 * 1024;

/// What a metadata directory contributed.
#[derive(Default)]
pub struct Loaded {
    /// Attestation roots, each scoped to the authenticators listing it.
    pub anchors: Vec<TrustAnchor>,
    /// The BLOB with the highest serial number, for status checks.
    pub blob: Option<Arc<MetadataBlob>>,
    /// Statements read.
    pub statements: usize,
    /// BLOBs verified.
    pub blobs: usize,
    /// Statements skipped (UAF, or nothing to anchor).
    pub skipped: usize,
}

impl Loaded {
    /// One line for the start-up log.
    pub fn summary(&self) -> String {
        format!(
            "metadata: {} statements, {} BLOBs, {} trust anchors ({} statements skipped)",
            self.statements,
            self.blobs,
            self.anchors.len(),
            self.skipped
        )
    }

    /// Trusted mode with these anchors and BLOB; `none` and self attestation,
    /// which carry no chain, stay accepted.
    pub fn into_policy(self) -> TrustPolicy {
        TrustPolicy {
            mode: TrustMode::Trusted,
            anchors: self.anchors,
            allow_untrusted_types: true,
            metadata: self.blob,
            ..TrustPolicy::default()
        }
    }
}

/// Reads every regular, non-hidden file of `dir` (sorted by name). A file
/// whose content starts with `{` is a metadata statement; anything else is
/// taken for a BLOB, which needs `mds_root`. Any unreadable file is an error
/// naming it: a server silently missing a root would fail tests mysteriously.
pub fn load_dir(dir: &Path, mds_root: Option<&Path>, now: u64) -> Result<Loaded, String> {
    let roots = match mds_root {
        Some(p) => read_roots(p)?,
        None => Vec::new(),
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("metadata directory {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'))
        })
        .collect();
    files.sort();
    let mut out = Loaded::default();
    for path in files {
        let name = path.display().to_string();
        let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if len > MAX_FILE {
            return Err(format!("{name}: larger than {MAX_FILE} bytes"));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{name}: {e}"))?;
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.starts_with('{') {
            let v: Value =
                serde_json::from_str(text).map_err(|e| format!("{name}: not JSON: {e}"))?;
            match statement_anchors(&v).map_err(|e| format!("{name}: {e}"))? {
                Some(anchors) => {
                    out.anchors.extend(anchors);
                    out.statements += 1;
                }
                None => out.skipped += 1,
            }
        } else {
            if roots.is_empty() {
                return Err(format!(
                    "{name} is not a JSON statement, so a BLOB: give --mds-root to verify it"
                ));
            }
            let blob = MetadataBlob::verify(text, &roots, now)
                .map_err(|e| format!("{name}: MDS BLOB refused: {e}"))?;
            out.anchors.extend(blob.trust_anchors(now));
            out.anchors.extend(u2f_anchors(&blob, now));
            out.blobs += 1;
            if out.blob.as_ref().is_none_or(|b| b.no() < blob.no()) {
                out.blob = Some(Arc::new(blob));
            }
        }
    }
    Ok(out)
}

/// The roots of the BLOB's U2F entries (no AAGUID; found by attestation key
/// identifier), which [`MetadataBlob::trust_anchors`] leaves out, scoped to the
/// `fido-u2f` format. Compromised entries are skipped.
fn u2f_anchors(blob: &MetadataBlob, now: u64) -> Vec<TrustAnchor> {
    blob.entries()
        .iter()
        .filter(|e| e.aaguid.is_none() && !e.attestation_certificate_key_identifiers.is_empty())
        .filter(|e| e.compromised_status(now).is_none())
        .filter_map(|e| e.metadata_statement.as_ref())
        .flat_map(|st| st.attestation_root_certificates.iter())
        .filter_map(|der| TrustAnchor::from_der(der).ok())
        .map(|a| a.with_scope(AnchorScope::Format("fido-u2f".into())))
        .collect()
}

/// The BLOB root: a PEM bundle or one DER certificate.
fn read_roots(path: &Path) -> Result<Vec<TrustAnchor>, String> {
    let name = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("--mds-root {name}: {e}"))?;
    let parsed = match std::str::from_utf8(&bytes) {
        Ok(pem) if pem.contains("-----BEGIN") => {
            TrustAnchor::from_pem(pem).map_err(|e| e.to_string())
        }
        _ => TrustAnchor::from_der(&bytes)
            .map(|a| vec![a])
            .map_err(|e| e.to_string()),
    };
    match parsed {
        Ok(r) if !r.is_empty() => Ok(r),
        Ok(_) => Err(format!("--mds-root {name}: no certificate")),
        Err(e) => Err(format!("--mds-root {name}: {e}")),
    }
}

/// The trust anchors of one metadata statement: its `attestationRootCertificates`
/// (standard base64 DER), scoped to its `aaguid` (FIDO2), or for a U2F
/// statement (`attestationCertificateKeyIdentifiers`, no AAGUID) to the
/// `fido-u2f` format. `None` for statements with nothing to anchor (UAF).
pub fn statement_anchors(v: &Value) -> Result<Option<Vec<TrustAnchor>>, String> {
    let Some(obj) = v.as_object() else {
        return Err("statement is not a JSON object".into());
    };
    let scope = match obj.get("aaguid") {
        Some(Value::String(s)) => AnchorScope::Aaguids(vec![
            Aaguid::parse(s).ok_or_else(|| format!("aaguid {s:?} is not a UUID"))?,
        ]),
        Some(_) => return Err("aaguid is not a string".into()),
        None if obj.contains_key("attestationCertificateKeyIdentifiers") => {
            AnchorScope::Format("fido-u2f".into())
        }
        None => return Ok(None),
    };
    let roots = match obj.get("attestationRootCertificates") {
        Some(Value::Array(a)) => a,
        None => return Ok(None),
        Some(_) => return Err("attestationRootCertificates is not an array".into()),
    };
    let mut anchors = Vec::with_capacity(roots.len());
    for (i, r) in roots.iter().enumerate() {
        let der = r
            .as_str()
            .and_then(decode_base64)
            .ok_or_else(|| format!("attestationRootCertificates[{i}] is not base64"))?;
        let anchor = TrustAnchor::from_der(&der)
            .map_err(|e| format!("attestationRootCertificates[{i}]: {e}"))?;
        anchors.push(anchor.with_scope(scope.clone()));
    }
    Ok(Some(anchors))
}

/// Standard base64 (the statements' encoding), tolerating missing padding,
/// whitespace and the URL-safe alphabet.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && *c != '=')
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(cleaned)
        .ok()
}
