//! A single-pass reader for the plain clientDataJSON every browser sends
//! (§5.8.1.1's serialization: `{"type":…,"challenge":…,"origin":…,
//! "crossOrigin":false}`), the second hot spot of a sign-in after the
//! response JSON (`json::assertion_scan`).
//!
//! It reads only the plain form: the five members [`CollectedClientData`]
//! keeps (`type`, `challenge`, `origin`, `crossOrigin`, `topOrigin`), in any
//! order, each at most once, no whitespace anywhere, strings without escapes,
//! control characters or bytes beyond ASCII, `crossOrigin` as `true` or
//! `false`, nothing after the closing brace. Anything else — an unknown
//! member, an escape, whitespace, `null`, a duplicate, an error of any kind —
//! makes it answer `None`, and the caller parses the same text with
//! `serde_json` and the derived `Deserialize`, which stays the definition of
//! what is accepted. So this reader can only ever agree with `serde_json` or
//! stand aside; `scan_agrees_with_serde_json` (below) and the `client_data`
//! fuzz target check that on every input they see. This is not the "limited
//! verification algorithm" of §5.8.1.2: the whole text is read, and a text
//! this reader does not fully understand goes to the JSON parser.
//!
//! Why: per sign-in (callgrind, `benches/callgrind.sh`), `serde_json` took
//! about 2,160 instructions over a 134-byte clientDataJSON. An earlier
//! general reader of the same kind was slower than `serde_json`; this one
//! is narrow: the five names are matched whole, and each string is searched
//! for its end eight bytes at a time.
//!
//! [`CollectedClientData`]: super::CollectedClientData

use super::Raw;
use std::borrow::Cow;

/// Bytes that end a plain string: the closing quote, and everything the plain
/// form leaves to `serde_json` (an escape, a control character, which JSON
/// forbids raw, and bytes beyond ASCII, so every string cut here is ASCII).
fn is_stop(b: u8) -> bool {
    b == b'"' || b == b'\\' || !(0x20..0x80).contains(&b)
}

/// Reads `text` if it has the plain form (see the module comment), else `None`.
pub(super) fn scan(text: &str) -> Option<Raw<'_>> {
    let s = text.as_bytes();
    if s.first() != Some(&b'{') {
        return None;
    }
    let mut i = 1;
    let mut ty = None;
    let mut challenge = None;
    let mut origin = None;
    let mut cross_origin = None;
    let mut top_origin = None;
    loop {
        // The names are matched whole, quotes and colon included, so an
        // escaped, longer or unknown name matches none of them.
        let rest = s.get(i..)?;
        if let Some(n) = name(rest, b"\"type\":") {
            i = member(text, i + n, &mut ty)?;
        } else if let Some(n) = name(rest, b"\"challenge\":") {
            i = member(text, i + n, &mut challenge)?;
        } else if let Some(n) = name(rest, b"\"origin\":") {
            i = member(text, i + n, &mut origin)?;
        } else if let Some(n) = name(rest, b"\"crossOrigin\":") {
            i += n;
            let rest = s.get(i..)?;
            let (value, len) = if rest.starts_with(b"false") {
                (false, 5)
            } else if rest.starts_with(b"true") {
                (true, 4)
            } else {
                return None;
            };
            once(&mut cross_origin, value)?;
            i += len;
        } else if let Some(n) = name(rest, b"\"topOrigin\":") {
            i = member(text, i + n, &mut top_origin)?;
        } else {
            return None;
        }
        match s.get(i) {
            Some(b',') => i += 1,
            // Only the end of the text may follow the object (trailing
            // whitespace, which serde_json allows, is left to it).
            Some(b'}') if i + 1 == s.len() => break,
            _ => return None,
        }
    }
    Some(Raw {
        ty: Cow::Borrowed(ty?),
        challenge: Cow::Borrowed(challenge?),
        origin: Cow::Borrowed(origin?),
        cross_origin,
        top_origin: top_origin.map(Cow::Borrowed),
    })
}

/// `pattern`'s length if `rest` starts with it.
fn name(rest: &[u8], pattern: &[u8]) -> Option<usize> {
    rest.starts_with(pattern).then_some(pattern.len())
}

/// A string member's value at `i`, stored in `slot` unless one was seen
/// already (a duplicate, which the derived code refuses); the position after it.
fn member<'a>(text: &'a str, i: usize, slot: &mut Option<&'a str>) -> Option<usize> {
    let (value, after) = string(text, i)?;
    once(slot, value)?;
    Some(after)
}

/// The plain string that starts with the quote at `i`, and the position after
/// its closing quote; `None` if there is no quote at `i` or the string holds a
/// stop byte ([`is_stop`]) other than its closing quote.
fn string(text: &str, i: usize) -> Option<(&str, usize)> {
    let s = text.as_bytes();
    if s.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    let len = stop(s.get(start..)?)?;
    let end = start + len;
    if s.get(end) != Some(&b'"') {
        return None;
    }
    // Cut at ASCII quotes, so on character boundaries; `get` keeps a mistake
    // from becoming a panic.
    Some((text.get(start..end)?, end + 1))
}

/// The position of the first stop byte ([`is_stop`]) in `s`, eight bytes at a time.
///
/// In each 8-byte word, a byte is flagged (its high bit set in `m`) if it is
/// zero after XOR with `"` or `\`, below 0x20, or at least 0x80. The
/// subtractions borrow only out of a flagged byte, into the bytes after it,
/// so the first flagged byte is the first stop byte; the few bytes after
/// the last whole word are tested one by one. (The four terms flag disjoint
/// classes of bytes, so at the first stop byte exactly one of them is set and
/// below it none: `^` in place of `|` finds the same byte, the three
/// equivalent mutants of docs/mutation-testing.md.)
fn stop(s: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let mut words = s.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().ok()?);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let m = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w)
            | w;
        let m = m & HIGH;
        if m != 0 {
            return Some(at + (m.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let tail = words.remainder().iter().position(|&b| is_stop(b))?;
    Some(at + tail)
}

/// Sets a member seen for the first time; a second sighting is a duplicate.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client_data::{ClientDataType, CollectedClientData};

    /// What Chrome, Firefox and Safari send (§5.8.1.1 member order).
    const PLAIN: &str = r#"{"type":"webauthn.get","challenge":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI","origin":"https://login.example.com","crossOrigin":false}"#;

    /// The reader's answer, after checking it against `serde_json`: when the
    /// reader reads a text, `serde_json` reads the same text to the same value.
    fn checked(text: &str) -> Option<CollectedClientData<'_>> {
        let (fast, slow) = CollectedClientData::both_readers(text);
        if let Some(fast) = &fast {
            let slow = slow.unwrap_or_else(|e| {
                panic!("the reader read what serde_json refuses ({e}): {text}")
            });
            assert_eq!(fast, &slow, "{text}");
        }
        fast
    }

    fn read(text: &str) -> CollectedClientData<'_> {
        checked(text).unwrap_or_else(|| panic!("the reader stood aside: {text}"))
    }

    #[test]
    fn plain_client_data_is_read_member_by_member() {
        let c = read(PLAIN);
        assert_eq!(c.ty, Some(ClientDataType::Get));
        assert_eq!(c.challenge, "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI");
        assert_eq!(c.origin, "https://login.example.com");
        assert_eq!(c.cross_origin, Some(false));
        assert_eq!(c.top_origin, None);
        // Borrowed, not copied.
        assert!(matches!(c.challenge, Cow::Borrowed(_)));
        let c = read(
            r#"{"type":"webauthn.create","challenge":"","origin":"https://a.example","crossOrigin":true,"topOrigin":"https://b.example"}"#,
        );
        assert_eq!(c.ty, Some(ClientDataType::Create));
        assert_eq!(c.challenge, "");
        assert_eq!(c.cross_origin, Some(true));
        assert_eq!(c.top_origin.as_deref(), Some("https://b.example"));
        let c = read(r#"{"type":"payment.get","challenge":"abc","origin":"x"}"#);
        assert_eq!(c.ty, None);
        assert_eq!(c.cross_origin, None);
    }

    /// The members in every order: the reader reads each, as serde_json does.
    #[test]
    fn member_order_does_not_matter() {
        let members = [
            r#""type":"webauthn.get""#,
            r#""challenge":"AgICAgICAgI""#,
            r#""origin":"https://login.example.com""#,
            r#""crossOrigin":true"#,
            r#""topOrigin":"https://top.example""#,
        ];
        let all = format!("{{{}}}", members.join(","));
        let expected = read(&all);
        assert_eq!(expected.top_origin.as_deref(), Some("https://top.example"));
        let mut order = [0, 1, 2, 3, 4];
        let mut count = 0;
        permute(&mut order, 0, &mut |order| {
            let text = format!(
                "{{{}}}",
                order
                    .iter()
                    .map(|&m| members[m])
                    .collect::<Vec<_>>()
                    .join(",")
            );
            assert_eq!(read(&text), expected, "{text}");
            count += 1;
        });
        assert_eq!(count, 120);
    }

    fn permute(order: &mut [usize; 5], k: usize, f: &mut dyn FnMut(&[usize; 5])) {
        if k == order.len() {
            return f(order);
        }
        for j in k..order.len() {
            order.swap(k, j);
            permute(order, k + 1, f);
            order.swap(k, j);
        }
    }

    /// What the reader leaves to `serde_json`: each still parses (or fails) there.
    #[test]
    fn anything_beyond_the_plain_form_is_left_to_serde_json() {
        let stand_aside = [
            // Read by serde_json: whitespace, escapes, unknown members, null,
            // text beyond ASCII.
            PLAIN.replace(',', ", "),
            PLAIN.replace(':', " :"),
            format!(" {PLAIN}"),
            format!("{PLAIN} "),
            format!("{PLAIN}\n"),
            PLAIN.replace(r#""origin""#, r#""orig\u0069n""#),
            PLAIN.replace("https://", r"https:\/\/"),
            PLAIN.replace("login", "lögin"),
            PLAIN.replace("false", "null"),
            PLAIN.replace(
                r#""crossOrigin":false"#,
                r#""crossOrigin":false,"other_keys_can_be_added_here":"x""#,
            ),
            PLAIN.replace(r#""type""#, r#""typ""#),
            PLAIN.replace(r#""type""#, r#""types""#),
            PLAIN.replace(r#""crossOrigin":false"#, r#""topOrigin":null"#),
            // Refused by serde_json too: duplicates, missing members, wrong
            // types, trailing bytes, control characters.
            PLAIN.replace(
                r#""crossOrigin":false"#,
                r#""crossOrigin":false,"crossOrigin":false"#,
            ),
            PLAIN.replace(
                r#""crossOrigin":false"#,
                r#""crossOrigin":false,"origin":"x""#,
            ),
            PLAIN.replace(
                r#""crossOrigin":false"#,
                r#""crossOrigin":false,"type":"webauthn.get""#,
            ),
            PLAIN.replace(
                r#""crossOrigin":false"#,
                r#""crossOrigin":false,"challenge":"x""#,
            ),
            PLAIN.replace(
                r#""crossOrigin":false"#,
                r#""topOrigin":"a","topOrigin":"a""#,
            ),
            PLAIN.replace(r#""crossOrigin":false"#, r#""crossOrigin":"false""#),
            PLAIN.replace("false", "fals"),
            PLAIN.replace("false", "falsey"),
            PLAIN.replace("false", "0"),
            PLAIN.replace(r#""webauthn.get""#, "1"),
            PLAIN.replace(r#","origin":"https://login.example.com""#, ""),
            PLAIN.replace(r#""type":"webauthn.get","#, ""),
            PLAIN.replace(
                r#""challenge":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI","#,
                "",
            ),
            format!("{PLAIN}}}"),
            format!("{PLAIN},"),
            format!("{PLAIN}x"),
            PLAIN.replace("login", "log\tin"),
            PLAIN.replace(",", ",,"),
            PLAIN.replace("{", "{,"),
            PLAIN.replace("}", ",}"),
            "{}".into(),
            "{".into(),
            "[]".into(),
            String::new(),
        ];
        for text in &stand_aside {
            assert!(checked(text).is_none(), "{text}");
        }
        // DEL (0x7f) is no control character for JSON: read by both.
        let del = PLAIN.replace("login", "log\u{7f}in");
        assert_eq!(read(&del).origin, "https://log\u{7f}in.example.com");
    }

    /// Every prefix, and every byte replaced by each JSON-significant
    /// character: wherever the reader still reads the text, serde_json agrees.
    #[test]
    fn scan_agrees_with_serde_json() {
        use crate::json::differential::{each_byte_replaced, prefixes_read};
        for base in [
            PLAIN,
            r#"{"topOrigin":"https://t.example","crossOrigin":true,"origin":"o","challenge":"c","type":"webauthn.create"}"#,
        ] {
            assert_eq!(
                prefixes_read(base, |t| checked(t).is_some()),
                1,
                "only the whole text is client data"
            );
            let significant = [
                b'"', b'\\', b'{', b'}', b',', b':', b' ', b'A', b'n', b't', b'e', b'\n', 0x01,
                0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xff,
            ];
            each_byte_replaced(base, &significant, |text| {
                checked(text);
            });
            // A two-byte character in place of each byte.
            for i in 0..base.len() {
                let mut b = base.as_bytes().to_vec();
                b.splice(i..=i, "é".bytes());
                checked(core::str::from_utf8(&b).unwrap());
            }
        }
    }

    /// The word-at-a-time search finds what testing byte by byte finds, for every byte
    /// value at every position of texts around the word size, with and
    /// without a second stop byte after it.
    #[test]
    fn stop_agrees_with_byte_by_byte() {
        let one_by_one = |s: &[u8]| s.iter().position(|&b| is_stop(b));
        for len in 0..=24 {
            let plain = vec![b'a'; len];
            assert_eq!(stop(&plain), None);
            for at in 0..len {
                for v in 0..=255u8 {
                    let mut s = plain.clone();
                    s[at] = v;
                    assert_eq!(stop(&s), one_by_one(&s), "{len} {at} {v}");
                    for later in at + 1..len {
                        for w in [b'"', b'\\', 0, 0x1f, 0x80, 0xff] {
                            let mut t = s.clone();
                            t[later] = w;
                            assert_eq!(stop(&t), one_by_one(&t), "{len} {at} {v} {later} {w}");
                        }
                    }
                }
            }
        }
        // The bytes just outside each class are no stop bytes.
        for v in [b'!', b'#', b'[', b']', 0x20, 0x7f] {
            assert_eq!(stop(&[v; 9]), None, "{v}");
        }
    }
}
