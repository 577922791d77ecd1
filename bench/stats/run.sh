#!/usr/bin/env bash
# Issue 7's measure, in one run: an indicator with three disaggregations (workers placed abroad by
# sex x destination x occupation, every year, every margin) over N linked records, from the
# tables marsad materialises in SQLite and in PostgreSQL, side by side with DuckDB (PyPI)
# computing the same table from the same records exported to Parquet; the two answers are
# checked equal cell by cell, and the ratios printed.
#
#   bench/stats/run.sh [--records 10000000] [--postgres URL] [--out DIR] [--repeat 5] [--increments 3]
#
# The incremental refresh (10,000 more records, then the refresh) is repeated --increments times
# on each engine and its median reported.
#
# Without --postgres a throw-away PostgreSQL cluster is started (Debian's packages, as
# scripts/test.sh does) and removed at the end. The SQLite file and the PostgreSQL database are
# deleted after their phase (10,000,000 records take several gigabytes each). DuckDB runs from a
# virtualenv (~/.cache/marsad-bench-venv, made on first use, duckdb pinned in
# bench/link/requirements.txt). Results: DIR/results.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RECORDS=10000000 PG_URL="" OUT="" REPEAT=5 INCREMENTS=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS=$2; shift 2 ;;
    --postgres) PG_URL=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --increments) INCREMENTS=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/marsad-target}
OUT=${OUT:-$CARGO_TARGET_DIR/bench-stats/$RECORDS}
mkdir -p "$OUT"
VENV=${BENCH_VENV:-$HOME/.cache/marsad-bench-venv}
if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$ROOT/bench/link/requirements.txt"
fi

cleanup_pg=""
cleanup() { if [[ -n $cleanup_pg ]]; then eval "$cleanup_pg"; fi; }
trap cleanup EXIT
if [[ -z $PG_URL ]]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -x $PG_BIN/initdb ]] || { echo "run.sh: PostgreSQL is not installed (or pass --postgres URL)" >&2; exit 2; }
  PG_DIR=$(mktemp -d /tmp/marsad-bench-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  RUN_AS=()
  if [[ $(id -u) = 0 ]]; then chown postgres:postgres "$PG_DIR"; RUN_AS=(runuser -u postgres --); fi
  "${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_wal_size=4GB" start >/dev/null
  cleanup_pg="${RUN_AS[*]} $PG_BIN/pg_ctl -D $PG_DIR/data -m fast stop >/dev/null; rm -rf $PG_DIR"
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
fi
BENCH_DB="marsad_bench_$$"
PG_BENCH_URL="${PG_URL%/*}/$BENCH_DB"

echo "==> building (release)"
cargo build -q --release -p marsad-figures --example indicator_bench
BIN=$CARGO_TARGET_DIR/release/examples/indicator_bench

RESULTS=$OUT/results.txt
: > "$RESULTS"
echo "==> SQLite: $RECORDS records"
rm -f "$OUT/bench.sqlite"*
"$BIN" --records "$RECORDS" --store "sqlite:$OUT/bench.sqlite" --csv "$OUT" --repeat "$REPEAT" --increments "$INCREMENTS" | tee -a "$RESULTS"
du -sb "$OUT"/bench.sqlite* | awk '{s+=$1} END {print "RESULT sqlite.bytes=" s}' | tee -a "$RESULTS"
rm -f "$OUT/bench.sqlite"*

echo "==> PostgreSQL: $RECORDS records"
psql "$PG_URL" -q -c "CREATE DATABASE $BENCH_DB" >/dev/null
"$BIN" --records "$RECORDS" --store "$PG_BENCH_URL" --repeat "$REPEAT" --increments "$INCREMENTS" | tee -a "$RESULTS"
psql "$PG_URL" -At -c "SELECT 'RESULT postgres.bytes=' || pg_database_size('$BENCH_DB')" | tee -a "$RESULTS"
psql "$PG_URL" -q -c "DROP DATABASE $BENCH_DB" >/dev/null

echo "==> DuckDB $("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)') on Parquet"
"$VENV/bin/python" "$ROOT/bench/stats/duckdb_side.py" "$OUT" --repeat "$REPEAT" | tee -a "$RESULTS"

python3 - "$RESULTS" <<'PY'
import sys
r = {}
for line in open(sys.argv[1]):
    if line.startswith("RESULT "):
        k, _, v = line[7:].strip().partition("=")
        r[k] = v
duck = float(r["duckdb.query_s"])
print()
print(f"{'':34}{'SQLite':>10}{'PostgreSQL':>12}")
for k, label in [("import_s", "import (s)"), ("full_refresh_s", "full refresh (s)"),
                 ("cold_query_s", "cold: cube read + table (s)"),
                 ("warm_query_s", "warm: protected table (s)"),
                 ("warm_raw_query_s", "warm: table, no protection (s)"),
                 ("incremental_refresh_s", "incremental, +10,000 records (s)")]:
    print(f"{label:34}{r.get('sqlite.' + k, '-'):>10}{r.get('postgres.' + k, '-'):>12}")
print(f"DuckDB on Parquet, same table from the records: {duck:.3f} s "
      f"({r['duckdb.threads']} threads); answers agree: {r['check.agree']}")
for e in ("sqlite", "postgres"):
    for k in ("warm_query_s", "cold_query_s"):
        if e + "." + k in r:
            print(f"ratio {e} {k.split('_')[0]} / DuckDB: {float(r[e + '.' + k]) / duck:.2f}")
PY
