//! Measures what one unfinished ceremony costs in `MemoryStore`, for the
//! documented default cap (`MemoryStore::DEFAULT_CEREMONY_LIMIT`). Ignored by
//! default (it fills a store with 100 000 states); run with
//! `cargo test --test ceremony_state_memory -- --ignored --nocapture`.
//! Linux only: it reads the resident set size from /proc.

use relypass::{
    AuthenticationOptions, MemoryStore, Passkeys, RegistrationOptions, RelyingParty, User,
    UserHandle,
};

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[tokio::test]
#[ignore = "memory measurement; run by hand"]
async fn bytes_per_ceremony_state() {
    let rp = RelyingParty::builder("example.com", "Example")
        .origin("https://example.com")
        .build()
        .unwrap();
    let n = MemoryStore::DEFAULT_CEREMONY_LIMIT;
    // Every store stays alive to the end, so the second measurement does not
    // reuse memory the first one freed.
    let mut keep = Vec::new();
    for kind in ["sign-in (discoverable)", "registration"] {
        let pk = Passkeys::new(rp.clone(), MemoryStore::new());
        let before = resident_bytes();
        for i in 0..n {
            if kind == "registration" {
                let user = User {
                    handle: UserHandle::random().unwrap(),
                    name: format!("user{i}@example.com"),
                    display_name: format!("User {i}"),
                };
                pk.start_registration(&user, &RegistrationOptions::default())
                    .await
                    .unwrap();
            } else {
                pk.start_authentication(None, &AuthenticationOptions::default())
                    .await
                    .unwrap();
            }
        }
        assert_eq!(pk.store().outstanding_ceremonies(), n);
        let per = (resident_bytes() - before) / n as u64;
        println!("{kind}: {n} states, about {per} bytes each");
        keep.push(pk);
    }
}
