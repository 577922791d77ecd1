#!/usr/bin/env bash
# What access control costs: policy evaluation per decision (p50/p99) and requests per second of
# an authenticated read endpoint with and without the policy check, side by side in one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/marsad-target}"
cargo run --quiet --release -p marsad-server --features bench --example access_bench
