//! Strict base64 decoders (RFC 4648) for PEM, JWS and `x5c` values.
//!
//! Kept local so the building blocks depend on no particular base64 crate.
//! Decoding is strict: characters outside the alphabet, misplaced padding and
//! non-zero leftover bits are rejected, so every accepted input has exactly
//! one decoding.

/// Which alphabet and padding rules to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alphabet {
    /// RFC 4648 §4 standard alphabet; padding optional but, if present, correct.
    Standard,
    /// RFC 4648 §5 URL-safe alphabet without padding (RFC 7515 §2 "Base64url").
    UrlNoPad,
}

fn value(alpha: Alphabet, c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' if alpha == Alphabet::Standard => Some(62),
        b'/' if alpha == Alphabet::Standard => Some(63),
        b'-' if alpha == Alphabet::UrlNoPad => Some(62),
        b'_' if alpha == Alphabet::UrlNoPad => Some(63),
        _ => None,
    }
}

/// Decodes `input`; `None` when it is not valid for the alphabet.
pub(crate) fn decode(alpha: Alphabet, input: &[u8]) -> Option<Vec<u8>> {
    let mut data = input;
    if alpha == Alphabet::Standard && input.len().is_multiple_of(4) {
        // Strip at most two '=' (RFC 4648 §3.2), only at the very end.
        if let Some(stripped) = data.strip_suffix(b"==") {
            data = stripped;
        } else if let Some(stripped) = data.strip_suffix(b"=") {
            data = stripped;
        }
    }
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for &c in data {
        let v = value(alpha, c)?;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    // RFC 4648 §3.5: leftover pad bits must be zero for a canonical encoding.
    if acc != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both_alphabets() {
        assert_eq!(decode(Alphabet::Standard, b"Zm9vYg==").unwrap(), b"foob");
        assert_eq!(decode(Alphabet::Standard, b"Zm9vYg").unwrap(), b"foob");
        assert_eq!(decode(Alphabet::Standard, b"Zm9vYmE=").unwrap(), b"fooba");
        assert_eq!(decode(Alphabet::Standard, b"Zm9vYmFy").unwrap(), b"foobar");
        assert_eq!(decode(Alphabet::UrlNoPad, b"-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode(Alphabet::Standard, b"").unwrap(), b"");
    }

    #[test]
    fn rejects_invalid() {
        assert!(decode(Alphabet::UrlNoPad, b"Zm9vYg==").is_none());
        assert!(decode(Alphabet::UrlNoPad, b"+/").is_none());
        assert!(decode(Alphabet::Standard, b"-_").is_none());
        assert!(decode(Alphabet::Standard, b"Zm9vYh==").is_none()); // leftover bits
        assert!(decode(Alphabet::Standard, b"Z").is_none());
        assert!(decode(Alphabet::Standard, b"Zm=v").is_none());
        assert!(decode(Alphabet::Standard, b"Zm9v YmFy").is_none());
    }
}
