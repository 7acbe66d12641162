//! `citations_in_src_agree_with_the_table`: every `§7.x step N` in `src/`
//! quotes the opening words of step N from the step table, or points at the
//! one place that does with `(see …)`; each step the library checks is
//! implemented, in a `//` comment citing it, in exactly one place.

use relypass::internal::spec_steps::{Owner, Section, Step};

/// A run of consecutive comment lines of one kind, joined by spaces.
struct Block {
    file: String,
    line: usize,
    /// `//` (not `///` or `//!`): a comment on the code that implements a step.
    code_comment: bool,
    text: String,
}

fn comment_blocks(file: &str, src: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut prev: Option<(&str, usize)> = None;
    for (i, line) in src.lines().enumerate() {
        let l = line.trim_start();
        let kind = ["//!", "///", "//"].into_iter().find(|k| l.starts_with(k));
        let Some(kind) = kind else {
            prev = None;
            continue;
        };
        let body = l[kind.len()..].trim();
        match (prev, blocks.last_mut()) {
            (Some((k, n)), Some(b)) if k == kind && n + 1 == i => {
                b.text.push(' ');
                b.text.push_str(body);
            }
            _ => blocks.push(Block {
                file: file.to_owned(),
                line: i + 1,
                code_comment: kind == "//",
                text: body.to_owned(),
            }),
        }
        prev = Some((kind, i));
    }
    blocks
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn leading_number(s: &str) -> Option<(u8, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    Some((s[..end].parse().ok()?, &s[end..]))
}

/// Whitespace collapsed, so a quote wrapped over comment lines compares.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks one `§7.x step…` citation (`rest` follows `§7.x `); returns the
/// step it claims to implement, if it quotes one.
fn check_citation(section: Section, rest: &str) -> Result<Option<Step>, String> {
    let label = section.label();
    if let Some(r) = rest.strip_prefix("steps ") {
        // A range, "steps 7–11": a summary, pointing at steps cited one by one.
        let (a, r) = leading_number(r).ok_or(format!("{label} steps without a number"))?;
        let r = r.strip_prefix('–').or(r.strip_prefix('-'));
        let (b, _) = r
            .and_then(leading_number)
            .ok_or(format!("{label} steps {a}: not a range A–B"))?;
        return match (Step::find(section, a), Step::find(section, b)) {
            (Some(_), Some(_)) if a < b => Ok(None),
            _ => Err(format!("{label} steps {a}–{b}: no such range")),
        };
    }
    let r = rest
        .strip_prefix("step ")
        .ok_or(format!("{label} {rest:.20}…: cite as `step N`"))?;
    let (n, r) = leading_number(r).ok_or(format!("{label} step without a number"))?;
    let step = Step::find(section, n).ok_or(format!("{label} step {n}: no such step"))?;
    let want = squash(step.spec().quote);
    if r.starts_with(" (see ") {
        return Ok(None);
    }
    let quoted = r.strip_prefix(" \"").ok_or(format!(
        "{label} step {n}: quote it (\"{want:.40}…\") or say (see …)"
    ))?;
    let end = quoted.find(['"', '…']).unwrap_or(quoted.len());
    let got = squash(&quoted[..end]);
    if got.len() < 10 || !want.starts_with(&got) {
        return Err(format!("{label} step {n} \"{got}\" is not \"{want:.60}…\""));
    }
    Ok(Some(step))
}

#[test]
fn citations_in_src_agree_with_the_table() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut errors = Vec::new();
    let mut implemented: Vec<(Step, String)> = Vec::new();
    let mut count = 0;
    for path in files {
        let name = path.strip_prefix(root).unwrap().display().to_string();
        let src = std::fs::read_to_string(&path).unwrap();
        for b in comment_blocks(&name, &src) {
            for section in [Section::Registration, Section::Authentication] {
                let needle = format!("{} ", section.label());
                for (at, _) in b.text.match_indices(&needle) {
                    count += 1;
                    let rest = &b.text[at + needle.len()..];
                    // "§7.1 (registration)", "every §7.2 step": no step number.
                    let numbered = ["step ", "steps "].iter().any(|p| {
                        rest.strip_prefix(p)
                            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
                    });
                    if !numbered {
                        continue;
                    }
                    let here = format!("{}:{}", b.file, b.line);
                    match check_citation(section, rest) {
                        Err(e) => errors.push(format!("{here}: {e}")),
                        Ok(Some(step)) if b.code_comment => implemented.push((step, here)),
                        Ok(_) => {}
                    }
                }
            }
        }
    }
    assert!(
        count > 50,
        "found only {count} citations: is the scan broken?"
    );
    // One place per step: a second `//` citation must point at the first
    // with "(see …)" instead of quoting the step again.
    for step in Step::all() {
        let at: Vec<&String> = implemented
            .iter()
            .filter(|(s, _)| *s == step)
            .map(|(_, h)| h)
            .collect();
        if at.len() > 1 {
            errors.push(format!("{} implemented in {at:?}", step.spec().cite()));
        }
        if at.is_empty() && step.spec().owner == Owner::Library {
            errors.push(format!("{}: no `//` comment cites it", step.spec().cite()));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_checker_refuses_drifted_citations() {
    let reg = Section::Registration;
    assert!(check_citation(reg, "step 14 \"Verify that the rpIdHash in authData…\"").is_ok());
    // The Level 2 number for rpIdHash, now step 13's words.
    assert!(check_citation(reg, "step 13 \"Verify that the rpIdHash in authData…\"").is_err());
    assert!(check_citation(reg, "step 14: rpIdHash").is_err());
    assert!(check_citation(reg, "step 99 (see x)").is_err());
    assert!(check_citation(reg, "steps 30–31").is_err());
    assert!(check_citation(reg, "steps 7–11").is_ok());
}
