#!/usr/bin/env bash
# Latency of the dashboard at size: `steward serve` over a store with one
# scan of 1M resources and 200k findings, measured with wrk on loopback.
#
#   bench/serve/run.sh                 # seeds $STORE once (about 4 minutes), then measures
#   STORE=/tmp/x.db DURATION=30s bench/serve/run.sh
#
# Needs wrk (apt-get install -y wrk). The seeded file is kept and reused:
# saved scans never change. Every request loop is bounded (DURATION) and
# goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/../.."

STORE=${STORE:-/tmp/steward-serve-bench.db}
RESOURCES=${RESOURCES:-1000000}
FINDINGS=${FINDINGS:-200000}
ADDR=${ADDR:-127.0.0.1:18111}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/steward" ./cmd/steward
if [ ! -e "$STORE" ]; then
  go run ./bench/serve/seed -store "$STORE" -resources "$RESOURCES" -findings "$FINDINGS"
fi

# No scan or schedule job: the server only answers.
cat > "$work/steward.yaml" <<YAML
serve:
  scan_every: "0"
  schedule_every: "0"
YAML
(cd "$work" && STEWARD_STORE="$STORE" exec ./steward --log-level info serve --dev --listen "$ADDR" >"$work/serve.log" 2>&1) &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT

# The server loads the latest scan at start; wait for it (bounded).
start=$(date +%s)
until curl -sf -o /dev/null --max-time 120 "http://$ADDR/"; do
  if [ $(( $(date +%s) - start )) -gt 900 ]; then echo "the server did not answer / within 15 minutes" >&2; cat "$work/serve.log" >&2; exit 1; fi
  sleep 2
done
echo "first page after $(( $(date +%s) - start )) s"
grep "scan loaded" "$work/serve.log" || true
ps -o rss= -p "$pid" | awk '{printf "server RSS: %.0f MiB\n", $1/1024}'

owner=$(curl -sf "http://$ADDR/findings" | grep -o 'name="owner"><option value="">[^<]*</option>\s*<option value="[^"]*"' | sed 's/.*value="//;s/"$//' | head -1 || true)
for path in \
  "/" \
  "/findings" \
  "/findings?severity=high&sort=waste&dir=desc" \
  "/findings?category=waste&new=1&page=40" \
  "/findings?owner=${owner:-team-shop}&sort=resource&dir=asc&page=3"; do
  echo "== GET $path"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://$ADDR$path" | grep -E 'Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors'
done
