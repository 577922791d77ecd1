#!/usr/bin/env bash
# Ingest benchmark: a 1,000,000-row canonical person CSV imported by marsad (validating, keeping
# provenance and versions) into SQLite and PostgreSQL, side by side with each engine's raw limit on
# the same file: sqlite3's `.import` into one plain table, and PostgreSQL `COPY` (psql \copy).
# Prints rows per second and the ratio marsad / raw. Usage: bench/ingest.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/marsad-target}"
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends sqlite3; }
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$PG_BIN/initdb" ] || { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql; PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"; }

cargo build --release -q -p marsad-cli
MARSAD="$CARGO_TARGET_DIR/release/marsad"
W="$(mktemp -d /tmp/marsad-bench.XXXXXX)"
RUN_AS=(); [ "$(id -u)" = 0 ] && { chown postgres:postgres "$W"; RUN_AS=(runuser -u postgres --); }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$W/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$W"; }
trap cleanup EXIT
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$W/pg" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
# Durable settings as a deployment would run them (fsync on), same for both contenders.
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$W/pg" -l "$W/pg.log" -w -o "-p $PORT -k $W -c listen_addresses=127.0.0.1 -c max_wal_size=4GB" start >/dev/null
PSQL=(psql -q -h 127.0.0.1 -p "$PORT" -U postgres)

python3 bench/gen_persons.py "$W/persons.csv" "$ROWS"
chmod a+r "$W/persons.csv"
echo "file: $ROWS rows, $(du -h "$W/persons.csv" | cut -f1)"

secs() { python3 -c "import sys; print(f'{float(sys.argv[1]):.2f}')" "$1"; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print($e-$s)"; }

t_sqlite_raw=$(timeit sqlite3 "$W/raw.sqlite" ".mode csv" ".import $W/persons.csv persons")
mkdir -p "$W/data"
"$MARSAD" source add bench --data "$W/data" >/dev/null
t_sqlite_marsad=$(timeit "$MARSAD" import --data "$W/data" --source bench --file "$W/persons.csv" --json)

"${PSQL[@]}" -c "CREATE DATABASE raw" -c "CREATE DATABASE marsad"
"${PSQL[@]}" -d raw -c "CREATE TABLE persons (source text, record_id text, given_name text, family_name text, father_name text, mother_name text, sex text, birth_date text, birth_place text, nationality text, document_type text, document_number text, phone text, address text, locality text, postcode text)"
t_pg_raw=$(timeit "${PSQL[@]}" -d raw -c "\\copy persons FROM '$W/persons.csv' WITH (FORMAT csv, HEADER true)")
URL="postgres://postgres@127.0.0.1:$PORT/marsad"
"$MARSAD" source add bench --data "$W/data-pg" --database-url "$URL" >/dev/null
t_pg_marsad=$(timeit "$MARSAD" import --data "$W/data-pg" --database-url "$URL" --source bench --file "$W/persons.csv" --json)

accepted_sqlite=$("$MARSAD" submission report 1 --data "$W/data" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["accepted"])')
accepted_pg=$("$MARSAD" submission report 1 --data "$W/data-pg" --database-url "$URL" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["accepted"])')

python3 - "$ROWS" "$t_sqlite_raw" "$t_sqlite_marsad" "$t_pg_raw" "$t_pg_marsad" "$accepted_sqlite" "$accepted_pg" <<'PY'
import sys
rows = int(sys.argv[1]); sr, sm, pr, pm = map(float, sys.argv[2:6]); acc_s, acc_p = sys.argv[6:8]
print(f"{'engine':<12}{'raw limit':>22}{'marsad import':>22}{'ratio':>8}")
for name, raw, mar in (("SQLite", sr, sm), ("PostgreSQL", pr, pm)):
    print(f"{name:<12}{rows/raw:>14,.0f} rows/s{rows/mar:>14,.0f} rows/s{raw/mar:>8.2f}")
print(f"(raw: sqlite3 .import / psql \\copy; marsad accepted {acc_s} rows into SQLite, {acc_p} into PostgreSQL)")
PY
