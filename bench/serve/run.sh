#!/usr/bin/env bash
# Latency of the dashboard at size: `steward serve` over a store with one
# scan of 1M resources and 200k findings, measured with hey on loopback.
#
#   bench/serve/run.sh                 # seeds $STORE once (minutes), then measures
#   STORE=/tmp/x.db DURATION=30s bench/serve/run.sh
#   STORE='postgres://user:pw@127.0.0.1:55432/db?sslmode=disable' bench/serve/run.sh
#
# STORE is an SQLite file or a PostgreSQL DSN (.ci/postgres start prints
# one; the seed writes into its schema when it has no scan yet). The load
# tool is hey (github.com/rakyll/hey), run with `go run` at a fixed
# version. Every request loop is bounded (DURATION) and goes to 127.0.0.1
# only.
set -euo pipefail
cd "$(dirname "$0")/../.."

STORE=${STORE:-/tmp/steward-serve-bench.db}
RESOURCES=${RESOURCES:-1000000}
FINDINGS=${FINDINGS:-200000}
ADDR=${ADDR:-127.0.0.1:18111}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-8}
HEY=${HEY:-github.com/rakyll/hey@v0.1.4}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/steward" ./cmd/steward
GOFLAGS=-mod=mod GOBIN="$work" go install "$HEY"
case "$STORE" in
  postgres://*|postgresql://*) go run ./bench/serve/seed -store "$STORE" -resources "$RESOURCES" -findings "$FINDINGS" -if-empty ;;
  *) [ -e "$STORE" ] || go run ./bench/serve/seed -store "$STORE" -resources "$RESOURCES" -findings "$FINDINGS" ;;
esac

# No scan or schedule job: the server only answers.
cat > "$work/steward.yaml" <<YAML
serve:
  scan_every: "0"
  schedule_every: "0"
YAML
(cd "$work" && STEWARD_STORE="$STORE" exec ./steward --log-level info serve --dev --listen "$ADDR" >"$work/serve.log" 2>&1) &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT

# The server readies the latest scan at start (its finding index, built
# once for a store written before it, and its coverage count); wait for
# the overview to show the coverage (bounded).
start=$(date +%s)
until curl -sf --max-time 120 "http://$ADDR/" 2>/dev/null | grep -q 'managed by IaC'; do
  if [ $(( $(date +%s) - start )) -gt 900 ]; then echo "the overview did not show coverage within 15 minutes" >&2; cat "$work/serve.log" >&2; exit 1; fi
  sleep 2
done
echo "overview complete after $(( $(date +%s) - start )) s"
grep -E "coverage counted|schema migration" "$work/serve.log" | sed 's/^/  /' || true

owner=$(curl -sf "http://$ADDR/findings" | grep -o 'name="owner"><option value="">[^<]*</option>\s*<option value="[^"]*"' | sed 's/.*value="//;s/"$//' | head -1 || true)
for path in \
  "/" \
  "/findings" \
  "/findings?owner=${owner:-team-shop}" \
  "/findings?severity=high" \
  "/findings?page=50" \
  "/findings?severity=high&sort=waste&dir=desc" \
  "/findings?category=waste&new=1&page=40" \
  "/findings?owner=${owner:-team-shop}&sort=resource&dir=asc&page=3"; do
  echo "== GET $path"
  "$work/hey" -z "$DURATION" -c "$CONNECTIONS" "http://$ADDR$path" | grep -E 'Requests/sec|^ +(50|90|99)% in|^ +\[[0-9]+\]' | sed 's/^ */  /'
done
ps -o rss= -p "$pid" | awk '{printf "server RSS after the load: %.0f MiB\n", $1/1024}'
