#!/usr/bin/env bash
# The test command: brings up what the tests need, then runs the tests of
# every workspace crate (`cargo test --workspace --all-targets`: lib, bin,
# integration-test, bench and example targets) against SQLite and the local
# PostgreSQL.
#
#   scripts/test.sh [extra cargo test arguments...]
#
# Works as root on a fresh Debian 12 machine of the project's kind:
# - PostgreSQL must answer on 127.0.0.1:5432 (started here if it does not);
# - the openssl CLI is installed if missing (used by interoperability tests);
# - aiosmtpd (the SMTP peer of the email tests) and authlib, oic and jwcrypto (the
#   OIDC relying parties) are installed into a venv, CASTELLAN_TEST_VENV (default
#   /var/cache/castellan-venv), when missing;
# - Apache with mod_auth_openidc (Debian packages) for the OIDC browser test;
# - Chromium (Debian), playwright-core and axe-core (npm, under /var/cache/castellan-node)
#   for the browser tests, when missing;
# - CARGO_TARGET_DIR defaults to /var/cache/castellan-target (persistent);
# - CASTELLAN_TEST_POSTGRES_URL defaults to the local cluster's postgres role.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'test.sh: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# cargo from rustup may not be on PATH in a non-login shell.
if ! command -v cargo >/dev/null 2>&1 && [ -x "${HOME:-/root}/.cargo/bin/cargo" ]; then
  export PATH="${HOME:-/root}/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || die "cargo is not installed"

# --- PostgreSQL on 127.0.0.1:5432 -------------------------------------------
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }

command -v pg_isready >/dev/null 2>&1 \
  || die "pg_isready not found: install PostgreSQL (Debian package postgresql)"
if ! pg_ready; then
  [ -d /etc/postgresql ] && [ -n "$(ls -A /etc/postgresql 2>/dev/null)" ] \
    || die "PostgreSQL is not running on 127.0.0.1:5432 and no cluster exists under /etc/postgresql"
  command -v pg_ctlcluster >/dev/null 2>&1 || die "pg_ctlcluster not found (package postgresql-common)"
  pg_version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  say "PostgreSQL is not answering on 127.0.0.1:5432; starting cluster ${pg_version}/main"
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start \
    || say "pg_ctlcluster ${pg_version} main start failed (it may already be starting)"
  for _ in $(seq 1 30); do
    pg_ready && break
    sleep 1
  done
  pg_ready || die "PostgreSQL still does not answer on 127.0.0.1:5432 after 30 s (see /var/log/postgresql/)"
fi
say "PostgreSQL is ready on 127.0.0.1:5432"

# --- openssl CLI --------------------------------------------------------------
if ! command -v openssl >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || die "the openssl CLI is missing; install it (apt-get install openssl) or run as root"
  say "installing the openssl CLI"
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists only when the install fails without it.
  apt-get install -y -q openssl \
    || { apt-get update -q && apt-get install -y -q openssl; } \
    || die "could not install openssl"
fi

# --- Python test peers (aiosmtpd, authlib, oic, jwcrypto, pyotp, fido2) -----------
# A venv under /var/cache (persistent, reused); pip runs only when a module is missing.
export CASTELLAN_TEST_VENV="${CASTELLAN_TEST_VENV:-/var/cache/castellan-venv}"
PY_PEERS="aiosmtpd authlib oic jwcrypto requests pyotp fido2"
if ! "$CASTELLAN_TEST_VENV/bin/python" -c 'import aiosmtpd, authlib, oic, jwcrypto, requests, pyotp, fido2' >/dev/null 2>&1; then
  command -v python3 >/dev/null 2>&1 || die "python3 is missing (apt-get install python3 python3-venv)"
  if [ ! -x "$CASTELLAN_TEST_VENV/bin/python" ]; then
    say "creating the test venv $CASTELLAN_TEST_VENV"
    python3 -m venv "$CASTELLAN_TEST_VENV" \
      || die "python3 -m venv failed (apt-get install python3-venv)"
  fi
  say "installing $PY_PEERS into $CASTELLAN_TEST_VENV"
  # shellcheck disable=SC2086
  "$CASTELLAN_TEST_VENV/bin/pip" install -q $PY_PEERS || die "pip install $PY_PEERS failed"
fi
say "$PY_PEERS are available in $CASTELLAN_TEST_VENV"

# --- Apache with mod_auth_openidc (the OIDC relying party of the browser test) ----------
if [ ! -x /usr/sbin/apache2 ] || [ ! -f /usr/lib/apache2/modules/mod_auth_openidc.so ]; then
  [ "$(id -u)" -eq 0 ] || die "apache2 and libapache2-mod-auth-openidc are missing; install them or run as root"
  say "installing apache2 and libapache2-mod-auth-openidc (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends apache2 libapache2-mod-auth-openidc >/dev/null \
    || { apt-get update -q && apt-get install -y -q --no-install-recommends apache2 libapache2-mod-auth-openidc >/dev/null; } \
    || die "could not install apache2 / libapache2-mod-auth-openidc"
fi
say "apache2 with mod_auth_openidc is available"

# --- Browser tests: Debian's Chromium and playwright-core from npm -------------
# Never a browser download: playwright-core drives the system Chromium.
export CASTELLAN_TEST_CHROMIUM="${CASTELLAN_TEST_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CASTELLAN_TEST_CHROMIUM" ]; then
  say "installing chromium (Debian package)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) \
    >/dev/null || die "could not install chromium"
fi
export CASTELLAN_TEST_NODE_DIR="${CASTELLAN_TEST_NODE_DIR:-/var/cache/castellan-node}"
export CASTELLAN_TEST_NODE_MODULES="$CASTELLAN_TEST_NODE_DIR/node_modules"
if [ ! -d "$CASTELLAN_TEST_NODE_MODULES/playwright-core" ]; then
  command -v npm >/dev/null 2>&1 || die "npm is missing (apt-get install nodejs npm)"
  say "installing playwright-core into $CASTELLAN_TEST_NODE_DIR"
  mkdir -p "$CASTELLAN_TEST_NODE_DIR"
  npm install --silent --no-audit --no-fund --prefix "$CASTELLAN_TEST_NODE_DIR" playwright-core \
    || die "npm install playwright-core failed"
fi
# axe-core (the accessibility engine injected into pages by the browser tests).
if [ ! -f "$CASTELLAN_TEST_NODE_MODULES/axe-core/axe.min.js" ]; then
  command -v npm >/dev/null 2>&1 || die "npm is missing (apt-get install nodejs npm)"
  say "installing axe-core into $CASTELLAN_TEST_NODE_DIR"
  mkdir -p "$CASTELLAN_TEST_NODE_DIR"
  npm install --silent --no-audit --no-fund --prefix "$CASTELLAN_TEST_NODE_DIR" axe-core \
    || die "npm install axe-core failed"
fi
say "chromium, playwright-core and axe-core are available"

# --- environment --------------------------------------------------------------
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/castellan-target}"
export CASTELLAN_TEST_POSTGRES_URL="${CASTELLAN_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
mkdir -p "$CARGO_TARGET_DIR"
say "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
say "CASTELLAN_TEST_POSTGRES_URL=${CASTELLAN_TEST_POSTGRES_URL%%://*}://… (set)"

# --- tests ----------------------------------------------------------------------
status=0
cargo test --workspace --all-targets "$@" || status=$?
exit "$status"
