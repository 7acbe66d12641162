//! RSA public-key parts as attestation statements and the `ring` backend need
//! them: modulus and exponent as minimal big-endian integers.

/// RSA modulus and exponent, big-endian without leading zeros.
pub(crate) fn rsa_parts(k: &rsa::PublicKey) -> (Vec<u8>, Vec<u8>) {
    use rsa::traits::PublicKeyParts;
    (
        strip(&k.n().to_be_bytes()).to_vec(),
        strip(&k.e().to_be_bytes()).to_vec(),
    )
}

/// Drops leading zero bytes: DER integers, TPM buffers and `rsa`'s encoding pad
/// differently, and keys are compared by value.
pub(crate) fn strip(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(i..).unwrap_or(&[])
}
