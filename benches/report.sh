#!/usr/bin/env bash
# Runs relypass's ceremony benchmarks and the webauthn-rs-core comparison on the
# same fixtures, then prints the medians and ratios as the table in
# benches/README.md.   Usage: benches/report.sh [--no-run]
#   --no-run   only build both (what CI does)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--no-run" ]; then
  cargo bench --no-run --bench '*'
  (cd benches/webauthn-rs && env -u CARGO_TARGET_DIR cargo bench --no-run)
  exit 0
fi
cargo bench --bench ceremony
(cd benches/webauthn-rs && env -u CARGO_TARGET_DIR cargo bench)
python3 - "${CARGO_TARGET_DIR:-target}/criterion" benches/webauthn-rs/target/criterion <<'PY'
import json, pathlib, sys
med = {}
for root in sys.argv[1:]:
    for b in pathlib.Path(root).glob("**/new/benchmark.json"):
        fid = json.loads(b.read_text())["full_id"]
        est = json.loads((b.parent / "estimates.json").read_text())
        med[fid] = est["median"]["point_estimate"]
def fmt(ns):
    return f"{ns/1e3:.1f} µs" if ns >= 1e3 else f"{ns:.0f} ns"
print("| benchmark | median |\n| --- | ---: |")
for k in sorted(med):
    print(f"| `{k}` | {fmt(med[k])} |")
print()
print("| algorithm | finish_authentication | with cached key | raw verify (crate) | relypass signature::verify | finish ÷ raw | cached ÷ raw | webauthn-rs-core 0.6 | webauthn-rs ÷ relypass |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
raw = {"es256": "p256_verify_prehash", "ed25519": "ed25519_dalek_verify_strict", "rs256": "rsa_pkcs1v15_verify"}
for alg, r in raw.items():
    f = med.get(f"finish_authentication/{alg}")
    fc = med.get(f"finish_authentication_cached_key/{alg}")
    rv = med.get(f"raw_verify/{alg}/{r}")
    rs = med.get(f"raw_verify/{alg}/relypass_signature")
    w = med.get(f"webauthn_rs_core/{alg}")
    cell = lambda x: fmt(x) if x else "—"
    ratio = lambda a, b: f"{a/b:.2f}×" if a and b else "—"
    print(f"| {alg} | {cell(f)} | {cell(fc)} | {cell(rv)} | {cell(rs)} | {ratio(f, rv)} | {ratio(fc, rv)} | {cell(w)} | {ratio(w, f)} |")
PY
