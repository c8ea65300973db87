#!/usr/bin/env bash
# Prints the hydrate bundle's size at a git revision (default: HEAD): the
# release WASM after wasm-opt plus the JS glue, raw and with gzip -9 and
# brotli, as the browser downloads them (ECharts, loaded only by chart pages,
# is not part of it). Builds in a temporary worktree, sharing the target
# directory, so comparing two revisions costs two WASM builds, not more.
#   scripts/bundle-size.sh e54517f    the bundle before the usage work
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rev=${1:-HEAD}
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach -q "$work/src" "$rev"
cd "$work/src"
LEPTOS_OUTPUT_NAME=plinth RUSTFLAGS="--cfg erase_components" CARGO_TARGET_DIR="$target" \
  cargo build -q --lib --target wasm32-unknown-unknown --profile wasm-release --no-default-features --features hydrate
wasm-bindgen --target web --no-typescript --out-dir "$work/out" --out-name plinth "$target/wasm32-unknown-unknown/wasm-release/plinth.wasm"
wasm-opt -Oz --converge --strip-producers --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-reference-types --enable-multivalue "$work/out/plinth_bg.wasm" -o "$work/out/plinth_bg.wasm"
node -e '
const { readFileSync } = require("fs"); const z = require("zlib");
const files = process.argv.slice(1).map((f) => readFileSync(f));
const sum = (f) => files.map(f).reduce((a, b) => a + b, 0);
const kb = (n) => (n / 1024).toFixed(1) + " KB";
const raw = sum((d) => d.length), gz = sum((d) => z.gzipSync(d, { level: 9 }).length);
const br = sum((d) => z.brotliCompressSync(d, { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }).length);
console.log(`'"$rev"': hydrate bundle (WASM + JS glue) ${kb(raw)} raw, ${kb(gz)} gzip, ${kb(br)} brotli`);
' "$work/out/plinth_bg.wasm" "$work/out/plinth.js"
