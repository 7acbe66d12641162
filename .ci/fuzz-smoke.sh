#!/usr/bin/env bash
# Fuzz smoke test for CI: builds every fuzz target and runs each briefly
# (FUZZ_SECONDS, default 20) from the seed corpus made from test-vectors.
# A crash, leak or timeout fails the script. Installs cargo-fuzz when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-20}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# RUSTC_BOOTSTRAP only for cargo-fuzz (it passes -Z flags); set for the main
# build too it would change every fingerprint and rebuild target/ from scratch.
fuzz() { env -u CARGO_TARGET_DIR RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }

# The finish_* targets take whole cases (up to ~16 KiB of JSON). libFuzzer's
# length control would hand their mutator a limit below the seed's size, and a
# truncated case is no longer JSON: give them the full length from the start.
extra_args() { case $1 in finish_*) echo "-len_control=0 -max_len=65536" ;; esac; }

# Seeds go to a scratch directory so CI never grows a corpus in the checkout.
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cargo run -q --example fuzz_seeds -- test-vectors/conformance/vectors "$corpus" \
  test-vectors/attestation
fuzz build -a
for t in $(fuzz list); do
  echo "--- fuzz $t (${secs}s)"
  mkdir -p "$corpus/$t"
  log="$corpus/$t.log"
  if ! fuzz run -a "$t" "$corpus/$t" -- $(extra_args "$t") \
      -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz smoke: $t failed (the crashing input is under fuzz/artifacts/$t/)"
    exit 1
  fi
  grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$log" || true
done
echo "fuzz smoke: all targets ran ${secs}s without a crash"
