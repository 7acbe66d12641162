// A credential record cannot be built by struct literal: only a verified
// registration or deserializing a stored one makes one.
use relypass::{CredentialRecord, CredentialState, UserHandle};

fn main() {
    let _forged = CredentialRecord {
        id: vec![1u8; 16].into(),
        user_handle: UserHandle::new(vec![1]).unwrap(),
        public_key: vec![0xa5].into(),
        algorithm: relypass::CoseAlgorithm::ES256,
        sign_count: 0,
        backup_eligible: false,
        backup_state: false,
        user_verified: true,
        transports: Vec::new(),
        aaguid: relypass::Aaguid::ZERO,
        attestation_format: "none".into(),
        attestation_type: relypass::attestation::AttestationType::None,
        discoverable: None,
        created_at: 0,
        last_used_at: None,
        name: None,
        state: CredentialState::Active,
        state_changed_at: 0,
        possibly_cloned: false,
    };
}
