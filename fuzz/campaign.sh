#!/usr/bin/env bash
# A local fuzz campaign: every target (or the ones named) for SECONDS each
# (default 300), starting from the seed corpus generated from test-vectors, then
# a table of executions per target. Crashes land in fuzz/artifacts/TARGET/; turn
# each into a regression test (tests/fuzz_regressions.rs) before fixing it.
#
#   fuzz/campaign.sh [SECONDS] [TARGET...]
#   fuzz/campaign.sh 3600 finish_registration finish_authentication
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`) and a C++ compiler.
# RUSTC_BOOTSTRAP=1 lets the stable toolchain take cargo-fuzz's -Z sanitizer flags.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
[ $# -gt 0 ] && shift
# RUSTC_BOOTSTRAP only for cargo-fuzz (it passes -Z flags); set for the main
# build too it would change every fingerprint and rebuild target/ from scratch.
fuzz() { env -u CARGO_TARGET_DIR RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }

# The finish_* targets take whole cases (up to ~16 KiB of JSON). libFuzzer's
# length control would hand their mutator a limit below the seed's size, and a
# truncated case is no longer JSON: give them the full length from the start.
extra_args() { case $1 in finish_*) echo "-len_control=0 -max_len=65536" ;; esac; }

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(fuzz list); fi

cargo run -q --example fuzz_seeds -- test-vectors/conformance/vectors fuzz/corpus \
  test-vectors/attestation || exit 1
# Debug assertions on (-a): integer overflow in a parser is a finding too.
fuzz build -a || exit 1

mkdir -p fuzz/logs
declare -A execs status
failed=0
for t in "${targets[@]}"; do
  echo "=== $t: ${secs}s"
  log=fuzz/logs/$t.log
  mkdir -p "fuzz/corpus/$t"
  fuzz run -a "$t" "fuzz/corpus/$t" -- $(extra_args "$t") \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  n=$(grep -h 'stat::number_of_executed_units' "$log" | awk '{s+=$2} END {print s+0}')
  execs[$t]=$n
  if [ $rc -eq 0 ]; then status[$t]=ok; else status[$t]="CRASH (rc $rc, see $log)"; failed=1; fi
  tail -n 3 "$log" | sed 's/^/    /'
done

echo
printf '%-24s %14s %8s  %s\n' target executions exec/s status
for t in "${targets[@]}"; do
  printf '%-24s %14s %8s  %s\n' "$t" "${execs[$t]}" "$(( ${execs[$t]} / secs ))" "${status[$t]}"
done
exit $failed
