//! Username enumeration by time and shape:
//! `cargo bench -p relypass-benches --bench enumeration_timing [-- PAIRS]`.
//!
//! Times `Passkeys::start_authentication_for_name` for names that exist and
//! names that do not, alternating which goes first in each pair so drift in
//! the machine's speed falls on both equally, and prints:
//!
//! * each side's median in µs, the difference of medians with a 95 %
//!   bootstrap interval, and a Mann–Whitney U test (z and two-sided p, normal
//!   approximation with tie correction): whether an attacker timing the
//!   endpoint could tell the two sets apart;
//! * the distribution of the options' JSON size for each side, which is what
//!   an attacker reading the answer sees.
//!
//! Known users hold credentials shaped like the default fake mix (the
//! defence's assumption about the population; a host whose users look
//! different configures `Passkeys::with_fake_credential_shapes`).
//! Not a test: nothing here asserts a time.

use relypass::json::AuthenticatorTransport;
use relypass::{
    AuthenticationOptions, MemoryStore, Passkeys, RegistrationOptions, RelyingParty, User,
    UserHandle, default_fake_credential_shapes,
};
use relypass_testkit::lifecycle::{SoftAuthenticator, random_key};
use relypass_testkit::stats::{Rng, bootstrap, mann_whitney, median};
use std::collections::BTreeMap;
use std::time::Instant;

const ORIGIN: &str = "https://example.com";
const USERS: usize = 200;
const WARM_UP: usize = 200;

fn transport_name(t: &AuthenticatorTransport) -> &'static str {
    match serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
    {
        Some(s) if s == "hybrid" => "hybrid",
        Some(s) if s == "internal" => "internal",
        Some(s) if s == "nfc" => "nfc",
        Some(s) if s == "usb" => "usb",
        Some(s) if s == "ble" => "ble",
        _ => "smart-card",
    }
}

async fn populate(pk: &Passkeys<MemoryStore>, rng: &mut Rng) -> Vec<String> {
    let shapes = default_fake_credential_shapes();
    let mut names = Vec::with_capacity(USERS);
    for i in 0..USERS {
        let name = format!("known-{i}");
        let user = User {
            handle: UserHandle::random().expect("handle"),
            name: name.clone(),
            display_name: name.clone(),
        };
        // Most accounts hold one passkey, some two.
        let count = if rng.below(4) == 0 { 2 } else { 1 };
        for _ in 0..count {
            let shape = &shapes[rng.below(shapes.len())];
            let mut auth = SoftAuthenticator::new(ORIGIN);
            auth.transports = shape.transports.iter().map(transport_name).collect();
            let (opts, ceremony) = pk
                .start_registration(&user, &RegistrationOptions::default())
                .await
                .expect("start registration");
            let id: Vec<u8> = (0..shape.id_len).map(|_| rng.next() as u8).collect();
            let resp = auth
                .create_with(&opts, id, random_key(), true)
                .expect("create");
            pk.finish_registration(&ceremony, &resp)
                .await
                .expect("finish registration");
        }
        names.push(name);
    }
    names
}

fn sizes_line(label: &str, sizes: &BTreeMap<usize, usize>) {
    let total: usize = sizes.values().sum();
    let mean = sizes.iter().map(|(s, c)| s * c).sum::<usize>() as f64 / total as f64;
    let hist: Vec<String> = sizes.iter().map(|(s, c)| format!("{s} B x{c}")).collect();
    println!("  {label:<8} mean {mean:.1} B; {}", hist.join(", "));
}

fn main() {
    let pairs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let rp = RelyingParty::builder("example.com", "Example")
        .origin(ORIGIN)
        .build()
        .expect("valid RP");
    let pk = Passkeys::new(rp, MemoryStore::new()).with_enumeration_secret([42; 32]);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let known = rt.block_on(populate(&pk, &mut rng));
    let options = AuthenticationOptions::default();

    let time_one = |name: &str| -> (f64, usize) {
        let t = Instant::now();
        let (opts, _) = rt
            .block_on(pk.start_authentication_for_name(name, &options))
            .expect("start");
        let us = t.elapsed().as_secs_f64() * 1e6;
        (us, serde_json::to_string(&opts).expect("json").len())
    };
    for i in 0..WARM_UP {
        time_one(&known[i % known.len()]);
        time_one(&format!("warm-{i}"));
    }
    let (mut tk, mut tu) = (Vec::new(), Vec::new());
    let (mut sk, mut su) = (BTreeMap::new(), BTreeMap::new());
    for i in 0..pairs {
        let k = known[i % known.len()].clone();
        let u = format!("unknown-{i}");
        // Alternate the order so a warm cache or a clock step favours neither.
        let (a, b) = if i % 2 == 0 {
            let a = time_one(&k);
            (a, time_one(&u))
        } else {
            let b = time_one(&u);
            (time_one(&k), b)
        };
        tk.push(a.0);
        tu.push(b.0);
        *sk.entry(a.1).or_insert(0) += 1;
        *su.entry(b.1).or_insert(0) += 1;
    }
    let (mk, mu) = (median(&tk), median(&tu));
    let (lo, hi) = bootstrap(&tk, &tu, &mut rng);
    let (u, z, p) = mann_whitney(&tk, &tu);
    println!("start_authentication_for_name, {pairs} alternating pairs, {USERS} known users");
    println!("  known   median {mk:.2} µs");
    println!("  unknown median {mu:.2} µs");
    println!(
        "  known - unknown: {:+.2} µs, 95% bootstrap interval [{lo:+.2}, {hi:+.2}] µs",
        mk - mu
    );
    println!("  Mann-Whitney U = {u:.0}, z = {z:+.2}, two-sided p = {p:.3}");
    println!("options JSON size");
    sizes_line("known", &sk);
    sizes_line("unknown", &su);
}
