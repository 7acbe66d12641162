#!/usr/bin/env bash
# One run of every benchmark behind the performance tables, then the tables:
# relypass's ceremony benchmarks and the webauthn-rs-core comparison on the
# same fixtures, the `ring` build's ceremony rows, the interleaved ES256
# verifier ratios (relypass ÷ ring, ÷ p256), the MemoryStore scaling run and
# the issue-16 targets with their ratios.
#   Usage: benches/report.sh [--no-run]
#   --no-run   only build everything (what CI does)
# Run it on a quiet machine: criterion measures rows one after another, so a
# busy neighbour moves ratios between rows (the interleaved ratios less so).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--no-run" ]; then
  cargo bench -p relypass-benches --no-run
  cargo bench -p relypass-benches --features ring --no-run
  (cd benches/webauthn-rs && env -u CARGO_TARGET_DIR cargo bench --no-run)
  exit 0
fi
# Absolute: criterion runs each bench with the package directory (benches/)
# as its working directory, so a relative CRITERION_HOME landed in
# benches/target/ while the tables below read target/ (the ring rows came out
# empty).
target=$(realpath -m "${CARGO_TARGET_DIR:-target}")
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
echo "load average at start: $(cat /proc/loadavg 2>/dev/null || echo n/a)" | tee "$logs/load"
cargo bench -p relypass-benches --bench ceremony | tee "$logs/ceremony"
(cd benches/webauthn-rs && env -u CARGO_TARGET_DIR cargo bench)
# The ring build writes its criterion results elsewhere: same benchmark ids.
CRITERION_HOME="$target/criterion-ring" \
  cargo bench -p relypass-benches --features ring --bench ceremony -- es256 | tee "$logs/ring"
cargo bench -p relypass-benches --features ring --bench p256_verify | tee "$logs/p256"
cargo bench -p relypass-benches --bench store_scale | tee "$logs/store"
echo "load average at end: $(cat /proc/loadavg 2>/dev/null || echo n/a)" | tee -a "$logs/load"
python3 - "$logs" "$target/criterion" benches/webauthn-rs/target/criterion "$target/criterion-ring" <<'PY'
import json, pathlib, re, sys
logs = pathlib.Path(sys.argv[1])

def medians(*roots):
    med = {}
    for root in roots:
        for b in pathlib.Path(root).glob("**/new/benchmark.json"):
            fid = json.loads(b.read_text())["full_id"]
            est = json.loads((b.parent / "estimates.json").read_text())
            med[fid] = est["median"]["point_estimate"]
    return med

def overhead(log):
    """`overhead-ratio NAME PCT % (N samples)` lines printed by bench_overhead."""
    out = {}
    for line in (logs / log).read_text(encoding="utf-8").splitlines():
        if line.startswith("overhead-ratio "):
            parts = line.split()
            out[parts[1]] = float(parts[2])
    return out

def grab(log, pattern):
    m = re.search(pattern, (logs / log).read_text(encoding="utf-8"))
    return float(m.group(1)) if m else None

med = medians(sys.argv[2], sys.argv[3])
ring = medians(sys.argv[4])
ratio_of = overhead("ceremony")
ring_ratio_of = overhead("ring")

def fmt(ns):
    return f"{ns/1e3:.1f} µs" if ns >= 1e3 else f"{ns:.0f} ns"
cell = lambda x: fmt(x) if x else "—"
times = lambda a, b: f"{a/b:.3f}×" if a and b else "—"

print((logs / "load").read_text())
print("| benchmark | median |\n| --- | ---: |")
for k in sorted(med):
    print(f"| `{k}` | {fmt(med[k])} |")
for k in sorted(ring):
    print(f"| `{k}` (`--features ring`) | {fmt(ring[k])} |")
print()
print("| algorithm | finish_authentication | with cached key | raw verify (crate) | relypass signature::verify | finish ÷ raw | cached ÷ raw | webauthn-rs-core 0.6 | relypass ÷ webauthn-rs (cached) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
raw = {"es256": "p256_verify_prehash", "ed25519": "ed25519_dalek_verify_strict", "rs256": "rsa_pkcs1v15_verify"}
for alg, r in raw.items():
    f = med.get(f"finish_authentication/{alg}")
    fc = med.get(f"finish_authentication_cached_key/{alg}")
    rv = med.get(f"raw_verify/{alg}/{r}")
    rs = med.get(f"raw_verify/{alg}/relypass_signature")
    w = med.get(f"webauthn_rs_core/{alg}")
    print(f"| {alg} | {cell(f)} | {cell(fc)} | {cell(rv)} | {cell(rs)} | {times(f, rv)} | {times(fc, rv)} | {cell(w)} | {times(f, w)} ({times(fc, w)}) |")
print()

g = med.get
def row(target, measured, value, ok):
    met = "—" if value is None else ("yes" if ok(value) else "**no**")
    print(f"| {target} | {measured} | {met} |")
print("| target (issue 16) | measured | met? |\n| --- | --- | --- |")
reg = grab("store", r"whole ceremony largest/smallest: registration ([0-9.]+)×")
sig = grab("store", r"whole ceremony largest/smallest: registration [0-9.]+×, sign-in ([0-9.]+)×")
row("registration at 100k ≤ 1.2× at 1k (MemoryStore, start + finish)", f"{reg}×", reg, lambda v: v <= 1.2)
row("named sign-in at 100k ≤ 1.2× at 1k", f"{sig}×", sig, lambda v: v <= 1.2)
r2 = grab("store", r"2 threads ÷ 1: registration ([0-9.]+)×")
s2 = grab("store", r"2 threads ÷ 1: registration [0-9.]+×, sign-in ([0-9.]+)×")
row("2 threads ≥ 1.8× ops/s of 1: registration", f"{r2}×", r2, lambda v: v >= 1.8)
row("2 threads ≥ 1.8× ops/s of 1: sign-in", f"{s2}×", s2, lambda v: v >= 1.8)
fc, f, w = g("finish_authentication_cached_key/rs256"), g("finish_authentication/rs256"), g("webauthn_rs_core/rs256")
v = fc / w if fc and w else None
row("RS256 sign-in ≤ 0.85× webauthn-rs-core (key cached, as `Passkeys` does)",
    f"{cell(fc)} vs {cell(w)}: {times(fc, w)} (key parsed per call: {times(f, w)})", v, lambda x: x <= 0.85)
ed = ratio_of.get("verify_assertion/ed25519")
fc, raw_ed = g("finish_authentication_cached_key/ed25519"), g("raw_verify/ed25519/ed25519_dalek_verify_strict")
row("Ed25519 sign-in ≤ 1.03× a bare strict verify (key cached; interleaved pairs)",
    f"{'—' if ed is None else f'{1 + ed / 100:.3f}×'} (separate rows: {cell(fc)} vs {cell(raw_ed)}, {times(fc, raw_ed)})",
    ed, lambda x: x <= 3.0)
pct = ratio_of.get("verify_assertion/es256")
full = ratio_of.get("finish_authentication/es256")
row("ES256 sign-in overhead ≤ 1 % beyond its signature check (key cached, as `Passkeys` does; interleaved pairs)",
    f"{pct} % (key parsed per call: {full} %)", pct, lambda x: x <= 1.0)
rr = grab("p256", r"ratio relypass ÷ +ring: ([0-9.]+)")
rp = grab("p256", r"ratio relypass ÷ +p256[^:]*: ([0-9.]+)")
row("pure-Rust ES256 verify ≤ 1.35× ring's verify (interleaved)", f"{rr}× (÷ p256: {rp}×)", rr, lambda x: x <= 1.35)
rpct = ring_ratio_of.get("verify_assertion/es256")
rfull = ring_ratio_of.get("finish_authentication/es256")
ratio = lambda p: "—" if p is None else f"{1 + p / 100:.3f}×"
row("ring build: ES256 sign-in ≤ 1.02× ring's bare verify (key cached; interleaved pairs)",
    f"{ratio(rpct)} (key parsed per call: {ratio(rfull)})", rpct, lambda x: x <= 2.0)
print()
# Issue 7's targets, kept.
rs = g("raw_verify/es256/relypass_signature")
print("| target (issue 7) | measured | ratio |\n| --- | --- | ---: |")
print(f"| ES256 finish_authentication ≤ 0.75× webauthn-rs-core | {cell(g('finish_authentication/es256'))} vs {cell(g('webauthn_rs_core/es256'))} | {times(g('finish_authentication/es256'), g('webauthn_rs_core/es256'))} |")
print(f"| none registration ≤ 2.5 µs | {cell(g('finish_registration/none/w3c-es256'))} | — |")
pk = ratio_of.get("finish_registration/packed-self")
print(f"| packed self ≤ 1.02× one signature check (interleaved pairs) | {cell(g('overhead/finish_registration/packed-self'))} per registration | {f'{1 + pk / 100:.3f}×' if pk is not None else '—'} |")
print()
print("MemoryStore scaling (store_scale):")
for line in (logs / "store").read_text(encoding="utf-8").splitlines():
    if line.startswith("|") or line.startswith("store-scale"):
        print(line)
PY
