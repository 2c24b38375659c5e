#!/usr/bin/env bash
# Builds the core crate's JavaScript package (WebAssembly + wasm-bindgen glue) into crates/smtp-endpoint/pkg.
# TARGET is a wasm-bindgen target: nodejs (default), bundler, web.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
TARGET="${1:-nodejs}"
cargo build -p smtp-endpoint --lib --target wasm32-unknown-unknown --features wasm --profile wasm-release
wasm-bindgen --target "$TARGET" --out-dir crates/smtp-endpoint/pkg \
    target/wasm32-unknown-unknown/wasm-release/smtp_endpoint.wasm
