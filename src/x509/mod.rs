//! X.509 certificates: a strict base64 reader (`b64`) and certification-path
//! building and validation (`cert_path`, RFC 5280 §6 as attestation needs it).
//! Attestation formats and the MDS reader call into this; it calls into
//! nothing WebAuthn-specific.
//!
//! DER (ITU-T X.690) is read with the `der` crate, which is strict where a
//! verifier must be: definite lengths only, minimal length and tag encodings,
//! high tag numbers (the Android key description's `[600]`, `[702]`),
//! lengths checked against the bytes present, no copying (every value
//! borrows from the input), and `from_der`/`finish` refuse trailing bytes.
//! The helpers below are the few steps shared by the callers.

pub(crate) mod b64;
pub(crate) mod cert_path;

use der::asn1::ObjectIdentifier;
use der::{AnyRef, Decode, Reader, SliceReader, Tag, Tagged};

/// A reader over the contents of `any`, which must carry `tag`. The caller
/// ends it with `finish` (or reads until `is_finished`), so nothing after the
/// last expected element goes unread.
pub(crate) fn contents<'a>(any: AnyRef<'a>, tag: Tag) -> der::Result<SliceReader<'a>> {
    any.tag().assert_eq(tag)?;
    SliceReader::new(any.value())
}

/// The next element of `r`: its whole encoding (identifier, length and
/// contents octets, e.g. to compare or hash as sent) and its decoded form.
pub(crate) fn next_tlv<'a>(r: &mut SliceReader<'a>) -> der::Result<(&'a [u8], AnyRef<'a>)> {
    let raw = r.tlv_bytes()?;
    Ok((raw, AnyRef::from_der(raw)?))
}

/// An OBJECT IDENTIFIER in dotted form; `None` unless `any` is one, minimally
/// encoded.
///
/// X.690 §8.19.2 forbids a subidentifier whose leading octet is 0x80, but
/// `const-oid`'s decoder accepts one (it reads BER); so the bytes sent must be
/// the ones its encoder writes for the same arcs. Arcs are limited to u32
/// (`const-oid`): no algorithm or curve this crate knows has a larger one.
pub(crate) fn oid_string(any: AnyRef<'_>) -> Option<String> {
    let oid = any.decode_as::<ObjectIdentifier>().ok()?;
    let canonical = ObjectIdentifier::from_arcs(oid.arcs()).ok()?;
    (canonical == oid).then(|| oid.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(bytes: &[u8]) -> Option<String> {
        let mut tlv = vec![0x06, u8::try_from(bytes.len()).unwrap()];
        tlv.extend_from_slice(bytes);
        oid_string(AnyRef::from_der(&tlv).unwrap())
    }

    #[test]
    fn oids() {
        assert_eq!(
            oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]).unwrap(),
            "1.2.840.10045.4.3.2"
        );
        assert_eq!(oid(&[0x2b, 0x65, 0x70]).unwrap(), "1.3.101.112");
        assert_eq!(
            oid(&[0x67, 0x81, 0x05, 0x08, 0x03]).unwrap(),
            "2.23.133.8.3"
        );
        // Empty, truncated inside a subidentifier, non-minimal subidentifier.
        assert!(oid(&[]).is_none());
        assert!(oid(&[0x2a, 0x86]).is_none());
        assert!(oid(&[0x2a, 0x80, 0x01]).is_none());
        // Not an OID at all.
        assert!(oid_string(AnyRef::from_der(&[0x04, 0x01, 0x2a]).unwrap()).is_none());
    }

    #[test]
    fn next_tlv_returns_the_whole_encoding() {
        let data = [0x30, 0x03, 0x02, 0x01, 0x05, 0x05, 0x00];
        let mut r = SliceReader::new(&data).unwrap();
        let (raw, any) = next_tlv(&mut r).unwrap();
        assert_eq!(raw, &data[..5]);
        assert_eq!((any.tag(), any.value()), (Tag::Sequence, &data[2..5]));
        let (raw, any) = next_tlv(&mut r).unwrap();
        assert_eq!((raw, any.tag()), (&data[5..], Tag::Null));
        assert!(r.finish().is_ok());
    }

    /// The encodings DER forbids, refused by the `der` crate at every call
    /// site (they all read through `AnyRef`/`Header`).
    #[test]
    fn refuses_non_der_encodings() {
        for bad in [
            &[0xbf, 0x80, 0x01, 0x00][..],         // non-minimal high tag
            &[0xbf, 0x1e, 0x00],                   // long tag form for [30]
            &[0x30, 0x80, 0x00, 0x00],             // indefinite length
            &[0x04, 0x81, 0x01, 0x00],             // non-minimal long length
            &[0x04, 0x84, 0x7f, 0xff, 0xff, 0xff], // longer than the input
            &[0x04],                               // truncated
            &[0x04, 0x01, 0x00, 0x00],             // trailing byte
        ] {
            assert!(AnyRef::from_der(bad).is_err(), "{bad:02x?}");
        }
        // [600] EXPLICIT NULL: high tag numbers are read.
        let any = AnyRef::from_der(&[0xbf, 0x84, 0x58, 0x02, 0x05, 0x00]).unwrap();
        assert_eq!(
            any.tag(),
            Tag::ContextSpecific {
                constructed: true,
                number: der::TagNumber(600)
            }
        );
    }

    #[test]
    fn integers_are_minimal_and_fit() {
        let int = |v: &[u8]| AnyRef::new(Tag::Integer, v).unwrap().decode_as::<i64>();
        assert_eq!(int(&[0x01, 0x2c]).unwrap(), 300);
        assert_eq!(int(&[0xff]).unwrap(), -1);
        assert_eq!(int(&[0x00, 0x80]).unwrap(), 128);
        assert!(int(&[]).is_err());
        assert!(int(&[0x00, 0x01]).is_err());
        assert!(int(&[0xff, 0x80]).is_err());
        assert!(int(&[1; 9]).is_err());
    }
}
