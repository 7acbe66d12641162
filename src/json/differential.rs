//! Test support for the one-pass readers (`json::assertion_scan`,
//! `client_data::scan`), each checked against `serde_json` on the texts
//! around a plain one: its prefixes, and the text with one byte replaced.

/// Calls `reads` on every prefix of `base` (the whole text included) and
/// answers for how many of them it said yes.
pub(crate) fn prefixes_read(base: &str, mut reads: impl FnMut(&str) -> bool) -> usize {
    (0..=base.len())
        .filter_map(|end| base.get(..end))
        .filter(|prefix| reads(prefix))
        .count()
}

/// Calls `check` on every text made from `base` by replacing one byte with
/// one of `bytes` (those replacements that leave valid UTF-8).
pub(crate) fn each_byte_replaced(base: &str, bytes: &[u8], mut check: impl FnMut(&str)) {
    for i in 0..base.len() {
        for &c in bytes {
            let mut b = base.as_bytes().to_vec();
            b[i] = c;
            if let Ok(text) = core::str::from_utf8(&b) {
                check(text);
            }
        }
    }
}
