//! A single-pass reader for the shape every browser sends as an
//! AuthenticationResponseJSON (§5.1.9), the hot path of every sign-in.
//!
//! It reads only the plain form: the six members of §5.1.9 and the four of
//! §5.2.2 (AuthenticatorAssertionResponseJSON), each at most once, strings
//! without escapes or control characters, base64url in the unpadded URL
//! alphabet, `clientExtensionResults` empty. Anything else — an unknown
//! member, an escape, padding, extension outputs, a duplicate, an error of
//! any kind — makes it answer `None`, and the caller parses the same text
//! with `serde_json` and the derived `Deserialize`, which stays the
//! definition of what is accepted. So this reader can only ever agree with
//! `serde_json` or stand aside; `scan_agrees_with_serde_json` (below) and the
//! `authentication_json` fuzz target check that on every input they see.
//!
//! Why: parsing the response is the largest part of a sign-in besides its
//! signature check and the stored key. Per response (callgrind,
//! `benches/callgrind.sh`), `serde_json` through the derived visitors takes
//! 6,640 instructions and this reader 5,533 when it still built the same
//! owned structure (seven allocations); it now decodes into one buffer
//! ([`Plain`]), and a whole cached ES256 sign-in makes 3 allocations beyond
//! its signature check instead of 9. (A
//! general reader of this kind for clientDataJSON, already parsed with
//! borrowed strings, was slower than `serde_json`: 2,429 against 2,167; the
//! narrower one in `client_data::scan` takes about 760.)

use super::{AssertionResponseJson, AuthenticationResponseJson, AuthenticatorAttachment};

/// Where one member sits in [`Plain`]'s buffer. (`u32`: a response is at
/// most `limits::MAX_RESPONSE_JSON` bytes, and a smaller `Plain` is cheaper to
/// move through the `Result`s it is returned in.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

/// A plain response as read: the two text members and the five decoded byte
/// members in one buffer (one allocation instead of seven, which was a fifth
/// of the time a sign-in spends outside its signature check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    buf: Vec<u8>,
    id: Span,
    type_: Span,
    raw_id: Span,
    client_data_json: Span,
    authenticator_data: Span,
    signature: Span,
    user_handle: Option<Span>,
    authenticator_attachment: Option<AuthenticatorAttachment>,
    /// `id` was sent as the same text as `rawId` (see [`Plain::id_is_raw_id_text`]).
    id_is_raw_id_text: bool,
}

impl Plain {
    fn get(&self, span: Span) -> &[u8] {
        // Spans are made by `Builder` over this very buffer; `get` keeps a
        // mistake from becoming a panic.
        self.buf
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }
    /// `id` as sent (the base64url text of `rawId`).
    pub fn id(&self) -> &[u8] {
        self.get(self.id)
    }
    /// `type` as sent.
    pub fn type_(&self) -> &[u8] {
        self.get(self.type_)
    }
    /// The credential id.
    pub fn raw_id(&self) -> &[u8] {
        self.get(self.raw_id)
    }
    /// The clientDataJSON bytes.
    pub fn client_data_json(&self) -> &[u8] {
        self.get(self.client_data_json)
    }
    /// The authenticatorData bytes.
    pub fn authenticator_data(&self) -> &[u8] {
        self.get(self.authenticator_data)
    }
    /// The signature bytes.
    pub fn signature(&self) -> &[u8] {
        self.get(self.signature)
    }
    /// Whether `id` was sent as the very text of `rawId`. That text decoded
    /// under the strict unpadded URL alphabet, which refuses every text but
    /// the one canonical encoding of its bytes (trailing bits zero, no
    /// padding): so then `id` is base64url(rawId), and the ceremony need not
    /// encode rawId to compare them.
    pub fn id_is_raw_id_text(&self) -> bool {
        self.id_is_raw_id_text
    }
    /// The user handle, if one was sent.
    pub fn user_handle(&self) -> Option<&[u8]> {
        self.user_handle.map(|s| self.get(s))
    }
    /// The same response as the derived `Deserialize` reads it.
    pub fn to_json(&self) -> AuthenticationResponseJson {
        // Both texts were `&str` slices cut at ASCII quotes: valid UTF-8, so
        // nothing is lost here.
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        AuthenticationResponseJson {
            id: text(self.id()),
            raw_id: self.raw_id().to_vec().into(),
            response: AssertionResponseJson {
                client_data_json: self.client_data_json().to_vec().into(),
                authenticator_data: self.authenticator_data().to_vec().into(),
                signature: self.signature().to_vec().into(),
                user_handle: self.user_handle().map(|h| h.to_vec().into()),
            },
            authenticator_attachment: self.authenticator_attachment,
            client_extension_results: Default::default(),
            type_: text(self.type_()),
        }
    }
}

/// Reads `json` if it has the plain form (see the module comment), else `None`.
pub fn scan(json: &str) -> Option<Plain> {
    let mut r = Reader::new(json);
    let mut id = None;
    let mut raw_id = None;
    let mut response = None;
    let mut attachment = None;
    let mut extensions = None;
    let mut ty = None;
    r.object(|r, key| match key {
        // Checked as text below, unless it is `rawId`'s very text.
        b"id" => once(&mut id, r.raw()?),
        b"rawId" => once(&mut raw_id, r.raw()?),
        b"response" => once(&mut response, assertion(r)?),
        b"authenticatorAttachment" => {
            // As the derived code reads it: null, or a string of which only
            // the known values count (browsers may add values).
            let v = if r.null() {
                None
            } else {
                AuthenticatorAttachment::from_str_opt(r.text()?)
            };
            once(&mut attachment, v)
        }
        b"clientExtensionResults" => {
            r.byte(b'{')?;
            r.byte(b'}')?;
            once(&mut extensions, ())
        }
        b"type" => once(&mut ty, r.text()?),
        _ => None,
    })?;
    r.end()?;
    let (id, ty, raw_id, response) = (id?, ty?, raw_id?, response?);
    // The same text as `rawId` needs no check of its own: it must decode as
    // base64url below, so it holds neither an escape nor a control character.
    let id_is_raw_id_text = id == raw_id;
    if !id_is_raw_id_text {
        plain_text(id)?;
    }
    // Room for everything, so no member moves the buffer.
    let base64 = [
        Some(raw_id),
        Some(response.client_data_json),
        Some(response.authenticator_data),
        Some(response.signature),
        response.user_handle,
    ];
    let room = base64
        .iter()
        .flatten()
        .map(|t| base64_simd::URL_SAFE_NO_PAD.estimated_decoded_length(t.len()))
        .fold(id.len() + ty.len(), usize::saturating_add);
    let mut b = Builder {
        buf: Vec::with_capacity(room),
    };
    let id = b.copy(id)?;
    let type_ = b.copy(ty.as_bytes())?;
    let raw_id = b.decode(raw_id)?;
    let client_data_json = b.decode(response.client_data_json)?;
    let authenticator_data = b.decode(response.authenticator_data)?;
    let signature = b.decode(response.signature)?;
    let user_handle = match response.user_handle {
        Some(t) => Some(b.decode(t)?),
        None => None,
    };
    Some(Plain {
        buf: b.buf,
        id,
        type_,
        raw_id,
        client_data_json,
        authenticator_data,
        signature,
        user_handle,
        authenticator_attachment: attachment.flatten(),
        id_is_raw_id_text,
    })
}

/// The `response` member (AuthenticatorAssertionResponseJSON), its base64url
/// members as sent; `user_handle` is `None` for `null` and `""`.
struct RawAssertion<'a> {
    client_data_json: &'a [u8],
    authenticator_data: &'a [u8],
    signature: &'a [u8],
    user_handle: Option<&'a [u8]>,
}

fn assertion<'a>(r: &mut Reader<'a>) -> Option<RawAssertion<'a>> {
    let mut client_data_json = None;
    let mut authenticator_data = None;
    let mut signature = None;
    let mut user_handle = None;
    r.object(|r, key| match key {
        b"clientDataJSON" => once(&mut client_data_json, r.raw()?),
        b"authenticatorData" => once(&mut authenticator_data, r.raw()?),
        b"signature" => once(&mut signature, r.raw()?),
        b"userHandle" => {
            // null and "" both mean absent (`b64_member::empty_as_none`).
            let v = if r.null() {
                None
            } else {
                Some(r.raw()?).filter(|t| !t.is_empty())
            };
            once(&mut user_handle, v)
        }
        _ => None,
    })?;
    Some(RawAssertion {
        client_data_json: client_data_json?,
        authenticator_data: authenticator_data?,
        signature: signature?,
        user_handle: user_handle.flatten(),
    })
}

/// Fills [`Plain`]'s buffer member by member. Its methods are inlined: called,
/// each returned its `Option<Span>` through memory, and `perf annotate` put
/// the reads of those five returns among the hottest instructions of `scan`.
/// Inlined, `parse/authentication_response_json` reads 205-209 ns against
/// 212-220 ns (three runs each, alternated).
struct Builder {
    buf: Vec<u8>,
}

impl Builder {
    #[inline(always)]
    fn copy(&mut self, bytes: &[u8]) -> Option<Span> {
        let start = self.buf.len();
        self.buf.extend_from_slice(bytes);
        self.span_from(start)
    }

    /// The span from `start` to the end of the buffer (`None` past 4 GiB,
    /// which the response size limit keeps far away).
    #[inline(always)]
    fn span_from(&self, start: usize) -> Option<Span> {
        Some(Span {
            start: u32::try_from(start).ok()?,
            end: u32::try_from(self.buf.len()).ok()?,
        })
    }

    /// Decodes unpadded URL-alphabet base64. The decoder refuses any other
    /// byte, so `\` and control characters (escapes, raw controls) end up
    /// refused too.
    #[inline(always)]
    fn decode(&mut self, text: &[u8]) -> Option<Span> {
        let start = self.buf.len();
        base64_simd::URL_SAFE_NO_PAD
            .decode_append(text, &mut self.buf)
            .ok()?;
        self.span_from(start)
    }
}

/// Sets a member seen for the first time; a second sighting is a duplicate,
/// which the derived code refuses, so the scan stands aside.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

/// A string's raw contents as text, if they hold neither an escape nor a
/// control character (see [`Reader::text`]).
fn plain_text(raw: &[u8]) -> Option<&str> {
    if raw.iter().any(|&b| b == b'\\' || b < 0x20) {
        return None;
    }
    core::str::from_utf8(raw).ok()
}

/// A cursor over the JSON text. Every method answers `None` for anything
/// outside the plain form.
struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `json`.
    fn new(json: &'a str) -> Self {
        Reader {
            s: json.as_bytes(),
            i: 0,
        }
    }

    /// Skips JSON whitespace (RFC 8259 §2: space, tab, line feed, carriage return).
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    /// The next non-whitespace byte, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    /// Consumes `c` (after whitespace).
    fn byte(&mut self, c: u8) -> Option<()> {
        if self.peek()? != c {
            return None;
        }
        self.i += 1;
        Some(())
    }

    /// Consumes a `null` literal if one is next.
    fn null(&mut self) -> bool {
        self.ws();
        let found = self.s.get(self.i..).is_some_and(|r| r.starts_with(b"null"));
        if found {
            self.i += 4;
        }
        found
    }

    /// A string's raw contents, up to the first `"`: the whole string when it
    /// has no escape. Callers refuse contents with a `\` (an escape, which
    /// may also have hidden that quote) or a control character (which JSON
    /// forbids raw): `text` checks, and no base64url digit is either.
    fn raw(&mut self) -> Option<&'a [u8]> {
        self.byte(b'"')?;
        let rest = self.s.get(self.i..)?;
        let len = memchr::memchr(b'"', rest)?;
        self.i += len + 1;
        rest.get(..len)
    }

    /// A string with neither escapes nor control characters, as text. The
    /// input is a `str` and the cut is at ASCII quotes, so this is valid
    /// UTF-8; checked anyway, as nothing here is unsafe.
    fn text(&mut self) -> Option<&'a str> {
        plain_text(self.raw()?)
    }

    /// A non-empty object: `member` reads each value, given the member's
    /// name. (Both objects read here have required members, so `{}` is never
    /// the plain form.)
    fn object(&mut self, mut member: impl FnMut(&mut Self, &[u8]) -> Option<()>) -> Option<()> {
        self.byte(b'{')?;
        loop {
            // Compared as raw bytes with the known names, which have no
            // escape: an escaped or unknown name matches none of them.
            let key = self.raw()?;
            self.byte(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Only whitespace may follow the value (`serde_json` refuses the rest).
    fn end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.s.len()).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = r#"{"id":"BQoPFBkeIygtMjc8QUZLUFVaX2RpbnN4fYKHjJGWm6A","rawId":"BQoPFBkeIygtMjc8QUZLUFVaX2RpbnN4fYKHjJGWm6A","response":{"clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0","authenticatorData":"o3mm9u6vuaVeN4wRgDTidR5oL6ufLTCrE9ISVYbOGUcFAAAAAQ","signature":"MEUCIAJSrYoMY3Uzny5OHFNP_wd3b5lC-GDuhx4QJyYEwxDnAiEAkq58iWVO56IYc1xzc73QYkS-_9C6m3wxqnB73F7gEC4","userHandle":"BwcHBwcHBwcHBwcHBwcHBw"},"authenticatorAttachment":"platform","clientExtensionResults":{},"type":"public-key"}"#;

    /// The scan's answer, after checking it against `serde_json`: when the
    /// scan reads a text, `serde_json` reads the same text to the same value.
    fn checked(json: &str) -> Option<AuthenticationResponseJson> {
        let fast = scan(json).map(|p| p.to_json());
        if let Some(fast) = &fast {
            let slow: AuthenticationResponseJson = serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("scan read what serde_json refuses ({e}): {json}"));
            assert_eq!(
                serde_json::to_value(fast).unwrap(),
                serde_json::to_value(&slow).unwrap(),
                "{json}"
            );
        }
        fast
    }

    fn read(json: &str) -> AuthenticationResponseJson {
        checked(json).unwrap_or_else(|| panic!("the scan stood aside: {json}"))
    }

    /// Mutation testing: the buffer's size is computed up front (`id` and
    /// `type` plus each member's decoded-length bound), so it is allocated
    /// once and never moves; `+` turned into `*` there went unseen, as only
    /// the capacity changed.
    #[test]
    fn plain_buffer_is_allocated_once_at_its_size() {
        let p = scan(PLAIN).expect("plain");
        // Each of the five members' bound is at most 2 bytes over its
        // decoded length (a base64 tail of 2 or 3 characters).
        assert!(p.buf.capacity() >= p.buf.len());
        assert!(p.buf.capacity() - p.buf.len() <= 10, "{}", p.buf.capacity());
    }

    /// `id` sent as `rawId`'s very text is flagged, and is then base64url of
    /// the decoded `rawId`; any other `id` is kept to be compared.
    #[test]
    fn id_sent_as_the_text_of_raw_id_is_its_encoding() {
        let p = scan(PLAIN).expect("plain");
        assert!(p.id_is_raw_id_text());
        assert_eq!(p.id(), crate::json::b64url(p.raw_id()).as_bytes());
        let other = PLAIN.replacen("BQoPFBkeIygtMjc8QUZLUFVaX2RpbnN4fYKHjJGWm6A", "AAAA", 1);
        let p = scan(&other).expect("plain");
        assert!(!p.id_is_raw_id_text());
        assert_eq!(p.id(), b"AAAA");
        // `id` with a raw control character but no other difference from the
        // text: only the same text as `rawId` skips the text check.
        let control = PLAIN.replacen("BQoPFB", "BQ\u{1}PFB", 1);
        assert!(checked(&control).is_none());
    }

    /// The strict decoder the flag relies on refuses every text of a 1- or
    /// 2-byte tail but the canonical one (trailing bits zero): every
    /// 2- and 3-character tail that decodes is the encoding of what it
    /// decodes to.
    #[test]
    fn strict_decoding_accepts_only_canonical_text() {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut decoded = [0usize; 2];
        for (n, tail) in [(0, 2), (1, 3)] {
            let mut idx = vec![0usize; tail];
            loop {
                let mut text = b"AAAA".to_vec();
                text.extend(idx.iter().map(|&i| ALPHABET[i]));
                if let Ok(bytes) = base64_simd::URL_SAFE_NO_PAD.decode_to_vec(&text) {
                    assert_eq!(crate::json::b64url(&bytes).as_bytes(), &text[..]);
                    decoded[n] += 1;
                }
                // The next tail, as a number in base 64.
                let mut k = 0;
                while k < tail && idx[k] == 63 {
                    idx[k] = 0;
                    k += 1;
                }
                if k == tail {
                    break;
                }
                idx[k] += 1;
            }
        }
        // One text per byte value, one per pair of byte values.
        assert_eq!(decoded, [256, 65536]);
    }

    #[test]
    fn plain_response_is_read_member_by_member() {
        let r = read(PLAIN);
        assert_eq!(r.id, "BQoPFBkeIygtMjc8QUZLUFVaX2RpbnN4fYKHjJGWm6A");
        assert_eq!(r.raw_id.as_slice()[..4], [5, 10, 15, 20]);
        assert_eq!(
            r.response.client_data_json.as_slice(),
            br#"{"type":"webauthn.get"}"#
        );
        assert_eq!(r.response.authenticator_data.as_slice().len(), 37);
        assert_eq!(r.response.signature.as_slice().len(), 71);
        assert_eq!(r.response.user_handle.as_ref().unwrap().as_slice(), [7; 16]);
        assert_eq!(
            r.authenticator_attachment,
            Some(AuthenticatorAttachment::Platform)
        );
        assert!(r.client_extension_results.is_empty());
        assert_eq!(r.type_, "public-key");
    }

    #[test]
    fn whitespace_and_member_order_do_not_matter() {
        let spaced = PLAIN
            .replace('{', " {\n\t")
            .replace(':', " :\r\n ")
            .replace(',', "\t, ")
            .replace('}', " } ");
        read(&spaced);
        // The members in another order, `response`'s too.
        let v: serde_json::Value = serde_json::from_str(PLAIN).unwrap();
        let mut reordered = String::from("{");
        for k in [
            "type",
            "clientExtensionResults",
            "response",
            "rawId",
            "authenticatorAttachment",
            "id",
        ] {
            if k == "response" {
                let r = &v["response"];
                reordered.push_str(&format!(
                    r#""response":{{"userHandle":{},"signature":{},"authenticatorData":{},"clientDataJSON":{}}},"#,
                    r["userHandle"], r["signature"], r["authenticatorData"], r["clientDataJSON"]
                ));
            } else {
                reordered.push_str(&format!("{:?}:{},", k, v[k]));
            }
        }
        reordered.pop();
        reordered.push('}');
        assert_eq!(
            serde_json::to_value(read(&reordered)).unwrap(),
            serde_json::to_value(read(PLAIN)).unwrap()
        );
    }

    #[test]
    fn optional_members_absent_null_or_empty() {
        let without = |member: &str| -> String {
            let mut v: serde_json::Value = serde_json::from_str(PLAIN).unwrap();
            v.as_object_mut().unwrap().remove(member);
            v["response"].as_object_mut().unwrap().remove(member);
            v.to_string()
        };
        assert_eq!(read(&without("userHandle")).response.user_handle, None);
        let r = read(&PLAIN.replace(r#""BwcHBwcHBwcHBwcHBwcHBw""#, "null"));
        assert_eq!(r.response.user_handle, None);
        let r = read(&PLAIN.replace(r#""BwcHBwcHBwcHBwcHBwcHBw""#, r#""""#));
        assert_eq!(r.response.user_handle, None);
        assert_eq!(
            read(&without("authenticatorAttachment")).authenticator_attachment,
            None
        );
        for (value, expected) in [
            (
                r#""cross-platform""#,
                Some(AuthenticatorAttachment::CrossPlatform),
            ),
            (r#""some-future-value""#, None),
            // A space is no control character (mutation testing: `< 0x20`
            // turned into `<= 0x20` was uncaught).
            (r#""some future value""#, None),
            ("null", None),
        ] {
            let r = read(&PLAIN.replace(r#""platform""#, value));
            assert_eq!(r.authenticator_attachment, expected, "{value}");
        }
        assert!(
            read(&without("clientExtensionResults"))
                .client_extension_results
                .is_empty()
        );
    }

    #[test]
    fn empty_objects_are_left_to_serde_json() {
        assert!(checked("{}").is_none());
        assert!(checked(&PLAIN.replace(r#""response":{"#, r#""response":{},"x":{"#)).is_none());
    }

    /// What the scan leaves to `serde_json`: each still parses (or fails) there.
    #[test]
    fn anything_beyond_the_plain_form_is_left_to_serde_json() {
        let stand_aside = [
            // An escape in a name or a value (serde_json reads both).
            PLAIN.replace(r#""rawId""#, r#""r\u0061wId""#),
            PLAIN.replace(r#""public-key""#, r#""public\u002dkey""#),
            // Padding and the standard alphabet (the lenient decoder reads them).
            PLAIN.replace("BwcHBwcHBwcHBwcHBwcHBw", "BwcHBwcHBwcHBwcHBwcHBw=="),
            PLAIN.replace("_wd3b5lC-GDu", "/wd3b5lC+GDu"),
            // Extension outputs and unknown members.
            PLAIN.replace(
                r#""clientExtensionResults":{}"#,
                r#""clientExtensionResults":{"appid":true}"#,
            ),
            PLAIN.replace(
                r#""type":"public-key""#,
                r#""type":"public-key","future":1"#,
            ),
            // Refused by serde_json too: duplicates, trailing bytes, wrong types.
            PLAIN.replace(
                r#""type":"public-key""#,
                r#""type":"public-key","type":"public-key""#,
            ),
            format!("{PLAIN}x"),
            PLAIN.replace(r#""public-key""#, "7"),
            PLAIN.replace(
                r#""clientExtensionResults":{}"#,
                r#""clientExtensionResults":null"#,
            ),
            PLAIN.replace(r#""public-key""#, "\"public\u{1}key\""),
            String::new(),
            "[]".into(),
        ];
        for json in &stand_aside {
            assert!(checked(json).is_none(), "{json}");
        }
    }

    /// Every prefix, and every byte replaced by each JSON-significant
    /// character: wherever the scan still reads the text, serde_json agrees.
    #[test]
    fn scan_agrees_with_serde_json() {
        use crate::json::differential::{each_byte_replaced, prefixes_read};
        assert_eq!(
            prefixes_read(PLAIN, |t| checked(t).is_some()),
            1,
            "only the whole text is a response"
        );
        let significant = [
            b'"', b'\\', b'{', b'}', b',', b':', b' ', b'A', b'=', b'n', b'\n', 0x01,
        ];
        each_byte_replaced(PLAIN, &significant, |json| {
            checked(json);
        });
    }
}
