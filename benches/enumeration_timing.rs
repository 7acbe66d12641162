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
use std::collections::BTreeMap;
use std::time::Instant;

const ORIGIN: &str = "https://example.com";
const USERS: usize = 200;
const WARM_UP: usize = 200;

/// A small deterministic generator (xorshift64*): the bench needs no crypto
/// randomness, only a reproducible mix and bootstrap.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

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

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Mann–Whitney U for `a` against `b`: (U of a, z, two-sided p).
fn mann_whitney(a: &[f64], b: &[f64]) -> (f64, f64, f64) {
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = all.len();
    let (mut rank_a, mut tie_term, mut i) = (0.0, 0.0, 0);
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        rank_a += all[i..=j].iter().filter(|e| e.1).count() as f64 * avg;
        i = j + 1;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let u = rank_a - n1 * (n1 + 1.0) / 2.0;
    let nn = n1 + n2;
    let var = n1 * n2 / 12.0 * ((nn + 1.0) - tie_term / (nn * (nn - 1.0)));
    let z = (u - n1 * n2 / 2.0) / var.sqrt();
    (u, z, erfc(z.abs() / std::f64::consts::SQRT_2))
}

/// erfc by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), for x ≥ 0.
fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    poly * (-x * x).exp()
}

/// 95 % bootstrap interval of median(a) - median(b).
fn bootstrap(a: &[f64], b: &[f64], rng: &mut Rng) -> (f64, f64) {
    let mut diffs: Vec<f64> = (0..2000)
        .map(|_| {
            let ra: Vec<f64> = (0..a.len()).map(|_| a[rng.below(a.len())]).collect();
            let rb: Vec<f64> = (0..b.len()).map(|_| b[rng.below(b.len())]).collect();
            median(&ra) - median(&rb)
        })
        .collect();
    diffs.sort_by(f64::total_cmp);
    (diffs[50], diffs[1949])
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
