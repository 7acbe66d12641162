//! relypass's benchmarks live in the bench targets beside this file
//! (`p256_verify.rs`, `ceremony.rs`, `store_scale.rs`); this empty library only
//! gives the `relypass-benches` package a root. See `README.md` here.
#![forbid(unsafe_code)]
