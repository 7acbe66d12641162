//! A structure-aware mutator for `relypass-conformance/1` cases.
//!
//! The `finish_*` targets take a whole case (relying party, challenge, response,
//! stored credential) as JSON. Mutating that JSON byte by byte would mostly break
//! the JSON or the base64; instead this mutator picks ONE field, decodes it to the
//! bytes the library sees (clientDataJSON, authenticatorData, the signature, the
//! attestation object, the authData or one `attStmt` member inside it, the stored
//! COSE key, ...), lets libFuzzer's own byte mutator change those bytes, and
//! encodes the case again. So a seed taken from a valid case stays valid in every
//! field but one, and the fuzzer spends its time past the parsing of the others.
//!
//! Inputs that are not a JSON object fall back to plain byte mutation.

use base64::Engine;
use ciborium::value::Value as Cbor;
use serde_json::Value;

/// A small deterministic generator (xorshift64*) seeded from libFuzzer's seed.
pub struct Rng(u64);

impl Rng {
    /// From libFuzzer's per-call seed.
    pub fn new(seed: u32) -> Self {
        Rng(u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// The next value.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % (n.max(1) as u64)) as usize
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes the way relypass's JSON types do (some real vectors are padded or use
/// the standard alphabet); a field that did not decode would otherwise be
/// replaced wholesale instead of mutated.
fn unb64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [URL_SAFE_NO_PAD, URL_SAFE, STANDARD, STANDARD_NO_PAD]
        .iter()
        .find_map(|e| e.decode(s).ok())
}

/// Mutates `bytes` in place with `byte_mutator` (libFuzzer's `fuzzer_mutate` in
/// the fuzz targets), allowing it to grow by up to `grow` bytes.
fn mutate_bytes(
    bytes: &mut Vec<u8>,
    grow: usize,
    byte_mutator: &mut dyn FnMut(&mut [u8], usize, usize) -> usize,
) {
    let len = bytes.len();
    bytes.resize(len + grow, 0);
    let max = bytes.len();
    let n = byte_mutator(bytes, len, max).min(max);
    bytes.truncate(n);
}

/// One field of a case, by JSON pointer, and how its value is encoded.
#[derive(Clone, Copy)]
enum Slot {
    /// base64url bytes, mutated as bytes.
    Bytes(&'static str),
    /// A plain string, mutated as its UTF-8 bytes (lossily re-decoded).
    Text(&'static str),
    /// The attestation object: mutated inside its CBOR structure.
    AttestationObject(&'static str),
    /// A number (the stored sign count).
    Number(&'static str),
    /// A member removed entirely.
    Remove(&'static str, &'static str),
}

const SLOTS: &[Slot] = &[
    Slot::Bytes("/response/response/clientDataJSON"),
    Slot::Bytes("/response/response/clientDataJSON"),
    Slot::Bytes("/response/response/authenticatorData"),
    Slot::Bytes("/response/response/authenticatorData"),
    Slot::Bytes("/response/response/signature"),
    Slot::Bytes("/response/response/userHandle"),
    Slot::AttestationObject("/response/response/attestationObject"),
    Slot::AttestationObject("/response/response/attestationObject"),
    Slot::AttestationObject("/response/response/attestationObject"),
    Slot::Bytes("/response/rawId"),
    Slot::Text("/response/id"),
    Slot::Text("/response/type"),
    Slot::Bytes("/credential/public_key"),
    Slot::Bytes("/credential/id"),
    Slot::Number("/credential/sign_count"),
    Slot::Remove("/response/response", "userHandle"),
    Slot::Remove("/response/response", "authenticatorData"),
    Slot::Remove("/response", "rawId"),
];

/// Mutates a case in `data[..size]` (buffer length `data.len()`, at most
/// `max_size` bytes may be produced) and returns the new size. `byte_mutator`
/// has `fuzzer_mutate`'s contract: `(buf, size, max_size) -> new_size`.
pub fn mutate_case(
    data: &mut [u8],
    size: usize,
    max_size: usize,
    seed: u32,
    byte_mutator: &mut dyn FnMut(&mut [u8], usize, usize) -> usize,
) -> usize {
    let max_size = max_size.min(data.len());
    let size = size.min(max_size);
    let fallback = |data: &mut [u8], bm: &mut dyn FnMut(&mut [u8], usize, usize) -> usize| {
        bm(data, size, max_size)
    };
    let Ok(mut case) = serde_json::from_slice::<Value>(&data[..size]) else {
        return fallback(data, byte_mutator);
    };
    if !case.is_object() {
        return fallback(data, byte_mutator);
    }
    let mut rng = Rng::new(seed);
    // Tries to find a slot this case has (a registration case has about half of
    // them); raw byte mutation of the JSON is the rare last resort.
    let mut changed = false;
    for _ in 0..32 {
        let slot = SLOTS[rng.below(SLOTS.len())];
        if apply(&mut case, slot, &mut rng, byte_mutator) {
            changed = true;
            break;
        }
    }
    if !changed {
        return fallback(data, byte_mutator);
    }
    let Ok(out) = serde_json::to_vec(&case) else {
        return fallback(data, byte_mutator);
    };
    if out.len() > max_size {
        // Too big for libFuzzer's buffer: keep the input as it was.
        return size;
    }
    data[..out.len()].copy_from_slice(&out);
    out.len()
}

fn apply(
    case: &mut Value,
    slot: Slot,
    rng: &mut Rng,
    bm: &mut dyn FnMut(&mut [u8], usize, usize) -> usize,
) -> bool {
    match slot {
        Slot::Bytes(ptr) => {
            let Some(v) = case.pointer_mut(ptr) else {
                return false;
            };
            let Some(mut bytes) = v.as_str().and_then(unb64) else {
                return false;
            };
            mutate_bytes(&mut bytes, 64, bm);
            *v = Value::String(b64(&bytes));
            true
        }
        Slot::Text(ptr) => {
            let Some(v) = case.pointer_mut(ptr) else {
                return false;
            };
            let mut bytes = v.as_str().unwrap_or_default().as_bytes().to_vec();
            mutate_bytes(&mut bytes, 16, bm);
            *v = Value::String(String::from_utf8_lossy(&bytes).into_owned());
            true
        }
        Slot::Number(ptr) => {
            let Some(v) = case.pointer_mut(ptr) else {
                return false;
            };
            let n = match rng.below(4) {
                0 => 0,
                1 => u64::from(u32::MAX),
                2 => v.as_u64().unwrap_or(0).wrapping_add(1),
                _ => rng.next() & 0xffff_ffff,
            };
            *v = Value::from(n);
            true
        }
        Slot::Remove(parent, member) => case
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .is_some_and(|o| o.remove(member).is_some()),
        Slot::AttestationObject(ptr) => {
            let Some(v) = case.pointer_mut(ptr) else {
                return false;
            };
            let Some(mut bytes) = v.as_str().and_then(unb64) else {
                return false;
            };
            mutate_attestation_object(&mut bytes, rng, bm);
            *v = Value::String(b64(&bytes));
            true
        }
    }
}

/// Mutates the attestation object one level down: its raw bytes, its authData,
/// its fmt, or one member of attStmt (one certificate of x5c when it has one).
fn mutate_attestation_object(
    bytes: &mut Vec<u8>,
    rng: &mut Rng,
    bm: &mut dyn FnMut(&mut [u8], usize, usize) -> usize,
) {
    let parsed: Option<Cbor> = ciborium::de::from_reader(bytes.as_slice()).ok();
    let Some(Cbor::Map(mut top)) = parsed else {
        mutate_bytes(bytes, 64, bm);
        return;
    };
    let choice = rng.below(8);
    let key_is = |k: &Cbor, name: &str| matches!(k, Cbor::Text(t) if t == name);
    let done = match choice {
        // The raw CBOR, as bytes.
        0 => {
            mutate_bytes(bytes, 64, bm);
            return;
        }
        // authData (most of the checks).
        1..=3 => top.iter_mut().any(|(k, v)| {
            if let (true, Cbor::Bytes(b)) = (key_is(k, "authData"), v) {
                mutate_bytes(b, 64, bm);
                true
            } else {
                false
            }
        }),
        // fmt.
        4 => top.iter_mut().any(|(k, v)| {
            if let (true, Cbor::Text(t)) = (key_is(k, "fmt"), &mut *v) {
                let mut b = t.as_bytes().to_vec();
                mutate_bytes(&mut b, 8, bm);
                *v = Cbor::Text(String::from_utf8_lossy(&b).into_owned());
                true
            } else {
                false
            }
        }),
        // One attStmt member.
        _ => top.iter_mut().any(|(k, v)| {
            if let (true, Cbor::Map(stmt)) = (key_is(k, "attStmt"), v) {
                if stmt.is_empty() {
                    return false;
                }
                let i = rng.below(stmt.len());
                let Some((_, member)) = stmt.get_mut(i) else {
                    return false;
                };
                mutate_cbor_leaf(member, rng, bm);
                true
            } else {
                false
            }
        }),
    };
    if !done {
        mutate_bytes(bytes, 64, bm);
        return;
    }
    let mut out = Vec::new();
    if ciborium::ser::into_writer(&Cbor::Map(top), &mut out).is_ok() {
        *bytes = out;
    }
}

/// Mutates a CBOR value found in attStmt: byte strings as bytes, integers to
/// neighbouring or extreme values, arrays (x5c) one element at a time.
fn mutate_cbor_leaf(
    v: &mut Cbor,
    rng: &mut Rng,
    bm: &mut dyn FnMut(&mut [u8], usize, usize) -> usize,
) {
    match v {
        Cbor::Bytes(b) => mutate_bytes(b, 64, bm),
        Cbor::Text(t) => {
            let mut b = t.as_bytes().to_vec();
            mutate_bytes(&mut b, 16, bm);
            *t = String::from_utf8_lossy(&b).into_owned();
        }
        Cbor::Integer(i) => {
            let x = i128::from(*i);
            let y: i64 = match rng.below(5) {
                0 => -7,
                1 => -257,
                2 => -65535,
                3 => (x as i64).wrapping_add(1),
                _ => rng.next() as i64,
            };
            *v = Cbor::Integer(y.into());
        }
        Cbor::Array(items) if !items.is_empty() => {
            match rng.below(4) {
                // Drop one element (a shorter chain).
                0 => {
                    let i = rng.below(items.len());
                    items.remove(i);
                }
                // Duplicate one (a longer chain).
                1 => {
                    let i = rng.below(items.len());
                    let dup = items[i].clone();
                    items.insert(i, dup);
                }
                _ => {
                    let i = rng.below(items.len());
                    mutate_cbor_leaf(&mut items[i], rng, bm);
                }
            }
        }
        other => {
            // Any other value: replace it with bytes, the type most members have.
            *other = Cbor::Bytes(vec![rng.next() as u8; rng.below(80)]);
        }
    }
}
