#!/usr/bin/env bash
# Runs relypass's ceremony benchmarks and the webauthn-rs-core comparison on the
# same fixtures, then prints the medians and ratios as the table in
# benches/README.md.   Usage: benches/report.sh [--no-run]
#   --no-run   only build both (what CI does)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--no-run" ]; then
  cargo bench -p relypass-benches --no-run
  (cd benches/webauthn-rs && env -u CARGO_TARGET_DIR cargo bench --no-run)
  exit 0
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo bench -p relypass-benches --bench ceremony | tee "$log"
(cd benches/webauthn-rs && env -u CARGO_TARGET_DIR cargo bench)
python3 - "$log" "${CARGO_TARGET_DIR:-target}/criterion" benches/webauthn-rs/target/criterion <<'PY'
import json, pathlib, sys
med = {}
# "overhead-ratio NAME PCT % (N samples)" lines printed by bench_overhead.
ratio_of = {}
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("overhead-ratio "):
        parts = line.split()
        ratio_of[parts[1]] = float(parts[2])
for root in sys.argv[2:]:
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
print()
# The issue's targets. "overhead/..." rows time the ceremony and the bare
# signature check back to back and report the difference (see bench_overhead).
g = med.get
cell = lambda x: fmt(x) if x else "—"
def pct(a, b):
    return f"{100*a/b:.2f} %" if a and b else "—"
def times(a, b):
    return f"{a/b:.3f}×" if a and b else "—"
rs = g("raw_verify/es256/relypass_signature")
ps = g("overhead/packed-self/signature_verify")
w = g("webauthn_rs_core/es256")
print("| target | measured | ratio |\n| --- | --- | ---: |")
def rat(name):
    return f"{ratio_of[name]:.2f} %" if name in ratio_of else "—"
print(f"| ES256 ceremony overhead ≤ 2 % (interleaved pairs) | {cell(g('overhead/finish_authentication/es256'))} per sign-in | {rat('finish_authentication/es256')} |")
print(f"| ES256 ceremony overhead ≤ 2 % (separate rows) | {cell(g('finish_authentication/es256'))} vs {cell(rs)} | {times(g('finish_authentication/es256'), rs)} |")
print(f"| ES256 finish_authentication ≤ 0.75× webauthn-rs-core | {cell(g('finish_authentication/es256'))} vs {cell(w)} | {times(g('finish_authentication/es256'), w)} |")
print(f"| none registration ≤ 2.5 µs | {cell(g('finish_registration/none/w3c-es256'))} | — |")
ov = g("overhead/finish_registration/packed-self")
pk = ratio_of.get("finish_registration/packed-self")
print(f"| packed self ≤ 1.02× one signature check (interleaved pairs) | {cell(ov)} per registration | {f'{1 + pk / 100:.3f}×' if pk is not None else '—'} |")
print(f"| packed self ≤ 1.02× one signature check (separate rows) | {cell(g('finish_registration/packed-self/w3c-es256'))} vs {cell(rs)} | {times(g('finish_registration/packed-self/w3c-es256'), rs)} |")
PY
