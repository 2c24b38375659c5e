#!/usr/bin/env bash
# Benchmarks the core crate's JavaScript package in Node: validateEndpoint (WebAssembly) against a JS peer that
# does the same checks with WHATWG URL and npm validator's isEmail, in one process on the same inputs.
# Builds the package first; installs validator into .tools (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
VALIDATOR_VERSION=13.15.35
if [[ "$(node -p "require('./.tools/node_modules/validator/package.json').version" 2>/dev/null)" != "$VALIDATOR_VERSION" ]]; then
    npm install --silent --no-audit --no-fund --prefix .tools "validator@$VALIDATOR_VERSION"
fi
scripts/build-js.sh nodejs
node crates/smtp-endpoint/js/bench.mjs "$@"
