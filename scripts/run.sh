#!/usr/bin/env bash
# Runs the product: installs what it needs (scripts/setup.sh), builds the page (release) when web/ has one,
# then starts the server on http://127.0.0.1:8080 with its data (SQLite + master key) in ./data.
# On the very first start it creates the admin `admin` and prints a generated password once.
# Extra arguments go to `serve`, e.g. `scripts/run.sh --bind 0.0.0.0:8080`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

static_args=()
if [[ -f web/index.html ]]; then
    printf '\033[1m[run]\033[0m building the page (trunk build --release)\n' >&2
    if ! trunk build --release; then
        printf '\033[1m[run]\033[0m the page did not build (see above); not starting without it\n' >&2
        exit 1
    fi
    static_args=(--static-dir dist)
fi

exec cargo run --release -p smtp-endpoint-server -- serve --data-dir "${SMTP_ENDPOINT_DATA_DIR:-./data}" "${static_args[@]}" "$@"
