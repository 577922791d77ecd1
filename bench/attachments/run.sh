#!/usr/bin/env bash
# Attachment throughput through the HTTP API (upload: stream, sniff, encrypt, fsync; download:
# decrypt, verify, stream) against the raw disk copy rate, in one run on the same disk.
#   bench/attachments/run.sh [MIB] [ROUNDS]      (default 256 MiB, 3 rounds; warm, then cold cache)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/marsad-target}"
export BENCH_DIR="${BENCH_DIR:-$CARGO_TARGET_DIR}"
cargo build --quiet --release -p marsad-server --features bench --example attachment_bench
BIN="$CARGO_TARGET_DIR/release/examples/attachment_bench"
"$BIN" "${1:-256}" "${2:-3}"
# The same with the page cache emptied before every copy, upload and download (needs root): the
# raw rate is then the disk's, which is what an upload competes with.
if [ -w /proc/sys/vm/drop_caches ]; then BENCH_COLD=1 "$BIN" "${1:-256}" "${2:-3}"; fi
