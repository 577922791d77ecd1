#!/usr/bin/env bash
# A throw-away S3-compatible server for the vault's tests: moto's server (PyPI `moto[s3]`, with
# Flask), installed into a virtualenv under ~/.cache when missing and started on a loopback port.
# It keeps everything in memory; stopping it forgets every bucket. It speaks path-style requests,
# multipart uploads (create, parts, complete, abort) and conditional puts (If-None-Match,
# If-Match), which is what the vault uses.
#
#   scripts/s3-test-server.sh start PORT PIDFILE   prints the endpoint: http://127.0.0.1:PORT
#   scripts/s3-test-server.sh stop PIDFILE
#
# Then: MARSAD_TEST_S3_ENDPOINT=http://127.0.0.1:PORT cargo test -p marsad-vault
set -euo pipefail

VENV="${MARSAD_S3_VENV:-$HOME/.cache/marsad-s3-venv}"
MOTO_VERSION="5.2.5"

usage() { echo "usage: $0 start PORT PIDFILE | stop PIDFILE" >&2; exit 2; }

install_moto() {
  if [ -x "$VENV/bin/moto_server" ] && "$VENV/bin/python" -c 'import flask, flask_cors, moto' 2>/dev/null; then
    return
  fi
  echo "s3-test-server: installing moto $MOTO_VERSION into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "moto[s3]==$MOTO_VERSION" flask flask-cors >&2
}

case "${1:-}" in
  start)
    [ $# -eq 3 ] || usage
    port="$2"; pidfile="$3"
    install_moto
    "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$pidfile.log" 2>&1 &
    echo $! >"$pidfile"
    endpoint="http://127.0.0.1:$port"
    for _ in $(seq 1 100); do
      if "$VENV/bin/python" - "$endpoint" <<'PY' 2>/dev/null; then
import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)
PY
        echo "$endpoint"
        exit 0
      fi
      if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        echo "s3-test-server: moto_server exited; its log:" >&2
        cat "$pidfile.log" >&2
        exit 1
      fi
      sleep 0.1
    done
    echo "s3-test-server: moto_server did not answer on $endpoint within 10 s" >&2
    kill "$(cat "$pidfile")" 2>/dev/null || true
    exit 1
    ;;
  stop)
    [ $# -eq 2 ] || usage
    pidfile="$2"
    if [ -f "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile" "$pidfile.log"
    fi
    ;;
  *) usage ;;
esac
