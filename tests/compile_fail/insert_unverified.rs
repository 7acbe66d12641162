// The store's insert takes the verified registration, not a record: a record
// deserialized from anywhere cannot be inserted through the trait.
use relypass::{CredentialRecord, CredentialStore, InsertConditions, MemoryStore};

async fn insert(store: &MemoryStore, json: &str) {
    let record: CredentialRecord = serde_json::from_str(json).unwrap();
    let _ = store.insert_credential(&record, &InsertConditions::new()).await;
}

fn main() {}
