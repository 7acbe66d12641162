//! Comparisons without an early exit, for values an attacker may probe byte by
//! byte (challenges, credential ids, hashes).

/// `encoded == base64url(raw)` (unpadded), without an early exit on content and
/// without building the encoding: `raw` is encoded 48 bytes (64 characters) at a
/// time into a stack buffer and compared piece by piece. Both ceremonies compare
/// the challenge and the credential id this way on every call.
pub(crate) fn b64url_eq(encoded: &[u8], raw: &[u8]) -> bool {
    use base64::Engine;
    const CHUNK: usize = 48;
    // Unpadded length of the encoding: 4 characters per 3 bytes, plus 2 or 3
    // for a trailing 1 or 2 bytes.
    let expected_len = raw.len() / 3 * 4
        + match raw.len() % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        };
    if encoded.len() != expected_len {
        return false;
    }
    let mut diff = 0u8;
    let mut buf = [0u8; CHUNK / 3 * 4];
    let mut rest = encoded;
    for chunk in raw.chunks(CHUNK) {
        let Ok(n) = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_slice(chunk, &mut buf)
        else {
            return false;
        };
        let (Some(mine), Some((theirs, tail))) = (buf.get(..n), rest.split_at_checked(n)) else {
            return false;
        };
        diff |= mine
            .iter()
            .zip(theirs)
            .fold(0u8, |acc, (x, y)| acc | (x ^ y));
        rest = tail;
    }
    diff == 0 && rest.is_empty()
}

/// Equality without an early exit, for values an attacker may probe byte by byte.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::b64url;

    #[test]
    fn b64url_eq_agrees_with_encoding() {
        for len in 0..200usize {
            let raw: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
            let enc = b64url(&raw);
            assert!(b64url_eq(enc.as_bytes(), &raw), "len {len}");
            // Any one changed character, a missing or an extra one, or padding is refused.
            for i in 0..enc.len() {
                let mut bad = enc.clone().into_bytes();
                bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
                assert!(!b64url_eq(&bad, &raw), "len {len} at {i}");
            }
            assert!(!b64url_eq(&enc.as_bytes()[..enc.len().saturating_sub(1)], &raw) || len == 0);
            assert!(!b64url_eq(format!("{enc}A").as_bytes(), &raw));
            if len % 3 != 0 {
                assert!(!b64url_eq(format!("{enc}=").as_bytes(), &raw));
            }
        }
    }
}
