//! The COSE algorithm identifier: a plain value type, kept apart from key parsing
//! so that the error type (which names algorithms) does not depend on the parser.

/// A COSE algorithm identifier (IANA "COSE Algorithms" registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CoseAlgorithm {
    /// ECDSA with SHA-256 on P-256 (-7).
    ES256,
    /// ECDSA with SHA-384 on P-384 (-35).
    ES384,
    /// ECDSA with SHA-512 on P-521 (-36).
    ES512,
    /// EdDSA (-8); the curve comes from the key (Ed25519 or Ed448).
    EdDSA,
    /// Ed25519, fully specified (-19).
    Ed25519,
    /// Ed448, fully specified (-53).
    Ed448,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (-257).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384 (-258).
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512 (-259).
    RS512,
    /// RSASSA-PSS with SHA-256 (-37).
    PS256,
    /// RSASSA-PSS with SHA-384 (-38).
    PS384,
    /// RSASSA-PSS with SHA-512 (-39).
    PS512,
    /// RSASSA-PKCS1-v1_5 with SHA-1 (-65535). Only ever accepted where an
    /// attestation format needs it (Windows Hello TPM statements).
    RS1,
    /// ML-DSA-44 (-48).
    MlDsa44,
    /// ML-DSA-65 (-49).
    MlDsa65,
    /// ML-DSA-87 (-50).
    MlDsa87,
    /// Any other registered or private value.
    Other(i64),
}

impl CoseAlgorithm {
    /// The IANA integer value.
    pub fn to_i64(self) -> i64 {
        match self {
            CoseAlgorithm::ES256 => -7,
            CoseAlgorithm::ES384 => -35,
            CoseAlgorithm::ES512 => -36,
            CoseAlgorithm::EdDSA => -8,
            CoseAlgorithm::Ed25519 => -19,
            CoseAlgorithm::Ed448 => -53,
            CoseAlgorithm::RS256 => -257,
            CoseAlgorithm::RS384 => -258,
            CoseAlgorithm::RS512 => -259,
            CoseAlgorithm::PS256 => -37,
            CoseAlgorithm::PS384 => -38,
            CoseAlgorithm::PS512 => -39,
            CoseAlgorithm::RS1 => -65535,
            CoseAlgorithm::MlDsa44 => -48,
            CoseAlgorithm::MlDsa65 => -49,
            CoseAlgorithm::MlDsa87 => -50,
            CoseAlgorithm::Other(v) => v,
        }
    }

    /// From the IANA integer value.
    pub fn from_i64(v: i64) -> Self {
        match v {
            -7 => CoseAlgorithm::ES256,
            -35 => CoseAlgorithm::ES384,
            -36 => CoseAlgorithm::ES512,
            -8 => CoseAlgorithm::EdDSA,
            -19 => CoseAlgorithm::Ed25519,
            -53 => CoseAlgorithm::Ed448,
            -257 => CoseAlgorithm::RS256,
            -258 => CoseAlgorithm::RS384,
            -259 => CoseAlgorithm::RS512,
            -37 => CoseAlgorithm::PS256,
            -38 => CoseAlgorithm::PS384,
            -39 => CoseAlgorithm::PS512,
            -65535 => CoseAlgorithm::RS1,
            -48 => CoseAlgorithm::MlDsa44,
            -49 => CoseAlgorithm::MlDsa65,
            -50 => CoseAlgorithm::MlDsa87,
            other => CoseAlgorithm::Other(other),
        }
    }

    /// Whether this build can verify signatures of this algorithm at all
    /// (Ed448 needs the `ed448` feature, ML-DSA the `ml-dsa` feature).
    // Not `matches!`: which arms are true depends on the features built.
    #[allow(clippy::match_like_matches_macro)]
    pub fn is_implemented(self) -> bool {
        match self {
            CoseAlgorithm::Other(_) => false,
            CoseAlgorithm::Ed448 => cfg!(feature = "ed448"),
            CoseAlgorithm::MlDsa44 | CoseAlgorithm::MlDsa65 | CoseAlgorithm::MlDsa87 => {
                cfg!(feature = "ml-dsa")
            }
            _ => true,
        }
    }
}

impl serde::Serialize for CoseAlgorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_i64(self.to_i64())
    }
}

impl<'de> serde::Deserialize<'de> for CoseAlgorithm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        i64::deserialize(d).map(CoseAlgorithm::from_i64)
    }
}

#[cfg(test)]
mod tests {
    use super::CoseAlgorithm::{self, *};

    /// Mutation testing: dropping the minus sign of most labels in `to_i64`
    /// was not caught, as only ES256, EdDSA and RS256 reach the selected tests.
    /// The labels are what options and stored records carry (IANA "COSE
    /// Algorithms"), so each is pinned in both directions.
    #[test]
    fn every_algorithm_has_its_iana_label_both_ways() {
        let table: [(CoseAlgorithm, i64); 16] = [
            (ES256, -7),
            (ES384, -35),
            (ES512, -36),
            (EdDSA, -8),
            (Ed25519, -19),
            (Ed448, -53),
            (RS256, -257),
            (RS384, -258),
            (RS512, -259),
            (PS256, -37),
            (PS384, -38),
            (PS512, -39),
            (RS1, -65535),
            (MlDsa44, -48),
            (MlDsa65, -49),
            (MlDsa87, -50),
        ];
        for (alg, label) in table {
            assert_eq!(alg.to_i64(), label, "{alg:?}");
            assert_eq!(CoseAlgorithm::from_i64(label), alg, "{label}");
        }
        assert_eq!(CoseAlgorithm::from_i64(-7000), Other(-7000));
        assert_eq!(Other(-7000).to_i64(), -7000);
    }

    /// Mutation testing: `is_implemented` replaced by `true`, or with its
    /// `Other`, Ed448 or ML-DSA arm deleted, was not caught. An RP must not be
    /// configured with an algorithm this build cannot verify.
    #[test]
    fn implemented_algorithms_follow_the_build() {
        assert!(!Other(-7000).is_implemented());
        assert_eq!(Ed448.is_implemented(), cfg!(feature = "ed448"));
        for alg in [MlDsa44, MlDsa65, MlDsa87] {
            assert_eq!(alg.is_implemented(), cfg!(feature = "ml-dsa"), "{alg:?}");
        }
        for alg in [ES256, ES384, ES512, EdDSA, Ed25519, RS256, PS256, RS1] {
            assert!(alg.is_implemented(), "{alg:?}");
        }
    }
}
