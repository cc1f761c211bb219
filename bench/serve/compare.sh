#!/usr/bin/env bash
# Latency of every findings view, before and after a change, in one run:
# builds `steward` at BASE (a commit) and at the working tree, gives each a
# copy of the same seeded SQLite store (1M resources, 200k findings; seeded
# once by bench/serve/seed when STORE does not exist), serves each in turn
# on loopback and measures each view with hey, printing the load average
# beside each figure (the machine is shared: compare figures taken at
# similar loads).
#
#   bench/serve/compare.sh                          # BASE=36d0b51, 10 s a view
#   BASE=abc1234 DURATION=20s bench/serve/compare.sh
#   SIDES=after bench/serve/compare.sh              # the working tree only
#   WORK=/tmp/w REUSE=1 bench/serve/compare.sh      # the binaries of a run before in /tmp/w
#
# Every request loop is bounded (DURATION) and goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/../.."

BASE=${BASE:-36d0b51}
STORE=${STORE:-/tmp/steward-serve-bench.db}
RESOURCES=${RESOURCES:-1000000}
FINDINGS=${FINDINGS:-200000}
ADDR=${ADDR:-127.0.0.1:18113}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
SIDES=${SIDES:-before after}
WORK=${WORK:-$(mktemp -d)}

pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -f "$WORK"/*.db "$WORK"/*.db-wal "$WORK"/*.db-shm
}
trap cleanup EXIT

HEY=${HEY:-$(command -v hey || echo "$HOME/go/bin/hey")}
if [ ! -x "$HEY" ]; then
  GOFLAGS=-mod=mod GOBIN="$WORK" go install github.com/rakyll/hey@v0.1.4
  HEY=$WORK/hey
fi
[ -e "$STORE" ] || go run ./bench/serve/seed -store "$STORE" -resources "$RESOURCES" -findings "$FINDINGS"

for side in $SIDES; do
  # REUSE=1 keeps binaries a previous run left in WORK.
  [ -n "${REUSE:-}" ] && [ -x "$WORK/steward-$side" ] && continue
  case $side in
    before)
      rm -rf "$WORK/base" && mkdir -p "$WORK/base"
      git archive "$BASE" | tar -x -C "$WORK/base"
      (cd "$WORK/base" && go build -o "$WORK/steward-before" ./cmd/steward) ;;
    after) go build -o "$WORK/steward-after" ./cmd/steward ;;
    *) echo "SIDES: $side is not before or after" >&2; exit 2 ;;
  esac
done
cat > "$WORK/steward.yaml" <<YAML
serve:
  scan_every: "0"
  schedule_every: "0"
YAML

load() { cut -d' ' -f1-3 /proc/loadavg; }

for side in $SIDES; do
  db=$WORK/$side.db
  rm -f "$db" "$db-wal" "$db-shm"
  cp "$STORE" "$db"
  (cd "$WORK" && STEWARD_STORE="$db" exec "./steward-$side" --log-level info serve --dev --listen "$ADDR" >"$WORK/serve-$side.log" 2>&1) &
  pid=$!
  start=$(date +%s)
  # The overview is whole once the scan's coverage is counted, and the
  # findings pages once the scan is indexed (after a migration, on start).
  until curl -sf --max-time 300 "http://$ADDR/" 2>/dev/null | grep -q 'managed by IaC' &&
        curl -sf --max-time 300 -o /dev/null "http://$ADDR/findings"; do
    if [ $(( $(date +%s) - start )) -gt 900 ]; then echo "$side: not ready within 15 minutes" >&2; cat "$WORK/serve-$side.log" >&2; exit 1; fi
    sleep 2
  done
  echo "## $side ($(if [ "$side" = before ]; then git rev-parse --short "$BASE"; else git rev-parse --short HEAD; fi)): ready after $(( $(date +%s) - start )) s, load $(load)"

  page=$(curl -sf "http://$ADDR/findings")
  pick() { printf '%s' "$page" | tr -d '\n' | grep -o "name=\"$1\"><option value=\"\">[^<]*</option>\s*<option value=\"[^\"]*\"" | sed 's/.*value="//;s/"$//' | head -1 || true; }
  owner=$(pick owner); system=$(pick system); env=$(pick env)
  account=$(printf '%s' "$page" | grep -o '<td>[0-9]\{12\}<br>' | head -1 | tr -dc 0-9 || true)
  # A link as the pager writes it, deep in the table: page 2001's Next
  # (the base ignores after= and reads page 2002 by offset).
  deep=$(curl -sf "http://$ADDR/findings?page=2001" | grep -o 'rel="next" href="[^"]*"' | sed 's/.*href="//;s/"$//;s/&amp;/\&/g' || true)

  printf '| %-58s | %8s | %8s | %8s | %7s | %-14s |\n' view p50 p90 p99 req/s "load (1/5/15)"
  for path in \
    "/" \
    "/findings" \
    "/findings?owner=$owner" \
    "/findings?system=$system" \
    "/findings?env=$env" \
    "/findings?account=$account" \
    "/findings?category=waste" \
    "/findings?severity=high" \
    "/findings?new=1" \
    "/findings?sort=severity&dir=asc" \
    "/findings?sort=policy&dir=asc" \
    "/findings?sort=resource&dir=asc" \
    "/findings?sort=account&dir=desc" \
    "/findings?sort=owner&dir=asc" \
    "/findings?sort=waste&dir=desc" \
    "/findings?sort=first_seen&dir=desc" \
    "/findings?severity=high&sort=waste&dir=desc" \
    "/findings?category=waste&new=1&page=40" \
    "/findings?owner=$owner&sort=resource&dir=asc&page=3" \
    "/findings?env=$env&sort=waste&dir=asc&page=200" \
    "/findings?page=50" \
    "/findings?page=2000" \
    "/findings?page=4000" \
    "${deep:-/findings?page=2002}"; do
    l=$(load)
    out=$("$HEY" -z "$DURATION" -c "$CONNECTIONS" "http://$ADDR$path")
    q() { printf '%s\n' "$out" | awk -v p="$1%" '$1 == p && $2 == "in" { printf "%.1f ms", $3 * 1000 }'; }
    rps=$(printf '%s\n' "$out" | awk '/Requests\/sec/ { printf "%.0f", $2 }')
    codes=$(printf '%s\n' "$out" | grep -E '^ +\[[0-9]+\]' | grep -v '\[200\]' || true)
    view=$path
    [ ${#view} -gt 58 ] && view="${view:0:55}..."
    printf '| %-58s | %8s | %8s | %8s | %7s | %-14s |\n' "$view" "$(q 50)" "$(q 90)" "$(q 99)" "$rps" "$l"
    [ -z "$codes" ] || echo "  not 200: $codes"
  done
  ps -o rss= -p "$pid" | awk '{printf "server RSS after the load: %.0f MiB\n", $1/1024}'
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  rm -f "$db" "$db-wal" "$db-shm"
done
