#!/usr/bin/env bash
# Instruction counts per sign-in, per algorithm, under callgrind: the
# ceremony (`cached`: from_json + verify_assertion; `full`: with the stored key
# parsed) against the bare signature check (`sig`: relypass signature::verify;
# `crate`: the crypto crate alone). Each row is (count at N = 101 − count at
# N = 1) ÷ 100, so setup cancels; see `callgrind_mode` in benches/ceremony.rs.
#
#   bash benches/callgrind.sh [--no-build] [ALG...]     # ALG: es256 ed25519 rs256
#   FEATURES=ring bash benches/callgrind.sh es256       # the ring build
set -euo pipefail
cd "$(dirname "$0")/.."
build=1
if [[ "${1:-}" == --no-build ]]; then build=0; shift; fi
algs=("$@")
[[ ${#algs[@]} -eq 0 ]] && algs=(es256 ed25519 rs256)
feat=()
[[ -n "${FEATURES:-}" ]] && feat=(--features "$FEATURES")
if [[ $build -eq 1 ]]; then
  cargo bench -p relypass-benches "${feat[@]}" --bench ceremony --no-run >/dev/null 2>&1
fi
bin=$(cargo bench -p relypass-benches "${feat[@]}" --bench ceremony --no-run --message-format=json 2>/dev/null |
  grep -o '"executable":"[^"]*ceremony-[^"]*"' | tail -1 | cut -d'"' -f4)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { # ALG WHAT N -> instructions
  CEREMONY_CALLGRIND="$1:$2:$3" valgrind --tool=callgrind --callgrind-out-file="$tmp/out" \
    "$bin" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_op() { echo $(( ($(count "$1" "$2" 101) - $(count "$1" "$2" 1)) / 100 )); }
printf '%-8s %10s %10s %10s %10s %9s %9s\n' alg cached full sig crate 'cached-sig' 'cached-crate'
for a in "${algs[@]}"; do
  c=$(per_op "$a" cached); f=$(per_op "$a" full); s=$(per_op "$a" sig); k=$(per_op "$a" crate)
  printf '%-8s %10d %10d %10d %10d %9d %9d\n' "$a" "$c" "$f" "$s" "$k" $((c - s)) $((c - k))
done
