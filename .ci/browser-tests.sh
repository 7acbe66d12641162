#!/usr/bin/env bash
# End-to-end tests of the demo server with virtual authenticators, in headless
# Chromium (playwright-core, CDP) and headless Firefox ESR (geckodriver,
# WebDriver + its WebAuthn extension): builds `cargo build -p relypass-demo`,
# then runs in each browser
#   1. the SQLite flow (one server), and
#   2. the PostgreSQL flow (a temporary cluster, two servers sharing it),
# and then the relypass-axum minimal example's flow (on relypass-sqlx, a fresh
# SQLite file) in the same browsers.
# Run .ci/install-browser-deps.sh first. Extra arguments go to the driver
# (e.g. `--flow sqlite`, `--browser firefox`). It prints
# "browser chromium: N passed, M failed, K skipped", the same for firefox, and
# last "browser: N passed, M failed, K skipped" for all;
# screenshots and server and geckodriver logs land in test-output/browser/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# geckodriver comes from `cargo install` (see install-browser-deps.sh).
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"

t0=$(date +%s)
cargo build -p relypass-demo
t1=$(date +%s)
echo "demo build: $((t1 - t0))s"

if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
node tests/browser/run.mjs --bin "$CARGO_TARGET_DIR/debug/relypass-demo" "$@"

# The relypass-axum minimal example: sign up, sign out, sign in. The arguments
# come first so that `--browser` applies here too and `--flow minimal` wins.
cargo build -p relypass-axum --example minimal
exec node tests/browser/run.mjs "$@" --flow minimal --minimal-bin "$CARGO_TARGET_DIR/debug/examples/minimal"
