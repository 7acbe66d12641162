//! Strict base64 (RFC 4648) for PEM, JWS and `x5c` values: the `base64`
//! crate's engines, configured once here.
//!
//! Decoding is strict: characters outside the alphabet, misplaced padding and
//! non-zero leftover bits are rejected, so every accepted input has exactly
//! one decoding. (This replaced a hand-written decoder; the crate is already
//! a dependency and its strict modes are exactly these rules.)

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Which alphabet and padding rules to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alphabet {
    /// RFC 4648 §4 standard alphabet; padding optional but, if present, correct
    /// (certificates in PEM and `x5c` arrive both ways).
    Standard,
    /// RFC 4648 §5 URL-safe alphabet without padding (RFC 7515 §2 "Base64url").
    UrlNoPad,
}

/// Standard alphabet with canonical padding, zero leftover bits.
const STANDARD_PADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(false),
);

/// Standard alphabet without padding, zero leftover bits.
const STANDARD_NO_PAD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// URL-safe alphabet, padding refused, zero leftover bits.
const URL_NO_PAD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Decodes `input`; `None` when it is not valid for the alphabet.
pub(crate) fn decode(alpha: Alphabet, input: &[u8]) -> Option<Vec<u8>> {
    let engine = match alpha {
        // Padding is optional, but when present it must be exactly the
        // canonical padding (the crate's `Indifferent` mode would also take a
        // partial one, giving one value two encodings).
        Alphabet::Standard if input.contains(&b'=') => &STANDARD_PADDED,
        Alphabet::Standard => &STANDARD_NO_PAD,
        Alphabet::UrlNoPad => &URL_NO_PAD,
    };
    engine.decode(input).ok()
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
        assert!(decode(Alphabet::Standard, b"Zm9vYg=").is_none()); // short padding
        assert!(decode(Alphabet::Standard, b"Zm9vYmFy====").is_none());
        assert!(decode(Alphabet::UrlNoPad, b"Zm9vYh").is_none()); // leftover bits
    }
}
