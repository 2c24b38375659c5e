#!/usr/bin/env bash
# Builds the core crate's JavaScript package (WebAssembly + wasm-bindgen glue) into crates/smtp-endpoint/pkg.
# TARGET is a wasm-bindgen target: nodejs (default), bundler, web.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
TARGET="${1:-nodejs}"
OUT=crates/smtp-endpoint/pkg
# Optimised for speed, not size (the page's wasm-release profile is for size): a profile of its own, defined
# here so the page's build cache stays untouched.
cargo build -p smtp-endpoint --lib --target wasm32-unknown-unknown --features wasm --profile js-release \
    --config 'profile.js-release.inherits="release"' --config 'profile.js-release.lto=true' \
    --config 'profile.js-release.codegen-units=1' --config 'profile.js-release.panic="abort"'
wasm-bindgen --target "$TARGET" --out-dir "$OUT" target/wasm32-unknown-unknown/js-release/smtp_endpoint.wasm
# wasm-opt is binaryen 132 from npm (scripts/setup.sh); the features are those rustc enables for wasm32.
wasm-opt -O3 --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue "$OUT/smtp_endpoint_bg.wasm" -o "$OUT/smtp_endpoint_bg.wasm"
