#!/usr/bin/env bash
# Server load benchmark (issue 3): authenticated GET /api/endpoints/smtp vs GET /healthz of the same release
# binary, in one run, with Debian's wrk on loopback; resident memory idle after start and after the load.
# Usage: scripts/bench-server.sh [seconds per run, default 10] [connections, default 32]
# Each route runs three times, alternating; the median is reported.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
CONNECTIONS="${2:-32}"

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p smtp-endpoint-server
BIN=target/release/smtp-endpoint-server

WORK="$(mktemp -d)"
cleanup() { [[ -n "${PID:-}" ]] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

start() {
    SMTP_ENDPOINT_LOG=warn "$BIN" serve --bind 127.0.0.1:0 --data-dir "$WORK/data" >"$WORK/out" 2>"$WORK/err" &
    PID=$!
    for _ in $(seq 100); do grep -q '^Listening on' "$WORK/out" 2>/dev/null && break; sleep 0.1; done
    BASE="$(sed -n 's/^Listening on //p' "$WORK/out")"
    if [[ -z "$BASE" ]]; then
        echo "bench-server: the server did not start within 10 s:" >&2
        cat "$WORK/err" >&2
        exit 1
    fi
}
# The first start creates the admin (one argon2 hash); memory is measured on an ordinary start after it.
start
PASSWORD="$(sed -n 's/^  password: //p' "$WORK/out")"
kill "$PID"; wait "$PID" || true
start
rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$PID/status"; }
sleep 1
RSS_IDLE="$(rss)"

curl -sf -c "$WORK/cookies" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" "$BASE/api/session" >/dev/null
COOKIE="$(awk '$6 == "smtp_endpoint_session" {print $6 "=" $7}' "$WORK/cookies")"
curl -sf -b "$WORK/cookies" -X PUT -H 'if-match: "1"' -H 'content-type: application/json' \
    -d '{"uri":"smtps://email-smtp.us-east-1.amazonaws.com","username":"ses-user","password":"bench secret","default_from_address":"App <app@example.com>"}' \
    "$BASE/api/endpoints/smtp" >/dev/null

# wrk prints "Requests/sec:" and, with --latency, the 99% line.
run() {
    local name="$1"; shift
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" >"$WORK/$name.txt"
    local rps p99 requests
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$WORK/$name.txt")"
    p99="$(awk '$1 == "99%" {print $2}' "$WORK/$name.txt")"
    requests="$(awk '/requests in/ {print $1}' "$WORK/$name.txt")"
    echo "$rps $p99 $requests"
}
# Warm-up, then the measured runs.
wrk -t1 -c"$CONNECTIONS" -d2s "$BASE/healthz" >/dev/null
# Three alternating rounds, so load from elsewhere on the machine hits both routes alike; the median round counts.
H_ALL=(); E_ALL=(); TOTAL=0
for round in 1 2 3; do
    read -r rps p99 n < <(run healthz "$BASE/healthz"); H_ALL+=("$rps $p99"); TOTAL=$((TOTAL + n))
    read -r rps p99 n < <(run endpoint -H "Cookie: $COOKIE" "$BASE/api/endpoints/smtp"); E_ALL+=("$rps $p99"); TOTAL=$((TOTAL + n))
done
median() { printf '%s\n' "$@" | sort -n -k1,1 | sed -n 2p; }
read -r H_RPS H_P99 < <(median "${H_ALL[@]}")
read -r E_RPS E_P99 < <(median "${E_ALL[@]}")
STATUS="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE/api/endpoints/smtp")"
sleep 1
RSS_AFTER="$(rss)"
RATIO="$(awk -v a="$E_RPS" -v b="$H_RPS" 'BEGIN {printf "%.2f", a / b}')"

cat <<MD
Command: \`scripts/bench-server.sh $DURATION $CONNECTIONS\` — wrk -t1 -c$CONNECTIONS -d${DURATION}s --latency, release build, loopback, $(nproc) cores shared by server and wrk.

Rounds (requests/s, p99): healthz ${H_ALL[*]}; endpoint ${E_ALL[*]}. Table: the median round of each.

| route | requests/s | p99 latency |
|---|---|---|
| \`GET /healthz\` | $H_RPS | $H_P99 |
| \`GET /api/endpoints/smtp\` (session cookie, status $STATUS) | $E_RPS | $E_P99 |
| ratio endpoint / healthz | **$RATIO×** | |

| resident memory (VmRSS) | MB |
|---|---|
| idle after start | $RSS_IDLE |
| after a login and $TOTAL requests | $RSS_AFTER |
MD
