#!/usr/bin/env bash
# NBIS and marsad side by side on a synthetic data set, under the FVC protocol.
#
#   bench/fingerprints/run.sh [--fingers 100] [--impressions 8] [--preset harsh] [--seed 1]
#                             [--out DIR] [--marsad-scores FILE.csv[:FTE.txt]] [--set key=value ...]
#
# 1. generates DIR/<finger>_<impression>.png with the `synth_dataset` example (and DIR/truth.csv);
# 2. runs NIST NBIS (mindtct + bozorth3, PyPI `nbis-py`, in the venv ~/.cache/marsad-nbis-venv,
#    created on first use) on every image and every protocol pair;
# 3. gets marsad's scores: the file given by --marsad-scores, or else, if the `marsad` binary
#    has a `fingerprint match` command, runs it on DIR/pairs.csv; skipped otherwise;
# 4. prints FTE, EER, FMR100, FMR1000, ZeroFMR of each system, the ratio of EERs, and writes
#    DIR/det.svg with both DET curves.
#
# marsad's scores file: CSV `probe,candidate,score` (header allowed), probe and candidate being
# the image paths of DIR/pairs.csv (or any path whose file stem is `<finger>_<impression>`),
# higher score = more alike, an empty score for a comparison that failed; optionally `:FTE.txt`
# listing the images that failed to enrol, one per line.
set -euo pipefail

FINGERS=100 IMPRESSIONS=8 PRESET=harsh SEED=1 OUT="" MARSAD_SCORES="" SETS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fingers) FINGERS=$2; shift 2 ;;
    --impressions) IMPRESSIONS=$2; shift 2 ;;
    --preset) PRESET=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --marsad-scores) MARSAD_SCORES=$2; shift 2 ;;
    --set) SETS+=(--set "$2"); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/target/fingerprints/$PRESET-$FINGERS-$IMPRESSIONS-$SEED}
VENV=${NBIS_VENV:-$HOME/.cache/marsad-nbis-venv}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$OUT"

if [[ ! -x $VENV/bin/python ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet nbis-py
fi

cd "$ROOT"
cargo build --quiet --release -p marsad-biometrics --example synth_dataset --example eval_fvc
"$TARGET/release/examples/synth_dataset" --out "$OUT" --fingers "$FINGERS" \
  --impressions "$IMPRESSIONS" --preset "$PRESET" --seed "$SEED" "${SETS[@]}"
"$TARGET/release/examples/eval_fvc" pairs --dir "$OUT" --fingers "$FINGERS" \
  --impressions "$IMPRESSIONS" > "$OUT/pairs.csv"

"$VENV/bin/python" "$ROOT/bench/fingerprints/nbis_scores.py" --dir "$OUT" --fingers "$FINGERS" \
  --impressions "$IMPRESSIONS" --out "$OUT"
SYSTEMS=(--system "NBIS=$OUT/nbis_scores.csv:$OUT/nbis_fte.txt")

if [[ -z $MARSAD_SCORES ]] && command -v marsad > /dev/null \
    && marsad fingerprint match --help > /dev/null 2>&1; then
  marsad fingerprint match --pairs "$OUT/pairs.csv" > "$OUT/marsad_scores.csv"
  MARSAD_SCORES=$OUT/marsad_scores.csv
fi
if [[ -n $MARSAD_SCORES ]]; then
  SYSTEMS+=(--system "marsad=$MARSAD_SCORES")
else
  echo "marsad: no scores (pass --marsad-scores FILE, or put a marsad with 'fingerprint match' on PATH)" >&2
fi

"$TARGET/release/examples/eval_fvc" report --fingers "$FINGERS" --impressions "$IMPRESSIONS" \
  "${SYSTEMS[@]}" --svg "$OUT/det.svg" \
  --title "FVC protocol, synthetic $PRESET set: $FINGERS fingers x $IMPRESSIONS impressions, seed $SEED"
