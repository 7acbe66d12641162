//! The attestation object (§6.5.4): a CBOR map of `fmt`, `attStmt` and
//! `authData`, read with a small definite-length reader so that the common case
//! borrows instead of copying.

use crate::cose::read_cbor_value;
use crate::error::{Error, Field, Result};
use crate::limits;
use ciborium::value::Value;
use std::borrow::Cow;

/// A parsed attestation object (§6.5.4).
///
/// Borrows `fmt` and `authData` from the bytes it was parsed from when they are
/// encoded the way authenticators and browsers encode them (definite lengths),
/// so a registration copies neither.
#[derive(Debug, Clone)]
pub struct AttestationObject<'a> {
    fmt: Cow<'a, str>,
    att_stmt: Value,
    auth_data: Cow<'a, [u8]>,
}

/// The head of one CBOR data item: major type and argument. `None` for the
/// indefinite-length marker and reserved additional-information values, which
/// the fast path leaves to the generic decoder.
fn cbor_head(input: &mut &[u8]) -> Option<(u8, u64)> {
    let (&first, rest) = input.split_first()?;
    let (major, info) = (first >> 5, first & 0x1f);
    let (arg, rest) = match info {
        0..=23 => (u64::from(info), rest),
        24 => {
            let (b, r) = rest.split_first_chunk::<1>()?;
            (u64::from(b[0]), r)
        }
        25 => {
            let (b, r) = rest.split_first_chunk::<2>()?;
            (u64::from(u16::from_be_bytes(*b)), r)
        }
        26 => {
            let (b, r) = rest.split_first_chunk::<4>()?;
            (u64::from(u32::from_be_bytes(*b)), r)
        }
        27 => {
            let (b, r) = rest.split_first_chunk::<8>()?;
            (u64::from_be_bytes(*b), r)
        }
        _ => return None,
    };
    *input = rest;
    Some((major, arg))
}

/// A definite-length byte (major 2) or text (major 3) string's content.
fn cbor_string<'a>(input: &mut &'a [u8], major: u8) -> Option<&'a [u8]> {
    let (m, len) = cbor_head(input)?;
    if m != major {
        return None;
    }
    // The length is checked against the bytes present before anything is taken.
    let (content, rest) = input.split_at_checked(usize::try_from(len).ok()?)?;
    *input = rest;
    Some(content)
}

/// Decodes one CBOR item made only of definite-length maps, arrays, byte and
/// text strings and integers, nested at most `depth` levels below this one, as
/// the generic decoder would. `None` for anything else (tags, floats, simple
/// values, indefinite lengths, invalid UTF-8, truncation): the caller then uses
/// the generic decoder. Containers grow item by item, so memory follows the bytes
/// present, never a claimed count.
fn simple_value(input: &mut &[u8], depth: u8) -> Option<Value> {
    let (major, arg) = cbor_head(input)?;
    Some(match major {
        0 => Value::Integer(arg.into()),
        1 => Value::Integer(ciborium::value::Integer::try_from(-1 - i128::from(arg)).ok()?),
        2 | 3 => {
            let (content, rest) = input.split_at_checked(usize::try_from(arg).ok()?)?;
            *input = rest;
            if major == 2 {
                Value::Bytes(content.to_vec())
            } else {
                Value::Text(core::str::from_utf8(content).ok()?.to_owned())
            }
        }
        4 | 5 => {
            let depth = depth.checked_sub(1)?;
            let mut items = Vec::new();
            let mut entries = Vec::new();
            for _ in 0..arg {
                let v = simple_value(input, depth)?;
                if major == 4 {
                    items.push(v);
                } else {
                    entries.push((v, simple_value(input, depth)?));
                }
            }
            if major == 4 {
                Value::Array(items)
            } else {
                Value::Map(entries)
            }
        }
        _ => return None,
    })
}

impl<'a> AttestationObject<'a> {
    /// Parses the CBOR attestation object; trailing bytes are an error.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        const F: Field = Field::AttestationObject;
        if bytes.len() > limits::MAX_ATTESTATION_OBJECT {
            return Err(Error::TooLarge {
                field: F,
                size: bytes.len(),
                max: limits::MAX_ATTESTATION_OBJECT,
            });
        }
        let (fmt, att_stmt, auth_data) = match Self::parse_borrowed(bytes) {
            Some((fmt, att_stmt, auth_data)) => {
                (Cow::Borrowed(fmt), att_stmt, Cow::Borrowed(auth_data))
            }
            None => {
                let (fmt, att_stmt, auth_data) = Self::parse_generic(bytes)?;
                (Cow::Owned(fmt), att_stmt, Cow::Owned(auth_data))
            }
        };
        match &att_stmt {
            Value::Map(m) => check_x5c_bounds(m)?,
            // compound: each inner statement is bounded the same way.
            Value::Array(items) => {
                for item in items {
                    if let Value::Map(m) = item {
                        for (k, v) in m {
                            if let (Value::Text(k), Value::Map(inner)) = (k, v)
                                && k == "attStmt"
                            {
                                check_x5c_bounds(inner)?;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(AttestationObject {
            fmt,
            att_stmt,
            auth_data,
        })
    }

    /// The encoding every authenticator and browser produces: a definite map of
    /// exactly `fmt` (text), `attStmt` (map or array) and `authData` (bytes), in
    /// any order. `fmt` and `authData` are borrowed; `attStmt` is decoded as CBOR
    /// in place. `None` for anything else (unknown or duplicate members,
    /// indefinite lengths, wrong types, invalid UTF-8, trailing bytes, any
    /// truncation), which [`Self::parse_generic`] then accepts or refuses with the
    /// precise error: on the inputs this accepts, the two agree.
    pub(crate) fn parse_borrowed(bytes: &'a [u8]) -> Option<(&'a str, Value, &'a [u8])> {
        let mut rest = bytes;
        if cbor_head(&mut rest)? != (5, 3) {
            return None;
        }
        let (mut fmt, mut att_stmt, mut auth_data) = (None, None, None);
        for _ in 0..3 {
            match cbor_string(&mut rest, 3)? {
                b"fmt" if fmt.is_none() => {
                    fmt = Some(core::str::from_utf8(cbor_string(&mut rest, 3)?).ok()?);
                }
                b"authData" if auth_data.is_none() => {
                    auth_data = Some(cbor_string(&mut rest, 2)?);
                }
                b"attStmt" if att_stmt.is_none() => {
                    // Statements are small maps of integers, strings and arrays
                    // of certificates: decoded directly when that is all they hold.
                    let mut simple = rest;
                    let v = if let Some(v) = simple_value(&mut simple, 2)
                        .filter(|v| matches!(v, Value::Map(_) | Value::Array(_)))
                    {
                        rest = simple;
                        v
                    } else {
                        // One level is spent on the outer map, as in the generic path.
                        let v = crate::cose::read_cbor_value_with_depth(
                            &mut rest,
                            Field::AttestationObject,
                            limits::MAX_CBOR_DEPTH.saturating_sub(1),
                        )
                        .ok()?;
                        if !matches!(v, Value::Map(_) | Value::Array(_)) {
                            return None;
                        }
                        v
                    };
                    att_stmt = Some(v);
                }
                _ => return None,
            }
        }
        if !rest.is_empty() {
            return None;
        }
        Some((fmt?, att_stmt?, auth_data?))
    }

    /// Any well-formed CBOR map, through the generic decoder; refuses with the
    /// member or rule that failed.
    pub(crate) fn parse_generic(bytes: &[u8]) -> Result<(String, Value, Vec<u8>)> {
        const F: Field = Field::AttestationObject;
        let mut rest = bytes;
        let value = read_cbor_value(&mut rest, F)?;
        if !rest.is_empty() {
            return Err(Error::malformed(F, "trailing bytes"));
        }
        let Value::Map(entries) = value else {
            return Err(Error::malformed(F, "not a CBOR map"));
        };
        let (mut fmt, mut att_stmt, mut auth_data) = (None, None, None);
        for (k, v) in entries {
            let Value::Text(k) = k else { continue };
            let slot_taken = match (k.as_str(), v) {
                ("fmt", Value::Text(s)) => fmt.replace(s).is_some(),
                // A map for every format but `compound`, whose statement is an array.
                ("attStmt", v @ (Value::Map(_) | Value::Array(_))) => att_stmt.replace(v).is_some(),
                ("authData", Value::Bytes(b)) => auth_data.replace(b).is_some(),
                ("fmt" | "attStmt" | "authData", _) => {
                    return Err(Error::malformed(F, "member has the wrong CBOR type"));
                }
                // Unknown members are ignored (forward compatibility).
                _ => false,
            };
            if slot_taken {
                return Err(Error::malformed(F, "duplicate member"));
            }
        }
        Ok((
            fmt.ok_or(Error::malformed(F, "fmt missing"))?,
            att_stmt.ok_or(Error::malformed(F, "attStmt missing"))?,
            auth_data.ok_or(Error::malformed(F, "authData missing"))?,
        ))
    }

    /// The attestation statement format identifier.
    pub fn fmt(&self) -> &str {
        &self.fmt
    }
    /// The attestation statement's members (empty when it is not a map).
    pub fn att_stmt(&self) -> &[(Value, Value)] {
        match &self.att_stmt {
            Value::Map(m) => m,
            _ => &[],
        }
    }
    /// The attestation statement as decoded.
    pub fn att_stmt_value(&self) -> &Value {
        &self.att_stmt
    }
    /// The raw authenticator data.
    pub fn auth_data(&self) -> &[u8] {
        &self.auth_data
    }
}

/// Bounds an `x5c` member, whatever the format, before any format parses a
/// certificate: at most [`limits::MAX_CERTIFICATES`] entries of at most
/// [`limits::MAX_CERTIFICATE`] bytes each. Its shape (an array of byte strings)
/// is left to the format verifiers, which name the format in their errors.
fn check_x5c_bounds(att_stmt: &[(Value, Value)]) -> Result<()> {
    const F: Field = Field::AttestationStatement;
    for (k, v) in att_stmt {
        if !matches!(k, Value::Text(k) if k == "x5c") {
            continue;
        }
        let Value::Array(certs) = v else { continue };
        if certs.len() > limits::MAX_CERTIFICATES {
            return Err(Error::malformed(F, "x5c holds too many certificates"));
        }
        for c in certs {
            if let Value::Bytes(der) = c
                && der.len() > limits::MAX_CERTIFICATE
            {
                return Err(Error::TooLarge {
                    field: F,
                    size: der.len(),
                    max: limits::MAX_CERTIFICATE,
                });
            }
        }
    }
    Ok(())
}
