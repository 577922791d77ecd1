#!/usr/bin/env bash
# Attachment throughput through the HTTP API (upload: stream, sniff, encrypt, fsync; download:
# decrypt, verify, stream) against the raw disk copy rate, in one run on the same disk.
#   bench/attachments/run.sh [MIB] [ROUNDS]      (default 256 MiB, 3 rounds)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/marsad-target}"
export BENCH_DIR="${BENCH_DIR:-$CARGO_TARGET_DIR}"
cargo run --quiet --release -p marsad-server --features bench --example attachment_bench -- "${1:-256}" "${2:-3}"
