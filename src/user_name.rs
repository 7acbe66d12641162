//! Account names and display names that cannot spoof one another.
//!
//! A user's `name` is shown by passkey providers in their account pickers and
//! by hosts in admin pages; two names that render alike ("alice" and "аlice"
//! with a Cyrillic а, or "alice" with a zero-width space or a right-to-left
//! override inside) let one person pass for another. The rules follow the
//! spirit of PRECIS (RFC 8264/8265, the `UsernameCaseMapped` profile), kept
//! small enough to state here:
//!
//! * fullwidth and halfwidth forms are mapped to their ordinary forms, then
//!   the text is lower-cased and put in Unicode Normalization Form C, so one
//!   name has one stored spelling (what `UsernameCaseMapped` does);
//! * allowed: printable ASCII except space, and beyond ASCII letters, marks
//!   (not first) and decimal digits; refused: controls, format characters
//!   (zero-width space and joiners, bidi embeddings, overrides and isolates,
//!   soft hyphen, byte-order mark), separators (every space), private-use,
//!   unassigned code points, and non-ASCII punctuation and symbols (which hold
//!   most look-alikes of ASCII punctuation);
//! * 1 to [`MAX_USER_NAME_BYTES`](crate::limits::MAX_USER_NAME_BYTES) bytes
//!   after mapping.
//!
//! Display names are free text ("Alice Example", emoji): NFC, spaces allowed,
//! but the same invisible and direction-changing characters are refused (so are
//! emoji joined by a zero-width joiner: the price of refusing invisible ones).
//!
//! Mixed-script confusables ("раураl" in Cyrillic) are not detected: that needs
//! the Unicode confusables data and a per-site policy; hosts that need it add it.

use crate::error::{Error, Result};
use crate::limits::{MAX_DISPLAY_NAME_BYTES, MAX_USER_NAME_BYTES};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// The one stored spelling of an account name, or why it is refused: map
/// width, lower-case, NFC, then check every character (module docs above).
/// Call it on the name a user types at sign-up **and** at sign-in by name;
/// [`Passkeys::start_registration`](crate::Passkeys::start_registration) refuses
/// a `User` whose name is not already in this form.
pub fn normalize_user_name(input: &str) -> Result<String> {
    map_user_name(input, true)
}

/// Whether `name` is acceptable as stored: the character rules hold and it is
/// already width-mapped and in NFC (case is the host's choice: a host that
/// keeps "Alice" and "alice" apart must make its store compare them itself).
/// [`Passkeys::start_registration`](crate::Passkeys::start_registration) refuses
/// other names, so no spoofing name reaches a passkey provider's account list.
pub(crate) fn check_user_name(name: &str) -> Result<()> {
    if map_user_name(name, false)? == name {
        Ok(())
    } else {
        Err(invalid(
            "not in normalized form (use relypass::normalize_user_name)",
        ))
    }
}

fn map_user_name(input: &str, lower: bool) -> Result<String> {
    let mapped: String = input
        .chars()
        .flat_map(|c| {
            // Fullwidth and halfwidth forms (U+FF00..U+FFEF) to their ordinary
            // compatibility forms; every other character is left to NFC.
            let width_form = ('\u{FF00}'..='\u{FFEF}').contains(&c);
            let mut buf = Vec::new();
            if width_form {
                buf.extend(std::iter::once(c).nfkc());
            } else {
                buf.push(c);
            }
            buf
        })
        .flat_map(|c| {
            let mut out: Vec<char> = Vec::with_capacity(1);
            if lower {
                out.extend(c.to_lowercase());
            } else {
                out.push(c);
            }
            out
        })
        .nfc()
        .collect();
    if mapped.is_empty() {
        return Err(invalid("empty"));
    }
    if mapped.len() > MAX_USER_NAME_BYTES {
        return Err(invalid("too long"));
    }
    for (i, c) in mapped.chars().enumerate() {
        if c.is_ascii() {
            if !c.is_ascii_graphic() {
                return Err(invalid("spaces and control characters are not allowed"));
            }
            continue;
        }
        let category = c.general_category();
        let group = c.general_category_group();
        let allowed = match group {
            GeneralCategoryGroup::Letter => true,
            GeneralCategoryGroup::Mark => i > 0,
            GeneralCategoryGroup::Number => category == GeneralCategory::DecimalNumber,
            _ => false,
        };
        if !allowed {
            return Err(invalid(reason(category)));
        }
    }
    Ok(mapped)
}

/// Checks a display name: free text in NFC without controls, invisible format
/// characters or direction overrides, 1 to
/// [`MAX_DISPLAY_NAME_BYTES`](crate::limits::MAX_DISPLAY_NAME_BYTES) bytes.
/// Returns it in NFC.
pub fn normalize_display_name(input: &str) -> Result<String> {
    let nfc: String = input.nfc().collect();
    if nfc.trim().is_empty() {
        return Err(invalid("empty"));
    }
    if nfc.len() > MAX_DISPLAY_NAME_BYTES {
        return Err(invalid("too long"));
    }
    for c in nfc.chars() {
        let category = c.general_category();
        let group = c.general_category_group();
        let allowed = match category {
            GeneralCategory::SpaceSeparator => true,
            _ => !matches!(
                group,
                GeneralCategoryGroup::Other | GeneralCategoryGroup::Separator
            ),
        };
        if !allowed {
            return Err(invalid(reason(category)));
        }
    }
    Ok(nfc)
}

fn reason(category: GeneralCategory) -> &'static str {
    match category {
        GeneralCategory::Control => "control characters are not allowed",
        GeneralCategory::Format => {
            "invisible formatting characters (zero-width, bidi controls) are not allowed"
        }
        GeneralCategory::PrivateUse | GeneralCategory::Unassigned | GeneralCategory::Surrogate => {
            "unassigned or private-use characters are not allowed"
        }
        GeneralCategory::SpaceSeparator
        | GeneralCategory::LineSeparator
        | GeneralCategory::ParagraphSeparator => "spaces are not allowed",
        _ => "punctuation and symbols beyond ASCII are not allowed",
    }
}

fn invalid(reason: &'static str) -> Error {
    Error::InvalidUserName { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_per_name() {
        assert_eq!(normalize_user_name("Alice").unwrap(), "alice");
        assert_eq!(normalize_user_name("ａｌｉｃｅ").unwrap(), "alice"); // fullwidth
        // "é" precomposed and decomposed are one name.
        assert_eq!(
            normalize_user_name("Jose\u{301}").unwrap(),
            normalize_user_name("Jos\u{e9}").unwrap()
        );
        assert_eq!(
            normalize_user_name("alice@example.com").unwrap(),
            "alice@example.com"
        );
        assert_eq!(normalize_user_name("Ärger_99").unwrap(), "ärger_99");
        assert_eq!(normalize_user_name("名前").unwrap(), "名前");
    }

    #[test]
    fn spoofing_characters_are_refused() {
        for bad in [
            "ali\u{200B}ce",         // zero-width space
            "ali\u{200D}ce",         // zero-width joiner
            "\u{202E}ecila",         // right-to-left override
            "ali\u{2066}ce\u{2069}", // isolates
            "ali\u{AD}ce",           // soft hyphen
            "\u{FEFF}alice",         // byte-order mark
            "ali ce",                // space
            "ali\u{A0}ce",           // no-break space
            "ali\u{3000}ce",         // ideographic space
            "ali\u{7}ce",            // control
            "alice\u{E000}",         // private use
            "alice\u{2044}x",        // fraction slash (looks like '/')
            "\u{301}alice",          // leading combining mark
            "",
        ] {
            assert!(
                matches!(normalize_user_name(bad), Err(Error::InvalidUserName { .. })),
                "{bad:?} was accepted"
            );
        }
        let long = "a".repeat(MAX_USER_NAME_BYTES + 1);
        assert!(normalize_user_name(&long).is_err());
        assert!(normalize_user_name(&"a".repeat(MAX_USER_NAME_BYTES)).is_ok());
    }

    #[test]
    fn registration_takes_only_names_already_in_stored_form() {
        assert!(check_user_name("QEDMwyUGMT8Az24vdhkA").is_ok()); // case is kept
        assert!(check_user_name("alice@example.com").is_ok());
        assert!(check_user_name("ａｌｉｃｅ").is_err()); // fullwidth: not mapped yet
        assert!(check_user_name("Jose\u{301}").is_err()); // not NFC
        assert!(check_user_name("ali\u{200B}ce").is_err());
    }

    #[test]
    fn display_names_are_free_text_without_invisible_controls() {
        assert_eq!(
            normalize_display_name("Alice Example").unwrap(),
            "Alice Example"
        );
        assert_eq!(normalize_display_name("Zoë 🦀").unwrap(), "Zoë 🦀");
        for bad in [
            "Alice\u{202E}elpmaxE",
            "Al\u{200B}ice",
            "Alice\n",
            "   ",
            "",
        ] {
            assert!(normalize_display_name(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
