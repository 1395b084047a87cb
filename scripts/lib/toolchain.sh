# shellcheck shell=bash
# Sourced (never executed) by scripts/setup, scripts/test, scripts/demo, scripts/lint and
# scripts/postgres. It defines the pinned tool versions, puts the project's tools first on PATH
# (npm binaryen's wasm-opt before anything in /usr/bin: Debian's binaryen 108 miscompiles the
# release wasm), and a few helpers. It changes no shell options and writes nothing.
#
# Interactive use, after `bash scripts/setup`:   source scripts/lib/toolchain.sh

BELCO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export BELCO_ROOT

# Pinned versions (see shared TOOLCHAIN notes): cargo-leptos 0.3.11 needs rustc >= 1.96;
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock (read at install time).
BELCO_CARGO_LEPTOS_VERSION=0.3.10
BELCO_BINARYEN_NPM_VERSION=132.0.0
# oha, the fixed-rate load of bench/access (1.16.0 wants rustc >= 1.88). Built with native-tls
# (the system OpenSSL) rather than its default rustls, whose aws-lc takes minutes to compile;
# the benchmarks only speak plain http to 127.0.0.1.
BELCO_OHA_VERSION=1.16.0
# Python tools of the tests (PyPI, in a venv of the tools dir): the Prometheus text parser that
# reads /metrics, and the OpenAPI validator and schemathesis that check /api/openapi.json against
# the running server (hypothesis pinned: newer ones break schemathesis 3).
BELCO_PYTHON_PACKAGES=(prometheus-client==0.21.1 openapi-spec-validator==0.7.1 schemathesis==3.39.16 hypothesis==6.112.0 standardwebhooks==1.0.1)
BELCO_APT_PACKAGES=(chromium postgresql wrk nginx-light)
BELCO_TOOLS_DIR="${BELCO_TOOLS_DIR:-$HOME/.local/share/belco-panel-tools}"
BELCO_CHROMIUM=/usr/bin/chromium
export BELCO_TOOLS_DIR

# PATH: cargo's bin dir (cargo-leptos, wasm-bindgen) and the npm wasm-opt, each added once, the
# npm wasm-opt in front of everything.
_belco_path_prepend() {
  case ":$PATH:" in
    *":$1:"*) PATH="$1:$(printf '%s' ":$PATH:" | sed "s#:$1:#:#g; s#^:##; s#:\$##")" ;;
    *) PATH="$1:$PATH" ;;
  esac
}
_belco_path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
_belco_path_prepend "$BELCO_TOOLS_DIR/node_modules/.bin"
export PATH
# The tools' Python (scripts/setup makes it): the tests run the Prometheus parser with it.
export BELCO_PYTHON="$BELCO_TOOLS_DIR/python/bin/python3"
unset -f _belco_path_prepend

# Playwright must never try to download a browser (only package registries are reachable);
# the tests use Debian's /usr/bin/chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Log lines go to stderr, in bold only on a terminal.
if [ -t 2 ]; then _belco_b=$'\033[1m' _belco_y=$'\033[1;33m' _belco_r=$'\033[1;31m' _belco_0=$'\033[0m'
else _belco_b='' _belco_y='' _belco_r='' _belco_0=''; fi
belco_log()  { printf '%s[%s]%s %s\n' "$_belco_b" "${BELCO_LOG_TAG:-belco}" "$_belco_0" "$*" >&2; }
belco_warn() { printf '%s[%s] WARNING:%s %s\n' "$_belco_y" "${BELCO_LOG_TAG:-belco}" "$_belco_0" "$*" >&2; }
belco_die()  { printf '%s[%s] ERROR:%s %s\n' "$_belco_r" "${BELCO_LOG_TAG:-belco}" "$_belco_0" "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo.
belco_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else belco_die "need root (or sudo) for: $*"
  fi
}

# Run a command as another user (postgres), from root or through sudo.
belco_as_user() {
  local user=$1; shift
  if [ "$(id -un)" = "$user" ]; then "$@"
  elif [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null 2>&1; then runuser -u "$user" -- "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -u "$user" -- "$@"
  else belco_die "cannot run as $user: $*"
  fi
}

belco_apt_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# Install the given Debian packages that are missing; apt-get update only when something is.
belco_apt_ensure() {
  local missing=() p
  for p in "$@"; do belco_apt_installed "$p" || missing+=("$p"); done
  if [ "${#missing[@]}" -eq 0 ]; then return 0; fi
  belco_log "apt: installing ${missing[*]}"
  belco_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  belco_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  BELCO_INSTALLED+=("apt:${missing[*]}")
}

# The wasm-bindgen version the workspace needs: Cargo.lock's, else the `=x.y.z` pin in Cargo.toml.
belco_wasm_bindgen_version() {
  local v=""
  if [ -f "$BELCO_ROOT/Cargo.lock" ]; then
    v=$(awk '$0=="name = \"wasm-bindgen\""{getline; gsub(/version = |"/,""); print; exit}' "$BELCO_ROOT/Cargo.lock")
  fi
  if [ -z "$v" ]; then
    v=$(sed -n 's/^wasm-bindgen[[:space:]]*=[[:space:]]*"=\([0-9.]*\)".*/\1/p' "$BELCO_ROOT/Cargo.toml" | head -n1)
  fi
  printf '%s\n' "$v"
}
