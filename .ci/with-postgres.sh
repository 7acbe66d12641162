#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL cluster: initdb in a temp
# directory, started on 127.0.0.1 at a free port, removed afterwards. The
# command sees its URL in RELYPASS_TEST_POSTGRES (the SQL store's race tests
# read it). PostgreSQL refuses to run as root, so as root the cluster runs as
# the `postgres` user (or `nobody`). Usage: .ci/with-postgres.sh CMD [ARGS...]
set -euo pipefail

initdb=$(command -v initdb || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$initdb" ]; then
  echo "with-postgres: initdb not found (.ci/install-browser-deps.sh installs PostgreSQL)" >&2
  exit 1
fi
pg_ctl="$(dirname "$initdb")/pg_ctl"

as=()
if [ "$(id -u)" -eq 0 ]; then
  if id -u postgres >/dev/null 2>&1; then user=postgres; else user=nobody; fi
  as=(runuser -u "$user" --)
fi

dir=$(mktemp -d /tmp/relypass-pg-XXXXXX)
[ "${#as[@]}" -eq 0 ] || chown "$user" "$dir"
cleanup() {
  "${as[@]}" "$pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as[@]}" "$initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync --no-instructions >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as[@]}" "$pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off" start >/dev/null

export RELYPASS_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
"$@"
