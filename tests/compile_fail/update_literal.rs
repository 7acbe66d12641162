// A sign-in update cannot be built by hand, so nothing but a verified assertion
// reaches `CredentialStore::update_after_authentication`.
use relypass::{CredentialStore, CredentialUpdate, MemoryStore};

async fn forge(store: &MemoryStore) {
    let update = CredentialUpdate {
        credential_id: vec![1u8; 16],
        previous_sign_count: 0,
        sign_count: 1,
        backup_state: false,
        last_used_at: 0,
        possibly_cloned: false,
    };
    let _ = store.update_after_authentication(&update).await;
}

fn main() {}
