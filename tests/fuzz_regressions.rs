//! Fuzz regressions and fuzz-harness sanity, run by `cargo test`.
//!
//! - Every file under `test-vectors/fuzz-regressions/TARGET/` is replayed through
//!   the same harness function the fuzz target `TARGET` runs (the harness source
//!   is shared with `fuzz/` by path), and must return rather than panic.
//! - Inputs found by fuzzing are also kept inline below, one test each, with what
//!   was wrong.
//! - The harness is checked to reach verification on the unmutated conformance
//!   cases, so the fuzzers start from inputs that pass every check.

#[path = "../fuzz/src/harness.rs"]
#[allow(dead_code)]
mod harness;

#[path = "../fuzz/src/mutate.rs"]
#[allow(dead_code)]
mod mutate;

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `data` through the harness of fuzz target `target`.
fn run_target(target: &str, data: &[u8]) {
    match target {
        "client_data" => {
            harness::client_data(data);
        }
        "authenticator_data" => {
            harness::authenticator_data(data);
        }
        "attestation_object" => {
            harness::attestation_object(data);
        }
        "cose_key" => {
            harness::cose_key(data);
        }
        "registration_json" => {
            harness::registration_json(data);
        }
        "authentication_json" => {
            harness::authentication_json(data);
        }
        "finish_registration" => {
            harness::finish_registration(data);
        }
        "finish_authentication" => {
            harness::finish_authentication(data);
        }
        "tpm_structures" => {
            harness::tpm_structures(data);
        }
        "x509_path" => {
            harness::x509_path(data);
        }
        "jws" => {
            harness::jws(data);
        }
        "android_key_description" => {
            harness::android_key_description(data);
        }
        "attestation_statement" => {
            harness::attestation_statement(data);
        }
        other => panic!("test-vectors/fuzz-regressions/{other}: no such fuzz target"),
    }
}

#[test]
fn replay_regression_files() {
    let dir = root().join("test-vectors/fuzz-regressions");
    let Ok(targets) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut n = 0;
    for t in targets.flatten().filter(|e| e.path().is_dir()) {
        let target = t.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(t.path()).into_iter().flatten().flatten() {
            let data = std::fs::read(f.path()).expect("readable regression input");
            run_target(&target, &data);
            n += 1;
        }
    }
    eprintln!("replayed {n} fuzz regression inputs");
}

/// The conformance cases this build can run (those needing an algorithm
/// behind a feature that is off are left out; CI runs them with it on).
fn cases() -> Vec<(String, serde_json::Value)> {
    let dir = root().join("test-vectors/conformance/vectors");
    harness::conformance_case::json_files(&dir)
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).expect("readable case");
            let v: serde_json::Value = serde_json::from_str(&text).expect("case JSON");
            let name = v["name"].as_str().unwrap_or_default().to_owned();
            (name, v)
        })
        .filter(|(_, v)| harness::conformance_case::unbuilt_algorithm(v).is_none())
        .collect()
}

fn known_failures() -> Vec<String> {
    std::fs::read_to_string(root().join("test-vectors/known-failures.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn harness_verifies_the_valid_conformance_cases() {
    let known = known_failures();
    let mut checked = 0;
    for (name, case) in cases() {
        let valid = case["expected"].as_str() == Some("valid");
        let outcome = match case["ceremony"].as_str() {
            Some("registration") => harness::finish_registration_case(&case),
            Some("authentication") => harness::finish_authentication_case(&case),
            _ => continue,
        };
        if known.contains(&name) {
            continue;
        }
        if valid {
            assert!(
                outcome.is_verified(),
                "{name}: the fuzz harness does not verify a valid case: {outcome:?}"
            );
        } else {
            // (Some invalid cases are refused by the RP configuration already.)
            assert!(
                !outcome.is_verified(),
                "{name}: the fuzz harness verifies an invalid case"
            );
        }
        checked += 1;
    }
    assert!(checked > 20, "only {checked} cases checked");
}

#[test]
fn parse_harnesses_accept_the_conformance_fields() {
    use relypass::json::b64url_decode;
    use sha2::{Digest, Sha256};
    let mut none_accepted = 0;
    for (name, case) in cases() {
        let r = &case["response"]["response"];
        let field = |k: &str| r[k].as_str().and_then(b64url_decode);
        let cdj = field("clientDataJSON").expect("clientDataJSON");
        assert!(harness::client_data(&cdj), "{name}");
        let json = case["response"].to_string();
        match case["ceremony"].as_str() {
            Some("registration") => {
                assert!(harness::registration_json(json.as_bytes()), "{name}");
                let mut input = case["now"]
                    .as_u64()
                    .unwrap_or(harness::DEFAULT_NOW)
                    .to_be_bytes()
                    .to_vec();
                input.extend_from_slice(&Sha256::digest(&cdj));
                input.extend_from_slice(&field("attestationObject").expect("attObj"));
                let accepted = harness::attestation_object(&input);
                if name.starts_with("none/") && accepted {
                    none_accepted += 1;
                }
            }
            Some("authentication") => {
                assert!(harness::authentication_json(json.as_bytes()), "{name}");
                let ad = field("authenticatorData").expect("authData");
                assert!(harness::authenticator_data(&ad), "{name}");
            }
            _ => {}
        }
    }
    assert!(
        none_accepted > 3,
        "the attestation harness accepts no `none` case"
    );
}

/// Runs `data` through the harness of `target`; the result when the target
/// reports one (whether its input reached the check it is there for).
fn reached(target: &str, data: &[u8]) -> Option<bool> {
    Some(match target {
        "tpm_structures" => harness::tpm_structures(data),
        "x509_path" => harness::x509_path(data),
        "jws" => harness::jws(data),
        "android_key_description" => harness::android_key_description(data),
        "attestation_statement" => harness::attestation_statement(data),
        _ => {
            run_target(target, data);
            return None;
        }
    })
}

/// The seeds of the format-level targets, cut from the real vectors and the
/// synthetic statements, reach what each target is for: the statement of
/// every format verifies (directly, under `Any` and `Trusted`, and inside a
/// compound statement), every TPM certInfo names its pubArea, real chains
/// reach the built-in anchors, the SafetyNet JWS verifies and android-key
/// certificates carry a KeyDescription. Otherwise the fuzzers would start from
/// inputs refused at the first check.
#[test]
fn format_seeds_reach_the_checks() {
    use std::collections::BTreeMap;
    let synthetic = root().join("test-vectors/attestation");
    let mut all = cases();
    for f in std::fs::read_dir(&synthetic)
        .expect("synthetic statements")
        .flatten()
    {
        let p = f.path();
        if p.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&p).expect("readable case");
            all.push((
                p.display().to_string(),
                serde_json::from_str(&text).expect("JSON"),
            ));
        }
    }
    let known = known_failures();
    // (target, suffix, format) → (inputs, inputs that reached the check)
    let mut tally: BTreeMap<(&str, &str, String), (usize, usize)> = BTreeMap::new();
    for (name, case) in &all {
        let seeds = harness::seeds::seeds_of(case).unwrap_or_else(|e| panic!("{name}: {e}"));
        let valid = case["expected"].as_str() != Some("invalid") && !known.contains(name);
        let fmt = case["response"]["response"]["attestationObject"]
            .as_str()
            .and_then(relypass::json::b64url_decode)
            .and_then(|a| {
                relypass::internal::attestation::AttestationObject::parse(&a)
                    .ok()
                    .map(|o| o.fmt().to_owned())
            })
            .unwrap_or_default();
        for (target, suffix, data) in seeds {
            let Some(ok) = reached(target, &data) else {
                continue;
            };
            // Only the real vectors that are valid must verify; the synthetic
            // statements and invalid cases each break one check on purpose.
            let must = valid && !name.starts_with(synthetic.to_str().unwrap_or("-"));
            // Under `Trusted` only the cases that name their anchors must reach
            // one (the built-in set holds them; not every vendor's root is in it).
            let trusted_case = case["policy"]["attestation"].as_str() == Some("trusted");
            if must && target == "attestation_statement" && (suffix != "trusted" || trusted_case) {
                assert!(ok, "{name}: {target}.{suffix} does not verify");
            }
            let e = tally.entry((target, suffix, fmt.clone())).or_default();
            e.0 += 1;
            e.1 += usize::from(ok);
        }
    }
    let reached = |target: &str, suffix: &str, fmt: &str| {
        tally
            .get(&(target, suffix, fmt.to_owned()))
            .map_or(0, |e| e.1)
    };
    // Every format but compound, whose seeds are wrapped real statements.
    for fmt in harness::STATEMENT_FORMATS
        .into_iter()
        .filter(|f| *f != "compound")
    {
        assert!(reached("attestation_statement", "", fmt) > 0, "{fmt}");
        if fmt != "none" {
            assert!(
                reached("attestation_statement", "trusted", fmt) > 0,
                "{fmt}"
            );
            assert!(
                reached("attestation_statement", "compound", fmt) > 0,
                "{fmt}"
            );
        }
    }
    let tpm = tally[&("tpm_structures", "", "tpm".to_owned())];
    assert_eq!(
        tpm.0, tpm.1,
        "a real TPM certInfo does not name its pubArea"
    );
    assert!(tpm.0 >= 7);
    for fmt in ["packed", "fido-u2f", "tpm", "android-key", "apple"] {
        assert!(
            reached("x509_path", "", fmt) > 0,
            "no {fmt} chain reaches an anchor"
        );
    }
    assert!(reached("x509_path", "jws", "android-safetynet") > 0);
    assert!(reached("jws", "", "android-safetynet") > 1);
    assert!(reached("android_key_description", "cert", "android-key") > 2);
    assert!(reached("android_key_description", "ext", "android-key") > 2);
    for ((target, suffix, fmt), (n, ok)) in &tally {
        eprintln!("{target}.{suffix} {fmt}: {ok} of {n} reached the check");
    }
}

/// The structure-aware mutator keeps a case a JSON case: a mutation that broke
/// the JSON (a field that did not decode, a truncated case) would send the
/// fuzzer off mutating JSON syntax instead of the ceremony's inputs.
#[test]
fn mutator_keeps_cases_json() {
    let mut total = 0;
    for (name, case) in cases() {
        let orig = serde_json::to_vec(&case).expect("serializes");
        for i in 0..40u32 {
            let mut buf = vec![0u8; 1 << 16];
            buf[..orig.len()].copy_from_slice(&orig);
            // A stand-in for libFuzzer's byte mutator: flip a bit, sometimes append.
            let mut r = mutate::Rng::new(i.wrapping_mul(2654435761));
            let mut flip = |d: &mut [u8], size: usize, max: usize| -> usize {
                let n = size.min(max);
                if n > 0 {
                    let k = r.below(n);
                    d[k] ^= 1 << r.below(8);
                }
                if r.below(3) == 0 && n < max {
                    d[n] = r.next() as u8;
                    return n + 1;
                }
                n
            };
            let max = buf.len();
            let n = mutate::mutate_case(&mut buf, orig.len(), max, i, &mut flip);
            let out: serde_json::Value = serde_json::from_slice(&buf[..n])
                .unwrap_or_else(|e| panic!("{name}: mutation {i} broke the JSON: {e}"));
            // Exactly one field differs, so most of the case is intact.
            assert_eq!(out["rp"], case["rp"], "{name}");
            total += 1;
        }
    }
    assert!(total > 1000);
}

// ---- inputs found by fuzzing --------------------------------------------------
//
// (Each: the target, the bytes, what went wrong, where it was fixed.)
