#!/usr/bin/env bash
# Record-linkage benchmark (issue 3, "Measure"): `marsad link` and Splink side by side on the
# same canonical person CSVs, scored against the truth with the same evaluator.
#
#   bench/link/run.sh [--full] [--skip-splink] [--only NAME[,NAME...]] [--work DIR]
#
# Data sets: febrl3 (5,000 records), febrl4 (2 x 5,000), mixed-25k, mixed-250k (mixed Arabic and
# Latin scripts across five sources, from crates/demo's linkage truth set); --full adds
# mixed-1m. Prints one table: dataset | records | tool | precision | recall | F1 | wall s |
# peak MB | largest cluster (pred/true), and the marsad/Splink time ratio per data set.
#
# Wall time and peak memory of both tools come from /usr/bin/time around the whole process
# (for Splink this includes starting Python and importing Splink; the in-process figures are in
# WORK/results.jsonl too). Splink runs with DuckDB's default threads (all cores).
#
# Environment: CARGO_TARGET_DIR (default $HOME/.cache/marsad-target), MARSAD_BENCH_VENV
# (default $HOME/.cache/marsad-bench-venv), SPLINK_THRESHOLD (default 0.9),
# SPLINK_MEMORY_LIMIT (DuckDB memory_limit, default 8GB; it spills to disk beyond), MARSAD_BIN (a
# marsad binary to use instead of building one; the harness's own test uses a mock).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/marsad-target}
venv=${MARSAD_BENCH_VENV:-$HOME/.cache/marsad-bench-venv}
threshold=${SPLINK_THRESHOLD:-0.9}
work=$CARGO_TARGET_DIR/bench-link
full=0
skip_splink=0
only=""
while [ $# -gt 0 ]; do
    case $1 in
        --full) full=1 ;;
        --skip-splink) skip_splink=1 ;;
        --only) only=$2; shift ;;
        --work) work=$2; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
log=$work/log
mkdir -p "$log"

say() { echo "== $*" >&2; }

# 1. Python environment (cached; reinstalled only when requirements.txt changes).
stamp=$venv/.requirements.sha256
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Splink and recordlinkage into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q -r "$here/requirements.txt"
    echo "$want" > "$stamp"
fi
py=$venv/bin/python

# 2. Build marsad and the truth-set generator (release).
say "building marsad and the linkage truth-set generator (release)"
gen=$CARGO_TARGET_DIR/release/examples/linkage_set
if ! (cd "$root" && cargo build --release -q -p marsad-demo --example linkage_set) 2> "$log/gen-build.txt"; then
    if [ -x "$gen" ]; then
        say "building the generator failed (see $log/gen-build.txt); using the one already built"
    else
        cat "$log/gen-build.txt" >&2
        exit 1
    fi
fi
marsad=${MARSAD_BIN:-$CARGO_TARGET_DIR/release/marsad}
marsad_state=ok
if [ -n "${MARSAD_BIN:-}" ]; then
    say "using MARSAD_BIN=$MARSAD_BIN (not building marsad)"
    if ! "$marsad" link --help > /dev/null 2>&1; then
        marsad_state="marsad link: not available yet"
    fi
elif ! (cd "$root" && cargo build --release -q -p marsad-cli --bin marsad) 2> "$log/marsad-build.txt"; then
    marsad_state="marsad: build failed (see $log/marsad-build.txt)"
elif ! "$marsad" link --help > /dev/null 2>&1; then
    marsad_state="marsad link: not available yet"
fi
[ "$marsad_state" = ok ] || say "$marsad_state"

# 3. Data sets: name, then the generator call that makes them.
data=$work/data
mkdir -p "$data"
datasets=(febrl3 febrl4 mixed-25k mixed-250k)
[ "$full" = 1 ] && datasets+=(mixed-1m)
if [ -n "$only" ]; then
    IFS=, read -r -a datasets <<< "$only"
fi
prepare() {
    case $1 in
        febrl3|febrl4)
            [ -f "$data/$1/truth.csv" ] || "$py" "$here/febrl.py" "$data" > "$log/febrl.txt" ;;
        mixed-25k) "$gen" "$data/$1" 25000r > "$log/$1-gen.txt" ;;
        mixed-250k) "$gen" "$data/$1" 250000r > "$log/$1-gen.txt" ;;
        mixed-1m) "$gen" "$data/$1" 1000000r > "$log/$1-gen.txt" ;;
        *) echo "unknown data set $1" >&2; exit 2 ;;
    esac
}
inputs() { # the canonical CSVs of a data set, as --input arguments
    local f
    for f in "$data/$1"/*.csv; do
        [ "$(basename "$f")" = truth.csv ] || printf -- '--input\n%s\n' "$f"
    done
}

results=$work/results.jsonl
: > "$results"
record() { # dataset tool status evaluation-json-or-empty wall peak_kb extra-json
    "$py" - "$@" "$(($(wc -l < "$truth") - 1))" >> "$results" <<'PY'
import json, sys
ds, tool, status, ev, wall, peak, extra, records = sys.argv[1:9]
row = {"dataset": ds, "tool": tool, "status": status, "records": int(records)}
if ev:
    row.update(json.loads(ev))
if wall:
    row["wall_s"] = float(wall)
if peak:
    row["peak_mb"] = int(peak) / 1024
if extra:
    row["inside"] = json.loads(extra)
print(json.dumps(row))
PY
}

for ds in "${datasets[@]}"; do
    say "$ds: preparing"
    prepare "$ds"
    truth=$data/$ds/truth.csv
    mapfile -t args < <(inputs "$ds")
    out=$work/out/$ds
    mkdir -p "$out"

    if [ "$marsad_state" = ok ]; then
        say "$ds: marsad link"
        rm -f "$out/marsad.csv"
        if /usr/bin/time -f "%e %M" -o "$out/marsad.time" \
            "$marsad" link "${args[@]}" --output "$out/marsad.csv" > "$log/$ds-marsad.txt" 2>&1; then
            read -r wall peak < <(tail -n1 "$out/marsad.time")
            ev=$("$py" "$here/evaluate.py" --json --truth "$truth" --output "$out/marsad.csv")
            record "$ds" marsad ok "$ev" "$wall" "$peak" ""
        else
            record "$ds" marsad "marsad link failed (see $log/$ds-marsad.txt)" "" "" "" ""
        fi
    else
        record "$ds" marsad "$marsad_state" "" "" "" ""
    fi

    if [ "$skip_splink" = 0 ]; then
        say "$ds: Splink"
        rm -rf "$out/splink.csv" "$out/duckdb-tmp"
        if /usr/bin/time -f "%e %M" -o "$out/splink.time" \
            "$py" "$here/splink_run.py" --quiet "${args[@]}" --output "$out/splink.csv" \
            --threshold "$threshold" --stats "$out/splink.json" > "$log/$ds-splink.txt" 2>&1; then
            read -r wall peak < <(tail -n1 "$out/splink.time")
            ev=$("$py" "$here/evaluate.py" --json --truth "$truth" --output "$out/splink.csv")
            record "$ds" splink ok "$ev" "$wall" "$peak" "$(cat "$out/splink.json")"
            rm -rf "$out/duckdb-tmp"
        else
            record "$ds" splink "splink failed (see $log/$ds-splink.txt)" "" "" "" ""
        fi
    fi
done

"$py" "$here/table.py" "$results"
