#!/usr/bin/env bash
# API load benchmark: builds a store of 1,000,000 posts (once; reused), serves
# the dashboard over it on loopback, and runs wrk against each API endpoint,
# printing the 99th-percentile latency. Needs wrk (Debian: apt-get install wrk).
#
#   bash bench/api.sh                 # 1M posts, 10 s per endpoint
#   POSTS=100000 DURATION=5s bash bench/api.sh
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS=${POSTS:-1000000}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
ADDR=${ADDR:-127.0.0.1:8089}
DB=${DB:-${TMPDIR:-/tmp}/tagpulse-bench-$POSTS.db}
BIN=$(mktemp -d)/fill

command -v wrk >/dev/null || { echo "bench/api.sh: wrk not found (apt-get install wrk)" >&2; exit 1; }
go build -o "$BIN" ./bench/fill
"$BIN" -db "$DB" -posts "$POSTS" -serve "$ADDR" 2> >(sed 's/^/  /' >&2) &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -fsS "http://$ADDR/healthz" >/dev/null 2>&1 && break
  kill -0 $PID 2>/dev/null || { echo "bench/api.sh: server exited" >&2; exit 1; }
  sleep 1
done

echo "store: $POSTS posts ($DB); wrk -t$THREADS -c$CONNS -d$DURATION --latency; Go $(go env GOVERSION), $(nproc) CPUs"
printf '%-58s %10s %10s %10s %10s\n' endpoint req/s p50 p90 p99
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
  /api/v1/campaigns/bench/card.svg \
  /c/bench
do
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://$ADDR$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p90=$(awk '$1=="90%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)
  printf '%-58s %10s %10s %10s %10s %s\n' "$path" "$rps" "$p50" "$p90" "$p99" "$errs"
done
