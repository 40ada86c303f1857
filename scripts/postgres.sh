#!/usr/bin/env bash
# Start a throwaway PostgreSQL server (Debian's `postgresql` package) for the tests and benchmarks, and print
# its URL. Usage: scripts/postgres.sh [DATA_DIR] [PORT]. Idempotent: a running server on that port is reused.
# Run the suite on it: PLAYGROUND_TEST_DATABASE_URL=$(scripts/postgres.sh) .venv/bin/python -m pytest
set -euo pipefail
DATA=${1:-/tmp/playground-pg}
PORT=${2:-55432}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$BIN" ]; then
  echo "PostgreSQL is not installed: apt-get install postgresql" >&2
  exit 1
fi
as_pg() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres: "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  # Tuned for a test server: no fsync (a crash loses the test database, nothing else), enough connections
  # for several playground processes with their pools.
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -o \
    "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
fi
echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
