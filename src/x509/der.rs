//! A small, bounded DER (ITU-T X.690) reader used by the attestation parsers.
//!
//! It only reads definite-length encodings (DER forbids the indefinite form),
//! supports multi-byte ("high") tag numbers up to 2^28 - 1 (the Android key
//! description uses context tags such as `[600]` and `[702]`), and never
//! allocates: every value is a sub-slice of the input, and every length is
//! checked against the bytes actually remaining.

/// Errors of the DER reader. Callers map them into their own error types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DerError {
    /// Input ended inside a tag, a length or a value.
    Truncated,
    /// A tag was not minimally encoded or its number is too large.
    BadTag,
    /// Indefinite, non-minimal or oversized length.
    BadLength,
    /// An element with another tag than the expected one was found.
    UnexpectedTag,
    /// An INTEGER is empty, not minimally encoded, or does not fit an i64.
    BadInteger,
    /// Bytes were left after the last expected element.
    TrailingData,
}

/// ASN.1 tag classes (X.690 §8.1.2.2).
pub(crate) const CLASS_UNIVERSAL: u8 = 0;
/// Context-specific class.
pub(crate) const CLASS_CONTEXT: u8 = 2;

/// Universal tag numbers used here.
pub(crate) const TAG_INTEGER: u32 = 2;
pub(crate) const TAG_BIT_STRING: u32 = 3;
pub(crate) const TAG_OCTET_STRING: u32 = 4;
pub(crate) const TAG_NULL: u32 = 5;
pub(crate) const TAG_OID: u32 = 6;
pub(crate) const TAG_ENUMERATED: u32 = 10;
pub(crate) const TAG_SEQUENCE: u32 = 16;
pub(crate) const TAG_SET: u32 = 17;

/// One decoded TLV.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// Tag class (0 universal, 1 application, 2 context, 3 private).
    pub class: u8,
    /// Constructed bit.
    pub constructed: bool,
    /// Tag number.
    pub tag: u32,
    /// Contents octets.
    pub value: &'a [u8],
    /// The whole encoding: identifier, length and contents octets.
    pub raw: &'a [u8],
}

impl Tlv<'_> {
    /// True when this TLV has the given class, form and number.
    pub(crate) fn is(&self, class: u8, constructed: bool, tag: u32) -> bool {
        self.class == class && self.constructed == constructed && self.tag == tag
    }
}

/// Sequential reader over a byte slice holding zero or more TLVs.
#[derive(Debug, Clone)]
pub(crate) struct DerReader<'a> {
    rest: &'a [u8],
}

impl<'a> DerReader<'a> {
    /// Reader over `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    /// True when no bytes remain.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Fails with `TrailingData` unless every byte was consumed.
    pub(crate) fn finish(&self) -> Result<(), DerError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DerError::TrailingData)
        }
    }

    fn byte(&mut self) -> Result<u8, DerError> {
        let (&b, rest) = self.rest.split_first().ok_or(DerError::Truncated)?;
        self.rest = rest;
        Ok(b)
    }

    /// Reads the next TLV.
    pub(crate) fn read(&mut self) -> Result<Tlv<'a>, DerError> {
        let start = self.rest;
        let first = self.byte()?;
        let class = first >> 6;
        let constructed = first & 0x20 != 0;
        let mut tag = u32::from(first & 0x1f);
        if tag == 0x1f {
            // X.690 §8.1.2.4: high tag number form, base 128, most significant
            // group first; DER requires the minimal encoding (no leading 0x80)
            // and that the number really needs the long form (>= 31).
            tag = 0;
            let mut groups = 0u8;
            loop {
                let b = self.byte()?;
                if groups == 0 && b == 0x80 {
                    return Err(DerError::BadTag);
                }
                groups = groups.checked_add(1).ok_or(DerError::BadTag)?;
                if groups > 4 {
                    return Err(DerError::BadTag);
                }
                tag = (tag << 7) | u32::from(b & 0x7f);
                if b & 0x80 == 0 {
                    break;
                }
            }
            if tag < 0x1f {
                return Err(DerError::BadTag);
            }
        }
        let len_byte = self.byte()?;
        let len: usize = if len_byte < 0x80 {
            usize::from(len_byte)
        } else if len_byte == 0x80 {
            // X.690 §10.1: DER uses the definite form only.
            return Err(DerError::BadLength);
        } else {
            let count = usize::from(len_byte & 0x7f);
            if count > 4 {
                return Err(DerError::BadLength);
            }
            let mut len = 0usize;
            for i in 0..count {
                let b = self.byte()?;
                if i == 0 && b == 0 {
                    return Err(DerError::BadLength);
                }
                len = (len << 8) | usize::from(b);
            }
            // X.690 §10.1: the long form is only allowed for lengths >= 128.
            if len < 0x80 {
                return Err(DerError::BadLength);
            }
            len
        };
        if len > self.rest.len() {
            return Err(DerError::Truncated);
        }
        let (value, rest) = self.rest.split_at(len);
        self.rest = rest;
        let consumed = start.len().saturating_sub(rest.len());
        let raw = start.get(..consumed).ok_or(DerError::Truncated)?;
        Ok(Tlv {
            class,
            constructed,
            tag,
            value,
            raw,
        })
    }

    /// Reads the next TLV and checks its class, form and number.
    pub(crate) fn read_expected(
        &mut self,
        class: u8,
        constructed: bool,
        tag: u32,
    ) -> Result<&'a [u8], DerError> {
        let tlv = self.read()?;
        if tlv.is(class, constructed, tag) {
            Ok(tlv.value)
        } else {
            Err(DerError::UnexpectedTag)
        }
    }

    /// Reads a universal, constructed SEQUENCE and returns its contents.
    pub(crate) fn sequence(&mut self) -> Result<&'a [u8], DerError> {
        self.read_expected(CLASS_UNIVERSAL, true, TAG_SEQUENCE)
    }

    /// Reads an INTEGER that fits in an i64.
    pub(crate) fn integer(&mut self) -> Result<i64, DerError> {
        let v = self.read_expected(CLASS_UNIVERSAL, false, TAG_INTEGER)?;
        integer_i64(v)
    }

    /// Reads an OCTET STRING.
    pub(crate) fn octet_string(&mut self) -> Result<&'a [u8], DerError> {
        self.read_expected(CLASS_UNIVERSAL, false, TAG_OCTET_STRING)
    }

    /// Returns the next TLV without consuming it.
    pub(crate) fn peek(&self) -> Result<Tlv<'a>, DerError> {
        self.clone().read()
    }
}

/// Decodes the contents octets of a DER INTEGER (or ENUMERATED) into an i64.
///
/// X.690 §8.3.2: the encoding must be minimal (no redundant leading 0x00 or
/// 0xff octet); contents longer than 8 octets do not fit and are rejected.
pub(crate) fn integer_i64(v: &[u8]) -> Result<i64, DerError> {
    let first = *v.first().ok_or(DerError::BadInteger)?;
    if v.len() > 8 {
        return Err(DerError::BadInteger);
    }
    if let Some(&second) = v.get(1)
        && ((first == 0x00 && second & 0x80 == 0) || (first == 0xff && second & 0x80 != 0))
    {
        return Err(DerError::BadInteger);
    }
    // Sign-extend from the first octet.
    let mut acc: i64 = if first & 0x80 != 0 { -1 } else { 0 };
    for &b in v {
        acc = (acc << 8) | i64::from(b);
    }
    Ok(acc)
}

/// Renders the contents octets of an OBJECT IDENTIFIER in dotted form.
///
/// X.690 §8.19: base-128 sub-identifiers, minimal (no leading 0x80), the first
/// one combining the first two arcs. Arcs are limited to u64.
pub(crate) fn oid_to_string(v: &[u8]) -> Option<String> {
    if v.is_empty() || v.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let mut out = String::new();
    let mut acc: u64 = 0;
    let mut first = true;
    let mut at_start = true;
    for &b in v {
        if at_start && b == 0x80 {
            return None;
        }
        at_start = false;
        acc = acc.checked_mul(128)?.checked_add(u64::from(b & 0x7f))?;
        if b & 0x80 == 0 {
            if first {
                let (a, c) = if acc < 40 {
                    (0, acc)
                } else if acc < 80 {
                    (1, acc - 40)
                } else {
                    (2, acc - 80)
                };
                out.push_str(&format!("{a}.{c}"));
                first = false;
            } else {
                out.push_str(&format!(".{acc}"));
            }
            acc = 0;
            at_start = true;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids() {
        assert_eq!(
            oid_to_string(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]).unwrap(),
            "1.2.840.10045.4.3.2"
        );
        assert_eq!(oid_to_string(&[0x2b, 0x65, 0x70]).unwrap(), "1.3.101.112");
        assert_eq!(
            oid_to_string(&[0x67, 0x81, 0x05, 0x08, 0x03]).unwrap(),
            "2.23.133.8.3"
        );
        assert!(oid_to_string(&[]).is_none());
        assert!(oid_to_string(&[0x2a, 0x86]).is_none());
        assert!(oid_to_string(&[0x2a, 0x80, 0x01]).is_none());
    }

    #[test]
    fn reads_high_tag_numbers() {
        // [600] EXPLICIT NULL: bf 84 58 02 05 00
        let data = [0xbf, 0x84, 0x58, 0x02, 0x05, 0x00];
        let mut r = DerReader::new(&data);
        let t = r.read().unwrap();
        assert_eq!((t.class, t.constructed, t.tag), (CLASS_CONTEXT, true, 600));
        assert_eq!(t.value, &[0x05, 0x00]);
        assert!(r.is_empty());
    }

    #[test]
    fn rejects_bad_encodings() {
        // Non-minimal high tag.
        assert_eq!(
            DerReader::new(&[0xbf, 0x80, 0x01, 0x00])
                .read()
                .unwrap_err(),
            DerError::BadTag
        );
        // Long form for a small number.
        assert_eq!(
            DerReader::new(&[0xbf, 0x1e, 0x00]).read().unwrap_err(),
            DerError::BadTag
        );
        // Indefinite length.
        assert_eq!(
            DerReader::new(&[0x30, 0x80, 0x00, 0x00])
                .read()
                .unwrap_err(),
            DerError::BadLength
        );
        // Non-minimal long length.
        assert_eq!(
            DerReader::new(&[0x04, 0x81, 0x01, 0x00])
                .read()
                .unwrap_err(),
            DerError::BadLength
        );
        // Length larger than the input.
        assert_eq!(
            DerReader::new(&[0x04, 0x84, 0x7f, 0xff, 0xff, 0xff])
                .read()
                .unwrap_err(),
            DerError::Truncated
        );
        assert_eq!(
            DerReader::new(&[0x04]).read().unwrap_err(),
            DerError::Truncated
        );
    }

    #[test]
    fn integers() {
        assert_eq!(integer_i64(&[0x01, 0x2c]).unwrap(), 300);
        assert_eq!(integer_i64(&[0xff]).unwrap(), -1);
        assert_eq!(integer_i64(&[0x00, 0x80]).unwrap(), 128);
        assert!(integer_i64(&[]).is_err());
        assert!(integer_i64(&[0x00, 0x01]).is_err());
        assert!(integer_i64(&[0xff, 0x80]).is_err());
        assert!(integer_i64(&[1; 9]).is_err());
    }
}
