#!/usr/bin/env bash
# CI: the benchmarks compile (relypass's own, and the webauthn-rs-core comparison
# crate, which has its own workspace and lockfile). Nothing is timed here.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p relypass-benches --no-run   # bench targets only, not the test suite in release
(cd benches/webauthn-rs && env -u CARGO_TARGET_DIR cargo bench --no-run)
