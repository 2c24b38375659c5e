#!/usr/bin/env bash
# SMTP benchmark (issue 4): probe and test email through the API vs bare lettre, against Postfix's smtp-sink and
# aiosmtpd on loopback (server/benches/smtp.rs). Installs what it needs first. Extra arguments go to cargo bench.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
source scripts/env.sh
if ! command -v smtp-sink >/dev/null; then
    apt-get update -qq
    # Only smtp-sink is used; the postfix service itself is not needed.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
cargo bench -p smtp-endpoint-server --bench smtp "$@"
