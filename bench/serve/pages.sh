#!/usr/bin/env bash
# Latency and memory of the dashboard pages other than the overview and
# findings (cost, IaC coverage, schedules, a resource's page), each on a
# server of its own: a page that loads the whole scan shows it in the
# first request's time and in the server's peak RSS.
#
#   STORE=/tmp/x.db bench/serve/pages.sh              # a store bench/serve/seed wrote
#   STEWARD=/tmp/old/steward STORE=/tmp/x.db bench/serve/pages.sh   # another build
#   PAGES="/iac /schedules" STORE=/tmp/x.db bench/serve/pages.sh     # some pages (and a resource's)
#
# Before it measures, the store gets the demo bill (`steward cost ingest
# --demo`) when it has none, so the cost page has a bill to attribute.
# hey runs for DURATION with CONNECTIONS connections against 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."

STORE=${STORE:?STORE: a store bench/serve/seed wrote}
ADDR=${ADDR:-127.0.0.1:18112}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-4}
HEY=${HEY:-github.com/rakyll/hey@v0.1.4}

work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
if [ -z "${STEWARD:-}" ]; then
  go build -o "$work/steward" ./cmd/steward
  STEWARD=$work/steward
fi
if command -v hey >/dev/null; then
  heybin=$(command -v hey)
elif [ -x "$HOME/go/bin/hey" ]; then
  heybin=$HOME/go/bin/hey
else
  GOFLAGS=-mod=mod GOBIN="$work" go install "$HEY"
  heybin=$work/hey
fi

# A named schedule for the dev resources, so the schedules page has
# followers to count; no scan or schedule job runs.
cat > "$work/steward.yaml" <<YAML
time_zone: Asia/Tokyo
serve:
  scan_every: "0"
  schedule_every: "0"
schedules:
  office-hours:
    windows: [mon-fri 09:00-20:00]
    env: [dev*]
YAML
if ! STEWARD_STORE="$STORE" "$STEWARD" -c "$work/steward.yaml" cost show --format json >/dev/null 2>&1; then
  STEWARD_STORE="$STORE" "$STEWARD" -c "$work/steward.yaml" cost ingest --demo >/dev/null
fi

start_server() {
  (cd "$work" && STEWARD_STORE="$STORE" exec "$STEWARD" --log-level info serve --dev --listen "$ADDR" >"$work/serve.log" 2>&1) &
  pid=$!
  for _ in $(seq 600); do
    curl -sf --max-time 2 "http://$ADDR/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the server did not start" >&2; cat "$work/serve.log" >&2; exit 1
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
mem() { awk '/^VmHWM|^VmRSS/{printf "%s %.0f MiB  ", $1, $2/1024}' "/proc/$pid/status"; }

start_server
arn=$(curl -sf "http://$ADDR/findings" | grep -o 'href="/resource?arn=[^"]*"' | sed -n '1{s/^href="//;s/"$//;s/&amp;/\&/g;p;}')
stop_server

for path in ${PAGES:-/cost /cost?by=owner /iac /iac?page=50 /schedules} "$arn"; do
  start_server
  echo "== GET $path"
  echo "  idle: $(mem)"
  # The first view may wait for the scan to load (up to the server's 5 s,
  # then a 503 asking to come back): ask until it answers 200.
  t0=$(date +%s.%N)
  for _ in $(seq 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "http://$ADDR$path")
    [ "$code" = 200 ] && break
    sleep 1
  done
  printf '  first 200 after %.2f s (last status %s)\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$code"
  "$heybin" -z "$DURATION" -c "$CONNECTIONS" "http://$ADDR$path" | grep -E 'Requests/sec|^ +(50|90|99)% in|^ +\[[0-9]+\]' | sed 's/^ */  /'
  echo "  after: $(mem)"
  stop_server
done
