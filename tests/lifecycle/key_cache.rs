//! The service's parsed-key cache (issue 16): a cached key is used only for
//! the exact record it was parsed from, so a key replaced elsewhere (another
//! server sharing the store) is never verified with its predecessor.

use super::*;

#[tokio::test]
async fn cached_key_is_not_used_after_another_server_replaced_the_key() {
    // Two servers, one store (MemoryStore clones share their data).
    let store = MemoryStore::new();
    let rp = || builder().build().unwrap();
    let one = Passkeys::new(rp(), store.clone());
    let two = Passkeys::new(rp(), store);
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&one, &alice, &mut auth).await;
    // Server one signs in: the parsed key is now in its cache.
    sign_in(&one, Some(&alice.handle), &mut auth).await.unwrap();

    // Server two revokes the credential and the same id comes back with a new
    // key (a dead record replaced); server one's cache is not told.
    two.revoke_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    let (opts, ceremony) = two
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let old = auth.credentials.remove(0);
    let mut fresh = SoftAuthenticator::new(ORIGIN);
    let resp = fresh
        .create_with(&opts, rec.id().to_vec(), random_key(), true)
        .unwrap();
    two.finish_registration(&ceremony, &resp).await.unwrap();

    // The old private key no longer signs in on server one...
    auth.credentials.push(old);
    assert!(matches!(
        sign_in(&one, Some(&alice.handle), &mut auth).await,
        Err(Error::Signature)
    ));
    // ...and the new one does, on both servers.
    sign_in(&one, Some(&alice.handle), &mut fresh)
        .await
        .unwrap();
    sign_in(&two, Some(&alice.handle), &mut fresh)
        .await
        .unwrap();
}

#[tokio::test]
async fn sign_in_works_with_the_key_cache_off() {
    let pk = passkeys().with_key_cache(0);
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    register(&pk, &alice, &mut auth).await;
    for _ in 0..3 {
        sign_in(&pk, Some(&alice.handle), &mut auth).await.unwrap();
    }
}
