#!/usr/bin/env bash
# Installs what the end-to-end browser tests need (tests/browser, run by
# .ci/browser-tests.sh):
#   - Debian's Chromium and ChromeDriver (/usr/bin/chromium),
#   - Debian's Firefox ESR (/usr/bin/firefox-esr) and geckodriver, which Debian
#     does not package: `cargo install geckodriver --locked` (skipped when a
#     geckodriver is already on PATH or in ~/.cargo/bin),
#   - PostgreSQL, if no initdb is found (the two-server flow starts its own
#     throw-away cluster),
#   - playwright-core, pinned by tests/browser/package-lock.json (npm ci).
# Idempotent: apt-get and cargo install only run when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

packages=()
if [ ! -x /usr/bin/chromium ]; then
  packages+=(chromium chromium-driver)
fi
if [ ! -x /usr/bin/firefox-esr ]; then
  packages+=(firefox-esr)
fi
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  packages+=(postgresql)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  echo "install-browser-deps: apt-get install ${packages[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${packages[@]}"
fi

export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
if ! command -v geckodriver >/dev/null 2>&1; then
  echo "install-browser-deps: cargo install geckodriver --locked"
  # cargo's own throw-away target directory, never the project's.
  env -u CARGO_TARGET_DIR cargo install geckodriver --locked --quiet
fi

(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
echo "install-browser-deps: $(/usr/bin/chromium --version 2>/dev/null | head -1), $(/usr/bin/firefox-esr --version 2>/dev/null | head -1), $(geckodriver --version | head -1), playwright-core $(node -p "require('./tests/browser/node_modules/playwright-core/package.json').version")"
