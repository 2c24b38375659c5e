#!/usr/bin/env bash
# Runs every test: native, WebAssembly (the core crate in Node, the page's components in headless Chromium), the
# JS package (node --test), the server against real SMTP servers, and the page end to end in headless Chromium.
# Installs what it needs first (scripts/setup.sh --tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
source scripts/env.sh
# Every test checks: none rewrites the golden table or the API examples it compares with.
unset UPDATE_GOLDEN UPDATE_EXAMPLES

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "the page, release build (trunk build --release → dist/, served by the end-to-end tests), and its size budget"
trunk build --release
python3 scripts/page_budget.py dist

step "the page's build scripts (Python unittest)"
python3 -m unittest discover -s scripts -p 'test_*.py'

step "native tests (core crate, server, end-to-end in headless Chromium)"
cargo test --no-fail-fast --workspace --exclude smtp-endpoint-web --exclude leptos-counter-baseline --exclude leptos-floor-baseline

step "core crate without its idna feature (as the page builds it)"
cargo test -p smtp-endpoint --no-default-features

step "core crate under wasm32 in Node (wasm-bindgen-test), with its idna feature and without (as the page ships it)"
cargo test -p smtp-endpoint --target wasm32-unknown-unknown
cargo test -p smtp-endpoint --target wasm32-unknown-unknown --no-default-features

step "the page's components in headless Chromium (wasm-bindgen-test)"
cargo test -p smtp-endpoint-web --target wasm32-unknown-unknown

step "JavaScript package in Node (node --test)"
scripts/build-js.sh
node --test crates/smtp-endpoint/js/*.test.mjs
