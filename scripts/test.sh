#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test against SQLite AND a real PostgreSQL
# server, with page tests in a real headless Chromium. Installs PostgreSQL and Chromium from
# Debian's packages when missing, starts a throw-away PostgreSQL cluster on a free loopback
# port, and stops it afterwards. The SDMX tests read marsad's output with sdmx1 (PyPI, pinned,
# in a virtualenv under ~/.cache).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/marsad-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "test.sh: need root (or sudo) to run: $*" >&2; return 1; fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  echo "==> installing PostgreSQL (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
PG_BIN="$(pg_bin)"

# Page tests (passkeys now, the portal later) drive Debian's Chromium, headless.
if ! command -v chromium >/dev/null && [ -z "${MARSAD_CHROMIUM:-}" ]; then
  echo "==> installing Chromium (Debian packages, no recommends)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# The GCM report's PDF is looked at as an image: its first page rendered by poppler's pdftoppm.
if ! command -v pdftoppm >/dev/null; then
  echo "==> installing poppler-utils (Debian packages, no recommends)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
fi
export MARSAD_REQUIRE_BROWSER=1

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

PG_DIR="$(mktemp -d /tmp/marsad-pg.XXXXXX)"
PG_PORT="$(free_port)"
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$PG_DIR"
  RUN_AS=(runuser -u postgres --)
fi
cleanup() {
  scripts/s3-test-server.sh stop "$PG_DIR/s3.pid" >/dev/null 2>&1 || true
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap cleanup EXIT

echo "==> starting PostgreSQL on 127.0.0.1:$PG_PORT"
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
export MARSAD_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  echo "==> installing python3-venv (Debian packages) for the S3 test server"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
echo "==> starting an S3-compatible server (moto, from PyPI) for the vault tests"
S3_PORT="$(free_port)"
MARSAD_TEST_S3_ENDPOINT="$(scripts/s3-test-server.sh start "$S3_PORT" "$PG_DIR/s3.pid")"
export MARSAD_TEST_S3_ENDPOINT

# A real SDMX client reads what marsad serves and exports (server and CLI tests).
SDMX_VENV="${MARSAD_SDMX_VENV:-$HOME/.cache/marsad-sdmx-venv}"
SDMX1_VERSION="2.28.0"
if ! "$SDMX_VENV/bin/python" -c "import sdmx, requests, sys; sys.exit(sdmx.__version__ != '$SDMX1_VERSION')" 2>/dev/null; then
  echo "==> installing sdmx1 $SDMX1_VERSION (PyPI) into $SDMX_VENV"
  python3 -m venv "$SDMX_VENV"
  "$SDMX_VENV/bin/pip" install --quiet --disable-pip-version-check "sdmx1==$SDMX1_VERSION" requests
fi
export MARSAD_SDMX_PYTHON="$SDMX_VENV/bin/python"
export MARSAD_REQUIRE_SDMX_CLIENT=1

# The portal's accessibility check runs axe-core (npm, pinned) in the headless browser.
AXE_VERSION="4.10.3"
NPM_PREFIX="${MARSAD_NPM_PREFIX:-$HOME/.cache/marsad-npm}"
AXE_JS="$NPM_PREFIX/node_modules/axe-core/axe.min.js"
if ! grep -q "\"version\": \"$AXE_VERSION\"" "$NPM_PREFIX/node_modules/axe-core/package.json" 2>/dev/null; then
  if ! command -v npm >/dev/null; then
    echo "==> installing npm (Debian packages) for axe-core"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "==> installing axe-core $AXE_VERSION (npm) into $NPM_PREFIX"
  npm install --silent --no-audit --no-fund --prefix "$NPM_PREFIX" "axe-core@$AXE_VERSION"
fi
export MARSAD_AXE_JS="$AXE_JS"

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "==> cargo test (SQLite and PostgreSQL)"
set +e
cargo test --workspace 2>&1 | tee "$PG_DIR/test.log"
status=${PIPESTATUS[0]}
set -e
passed=$(grep -Eo '[0-9]+ passed' "$PG_DIR/test.log" | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$PG_DIR/test.log" | awk '{s+=$1} END {print s+0}')
echo "all test binaries: $passed passed, $failed failed"
exit "$status"
