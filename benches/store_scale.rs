//! Store scaling: `cargo bench -p relypass-benches --bench store_scale`.
//!
//! Grows a [`MemoryStore`] to 1k, 10k and 100k credentials (two per user) and
//! reports, through [`Passkeys`], the median µs per operation of a new user's
//! registration (start, finish) and a named user's sign-in (start, finish) at
//! each size, the same ratios with the smallest and largest sizes measured in
//! turns, then the ops/s of whole registrations and sign-ins (the software
//! authenticator's signing included) on 1 and 2 threads at the largest size.
//!
//! Medians are over chunks of [`CHUNK`] operations, so one slow chunk (the VM's
//! clock, a page fault) does not move them. Signatures are made before the
//! timed `finish` calls, so only relypass and the store are timed there.
//! Not a test: nothing here asserts a time.

use relypass_testkit::lifecycle as soft;

use relypass::{
    AuthenticationOptions, CeremonyId, MemoryStore, Passkeys, RegistrationOptions, RelyingParty,
    User, UserHandle,
};
use soft::SoftAuthenticator;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORIGIN: &str = "https://example.com";
const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
const CHUNK: usize = 100;
const CHUNKS: usize = 15;
const THREAD_SECONDS: f64 = 3.0;

fn rp() -> RelyingParty {
    RelyingParty::builder("example.com", "Example")
        .origin(ORIGIN)
        .build()
        .expect("valid RP")
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn new_user(i: u64, tag: &str) -> User {
    let mut handle = tag.as_bytes().to_vec();
    handle.extend_from_slice(&i.to_be_bytes());
    User {
        handle: UserHandle::new(handle).expect("handle"),
        name: format!("{tag}-{i}"),
        display_name: format!("User {i}"),
    }
}

/// Grows the store to `target` credentials, two per filler user, through
/// the ceremonies a host runs (start, the software authenticator, finish):
/// the heap then holds what registrations leave in it. (Records made by the
/// store-testing hook instead were built through a `serde_json::Value` each,
/// whose freed temporaries left holes between the stored records; glibc's
/// malloc then placed the timed registrations' records in those cold holes,
/// and that, not the store, was most of the growth measured: 1.27× through
/// glibc, 1.17× through jemalloc, on the same store code.)
fn grow(pk: &Passkeys<MemoryStore>, from: usize, target: usize) {
    block_on(async {
        for i in from..target {
            let user = new_user(i as u64 / 2, "fill");
            let (o, ceremony) = pk
                .start_registration(&user, &RegistrationOptions::default())
                .await
                .expect("start");
            // A new authenticator each time: the user's first credential is
            // excluded from the second registration.
            let r = SoftAuthenticator::new(ORIGIN).create(&o).expect("create");
            pk.finish_registration(&ceremony, &r).await.expect("finish");
        }
    });
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn per_op(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6 / CHUNK as f64
}

/// Median µs/op of (registration start, registration finish, sign-in start,
/// sign-in finish) at the store's current size.
fn measure(pk: &Passkeys<MemoryStore>, size: usize) -> [f64; 4] {
    measure_chunks(pk, size * 10, CHUNKS)
}

/// The same over `chunks` chunks, the new users numbered from `first`.
fn measure_chunks(pk: &Passkeys<MemoryStore>, first: usize, chunks: usize) -> [f64; 4] {
    let mut out: [Vec<f64>; 4] = Default::default();
    block_on(async {
        for chunk in 0..chunks {
            let users: Vec<User> = (0..CHUNK)
                .map(|i| new_user((first + chunk * CHUNK + i) as u64, "reg"))
                .collect();
            let mut auths: Vec<SoftAuthenticator> =
                (0..CHUNK).map(|_| SoftAuthenticator::new(ORIGIN)).collect();
            let t = Instant::now();
            let mut options = Vec::with_capacity(CHUNK);
            for u in &users {
                options.push(
                    pk.start_registration(u, &RegistrationOptions::default())
                        .await
                        .expect("start"),
                );
            }
            out[0].push(per_op(t.elapsed()));
            let responses: Vec<(CeremonyId, String)> = auths
                .iter_mut()
                .zip(options)
                .map(|(a, (o, ceremony))| (ceremony, a.create(&o).expect("create")))
                .collect();
            let t = Instant::now();
            for (ceremony, r) in &responses {
                pk.finish_registration(ceremony, r).await.expect("finish");
            }
            out[1].push(per_op(t.elapsed()));

            let t = Instant::now();
            let mut requests = Vec::with_capacity(CHUNK);
            for u in &users {
                requests.push(
                    pk.start_authentication(Some(&u.handle), &AuthenticationOptions::default())
                        .await
                        .expect("start sign-in"),
                );
            }
            out[2].push(per_op(t.elapsed()));
            let assertions: Vec<(CeremonyId, String)> = auths
                .iter_mut()
                .zip(requests)
                .map(|(a, (o, ceremony))| (ceremony, a.get(&o).expect("get")))
                .collect();
            let t = Instant::now();
            for (ceremony, a) in &assertions {
                pk.finish_authentication(ceremony, a)
                    .await
                    .expect("finish sign-in");
            }
            out[3].push(per_op(t.elapsed()));
        }
    });
    out.map(median)
}

/// Whole registrations and sign-ins per second on `threads` threads.
fn throughput(pk: &Arc<Passkeys<MemoryStore>>, threads: usize, round: usize) -> (f64, f64) {
    let run = |sign_in: bool| {
        let start = Instant::now();
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let pk = Arc::clone(pk);
                std::thread::spawn(move || {
                    block_on(async {
                        let mut ops = 0u64;
                        let tag = format!("t{round}-{threads}-{t}");
                        let user = new_user(0, &tag);
                        let mut auth = SoftAuthenticator::new(ORIGIN);
                        if sign_in {
                            let (o, ceremony) = pk
                                .start_registration(&user, &RegistrationOptions::default())
                                .await
                                .expect("start");
                            let r = auth.create(&o).expect("create");
                            pk.finish_registration(&ceremony, &r).await.expect("finish");
                        }
                        while start.elapsed().as_secs_f64() < THREAD_SECONDS {
                            if sign_in {
                                let (o, ceremony) = pk
                                    .start_authentication(
                                        Some(&user.handle),
                                        &AuthenticationOptions::default(),
                                    )
                                    .await
                                    .expect("start sign-in");
                                let a = auth.get(&o).expect("get");
                                pk.finish_authentication(&ceremony, &a)
                                    .await
                                    .expect("sign-in");
                            } else {
                                let u = new_user(ops + 1, &tag);
                                let (o, ceremony) = pk
                                    .start_registration(&u, &RegistrationOptions::default())
                                    .await
                                    .expect("start");
                                let r = SoftAuthenticator::new(ORIGIN).create(&o).expect("create");
                                pk.finish_registration(&ceremony, &r).await.expect("finish");
                            }
                            ops += 1;
                        }
                        ops
                    })
                })
            })
            .collect();
        let ops: u64 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
        ops as f64 / start.elapsed().as_secs_f64()
    };
    (run(false), run(true))
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too: then
    // only check that it works, on a small store.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if quick { &[200] } else { &SIZES };
    let pk = Arc::new(Passkeys::new(rp(), MemoryStore::new()));
    // Profiling aid: STORE_SCALE_PROFILE=N grows the store to N credentials,
    // prints `grown`, then measures at that size until killed (attach
    // `perf record -p` after `grown` to see only the ceremonies).
    if let Some(n) = std::env::var("STORE_SCALE_PROFILE")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        grow(&pk, 0, n);
        println!("grown");
        // New users every round: `measure` names them after its size.
        for round in 1.. {
            measure(&pk, n + round * 1000);
        }
    }
    println!(
        "| credentials | reg start µs | reg finish µs | sign-in start µs | sign-in finish µs |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: |");
    let mut filled = 0;
    let mut rows = Vec::new();
    for &size in sizes {
        grow(&pk, filled, size);
        filled = size;
        let m = measure(&pk, size);
        println!(
            "| {size} | {:.1} | {:.1} | {:.1} | {:.1} |",
            m[0], m[1], m[2], m[3]
        );
        rows.push(m);
    }
    if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
        let ratio = |i: usize| last[i] / first[i];
        println!(
            "store-scale largest/smallest: reg start {:.2}×, reg finish {:.2}×, sign-in start {:.2}×, sign-in finish {:.2}×",
            ratio(0),
            ratio(1),
            ratio(2),
            ratio(3)
        );
        // What issue 16's target speaks of: a whole registration and a whole
        // named sign-in (start + finish) at the largest size over the smallest.
        let whole = |a: usize, b: usize| (last[a] + last[b]) / (first[a] + first[b]);
        println!(
            "store-scale whole ceremony largest/smallest: registration {:.2}×, sign-in {:.2}×",
            whole(0, 1),
            whole(2, 3)
        );
    }
    // The same ratios with the two sizes measured in turns, chunk by chunk,
    // in this one process: a smallest store grown beside the largest, each
    // chunk of one followed by a chunk of the other (which goes first
    // alternates). Measured one after the other as above, the smallest size
    // early in a young process and the largest a minute later, whatever the
    // machine did between the two phases enters the ratio; in turns it falls
    // on both sides. Runs still differ (on a shared VM, runs of the builds
    // before and after one change read 1.05× to 1.47× in turns and 1.08× to
    // 1.81× one after the other, neither build better): the largest
    // store's work waits on memory, and so on what the machine's other
    // tenants leave of the shared cache (benches/README.md).
    if let (Some(&small_size), Some(&big_size)) = (sizes.first(), sizes.last()) {
        let small = Passkeys::new(rp(), MemoryStore::new());
        grow(&small, 0, small_size);
        let mut pairs: [Vec<f64>; 6] = Default::default();
        for chunk in 0..CHUNKS {
            // New users for every chunk, numbered apart from all above.
            let first = (big_size + chunk) * 100;
            let (a, b) = if chunk % 2 == 0 {
                let a = measure_chunks(&small, first, 1);
                (a, measure_chunks(&pk, first + 50, 1))
            } else {
                let b = measure_chunks(&pk, first + 50, 1);
                (measure_chunks(&small, first, 1), b)
            };
            for i in 0..4 {
                pairs[i].push(b[i] / a[i]);
            }
            pairs[4].push((b[0] + b[1]) / (a[0] + a[1]));
            pairs[5].push((b[2] + b[3]) / (a[2] + a[3]));
        }
        let m = pairs.map(median);
        println!(
            "store-scale in turns largest/smallest: reg start {:.2}×, reg finish {:.2}×, sign-in start {:.2}×, sign-in finish {:.2}× (medians over {CHUNKS} pairs of chunks)",
            m[0], m[1], m[2], m[3]
        );
        println!(
            "store-scale in turns whole ceremony largest/smallest: registration {:.2}×, sign-in {:.2}×",
            m[4], m[5]
        );
    }
    if quick {
        return;
    }
    let (r1, s1) = throughput(&pk, 1, 0);
    let (r2, s2) = throughput(&pk, 2, 0);
    println!("| threads | registrations/s | sign-ins/s |");
    println!("| ---: | ---: | ---: |");
    println!("| 1 | {r1:.0} | {s1:.0} |");
    println!("| 2 | {r2:.0} | {s2:.0} |");
    println!(
        "store-scale 2 threads ÷ 1: registration {:.2}×, sign-in {:.2}×",
        r2 / r1,
        s2 / s1
    );
}
