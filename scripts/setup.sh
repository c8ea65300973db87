#!/usr/bin/env bash
# Installs what building Plinth needs, skipping whatever is already present.
#   scripts/setup.sh          tools for building and running
#   scripts/setup.sh --test   also what the test suite needs (playwright-core, chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg\$"; then
  step "installing wasm-bindgen-cli $wbg (about 3 minutes, once per machine)"
  # Its own lock file can name a crate version the registry no longer serves
  # (0.2.130 locks webpki-roots 1.0.11); then resolve its dependencies afresh.
  cargo install wasm-bindgen-cli --version "$wbg" --locked || cargo install wasm-bindgen-cli --version "$wbg"
fi

# wasm-opt for release builds, from the binaryen npm package.
if [ ! -x node_modules/.bin/wasm-opt ]; then
  step "installing npm build tools (binaryen)"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--test" ]; then
  # `make test` checks formatting and lints first.
  for tool in clippy rustfmt; do
    if ! cargo "${tool/rustfmt/fmt}" --version >/dev/null 2>&1; then
      step "adding the $tool component"
      rustup component add "$tool"
    fi
  done
  if [ ! -d end2end/node_modules/playwright-core ]; then
    step "installing end2end dependencies (playwright-core)"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      step "installing Debian's chromium"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "setup: chromium is missing; install it with: sudo apt-get install chromium" >&2
      exit 1
    fi
  fi
fi
