#!/bin/sh
# The scale-out runs behind bench/README.md: one replica, three replicas,
# and three replicas with one killed a third of the way, each on a fresh
# schema of the PostgreSQL server STEWARD_TEST_POSTGRES names
# (export STEWARD_TEST_POSTGRES=$(.ci/postgres start)). From the repository root:
#
#   sh bench/scaleout/run.sh 500    # the full organisation: 500 accounts x 4 regions x 2,000 resources
#   sh bench/scaleout/run.sh 50     # what fits a shared 2-core machine
#
# RUNS picks the runs ("replicas:kill-at" pairs, default "1:0 3:0 3:0.33");
# UNIT_TIMEOUT is the longest one unit may take (default 2m): a killed
# replica's units are read again after it and 30 s, so it sets what the
# kill costs; FLAGS adds flags to every run (e.g. FLAGS=-keep to keep the
# last run's PostgreSQL schema for BenchmarkStoreAtScale); LOG is the log
# level (default warn: a failed or taken-over assembly is said; info
# adds each assembly's start, claim, waits and end).
set -eu
accounts=${1:-500}
per=${PER_ACCOUNT:-2000}
: "${STEWARD_TEST_POSTGRES:?start a server: export STEWARD_TEST_POSTGRES=\$(.ci/postgres start)}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bin=$dir/steward-scaleout
go build -o "$bin" ./bench/scaleout
for run in ${RUNS:-1:0 3:0 3:0.33}; do
  set -- $(echo "$run" | tr : ' ')
  echo "== $accounts accounts, $1 replica(s), kill-at $2"
  "$bin" -accounts "$accounts" -per-account "$per" -replicas "$1" -kill-at "$2" \
    -latency 30ms -throttle 0.02 -dsn "$STEWARD_TEST_POSTGRES" -log "${LOG:-warn}" -timeout 3h -deadline 2h50m \
    -unit-timeout "${UNIT_TIMEOUT:-2m}" ${FLAGS:-}
done
