//! The conformance vectors as part of `cargo test`: every case under
//! `../shared/conformance/vectors` (or `test-vectors/conformance/vectors`) must
//! pass, except those listed in `test-vectors/known-failures.txt`, exactly as
//! the conformance runner (`examples/conformance.rs`) judges them. Cases needing
//! an algorithm this build leaves out (Ed448 / ML-DSA with the `ed448` / `ml-dsa`
//! features off) are skipped; with both features on none is.

use relypass_testkit::conformance_case::json_files;
use relypass_testkit::conformance_runner::{load_known, run_file, skip_reason, vectors_dir};

#[test]
fn every_conformance_vector_passes() {
    let dir = vectors_dir();
    let known = load_known(&relypass_testkit::repo_root().join("test-vectors/known-failures.txt"))
        .unwrap_or_default();
    let files = json_files(&dir);
    assert!(!files.is_empty(), "no vectors under {}", dir.display());
    let mut failures = Vec::new();
    let mut skipped = 0;
    for f in &files {
        match run_file(f) {
            Ok(r) if skip_reason(&r).is_some() => skipped += 1,
            Ok((name, Err(why), _)) if !known.contains_key(&name) => {
                failures.push(format!("{name}: {why}"))
            }
            Ok(_) => {}
            Err(e) => failures.push(format!("{}: unreadable: {e}", f.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    if cfg!(all(feature = "ed448", feature = "ml-dsa")) {
        assert_eq!(
            skipped, 0,
            "no case may be skipped with ed448 and ml-dsa on"
        );
    } else {
        assert!(skipped <= 6, "{skipped} cases skipped");
    }
}
