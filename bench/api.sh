#!/usr/bin/env bash
# API load benchmark: builds a store of 1,000,000 posts (once; reused), serves
# the dashboard over it on loopback, and runs wrk against each API endpoint,
# printing latency percentiles twice: as served (repeated queries are answered
# from the dashboard's cache until new posts arrive) and uncached (a unique
# dummy query parameter on every request). Needs wrk (Debian: apt-get install wrk).
#
#   bash bench/api.sh                 # 1M posts, 5 s per endpoint and mode
#   POSTS=100000 DURATION=5s bash bench/api.sh
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS=${POSTS:-1000000}
DURATION=${DURATION:-5s}
THREADS=${THREADS:-1}
CONNS=${CONNS:-4}
ADDR=${ADDR:-127.0.0.1:8089}
# The store is built once and reused; delete it after a change to the store
# or rollup format.
DB=${DB:-${TMPDIR:-/tmp}/tagpulse-bench-$POSTS.db}
BIN=$(mktemp -d)/fill

command -v wrk >/dev/null || { echo "bench/api.sh: wrk not found (apt-get install wrk)" >&2; exit 1; }
go build -o "$BIN" ./bench/fill
LOG=${LOG:-${TMPDIR:-/tmp}/tagpulse-bench-server.log}
"$BIN" -db "$DB" -posts "$POSTS" -serve "$ADDR" 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -fsS "http://$ADDR/healthz" >/dev/null 2>&1 && break
  kill -0 $PID 2>/dev/null || { echo "bench/api.sh: server exited" >&2; exit 1; }
  sleep 1
done
grep '^fill:' "$LOG" | sed 's/^/  /'

NOCACHE=$(mktemp --suffix=.lua)
cat >"$NOCACHE" <<'LUA'
-- Every request computed afresh: the API's cache skips requests that say so.
wrk.headers["Cache-Control"] = "no-cache"
LUA

echo "store: $POSTS posts ($DB); wrk -t$THREADS -c$CONNS -d$DURATION --latency; Go $(go env GOVERSION), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %9s %9s %9s | %9s %9s %9s\n' endpoint "req/s" p50 p99 "uncached" p50 p99
measure() { # path [script] → "req/s p50 p99"
  local out
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency ${2:+-s "$2"} "http://$ADDR$1")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then grep -E 'Non-2xx|Socket errors' <<<"$out" >&2; fi
  awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {printf "%9s %9s %9s", r, p50, p99}' <<<"$out"
}
for path in \
  /api/v1/campaigns \
  /api/v1/campaigns/bench \
  /api/v1/campaigns/bench/headline \
  /api/v1/campaigns/bench/days \
  /api/v1/campaigns/bench/days?by=country \
  /api/v1/campaigns/bench/hours?day=2026-11-29 \
  /api/v1/campaigns/bench/totals?by=country \
  /api/v1/campaigns/bench/totals?by=lang \
  /api/v1/campaigns/bench/top?day=2026-11-29 \
  /api/v1/campaigns/bench/crosscheck \
  "/api/v1/campaigns/bench/days?by=country&format=csv" \
  /api/v1/campaigns/bench/card.svg
do
  printf '%-52s %s | %s\n' "$path" "$(measure "$path")" "$(measure "$path" "$NOCACHE")"
done
rm -f "$NOCACHE"
if grep -q 'level=ERROR' "$LOG"; then echo "bench/api.sh: the server logged errors, see $LOG" >&2; exit 1; fi
