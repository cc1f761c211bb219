#!/bin/sh
# Compare steward binaries on the 1M scan: for each binary, a new SQLite
# store, the first scan then the 1%-changed one, each under /usr/bin/time -v
# and GODEBUG=gctrace=1. Prints wall, CPU (user + system), peak RSS, the
# number of collections, the time and load, and the save's parts.
#
#   sh bench/scan/compare.sh WORKDIR BIN...
#
# WORKDIR holds the estate files bench/scan/e2e.sh generates
# (estate-1000000.jsonl and estate-1000000-1pct.jsonl); each BIN is a
# steward binary (built from the commits to compare). The most live heap
# after a collection is in WORKDIR/err.BIN.FILE's gc lines.
set -eu
w=$1
shift
for b in "$@"; do
	name=$(basename "$b")
	rm -f "$w/compare.db" "$w/compare.db-wal" "$w/compare.db-shm"
	for f in estate-1000000.jsonl estate-1000000-1pct.jsonl; do
		l0=$(cut -d' ' -f1 /proc/loadavg)
		t0=$(date -u +%H:%M:%S)
		GODEBUG=gctrace=1 /usr/bin/time -v -o "$w/time" "$b" --store "$w/compare.db" --max-input 4GiB --log-level debug \
			scan --source "file:$w/$f" --limit 5 >/dev/null 2>"$w/err.$name.$f" || {
			tail "$w/err.$name.$f" >&2
			exit 1
		}
		l1=$(cut -d' ' -f1 /proc/loadavg)
		t1=$(date -u +%H:%M:%S)
		gcs=$(grep -c '^gc ' "$w/err.$name.$f")
		live=$(grep '^gc ' "$w/err.$name.$f" | sed -E 's/.*->([0-9]+) MB,.*/\1/' | sort -n | tail -n 1)
		awk -v name="$name $f" -v l="$t0-$t1 UTC, load $l0 -> $l1" -v gcs="$gcs" -v live="$live" '
			/Elapsed \(wall clock\)/ { n = split($NF, p, ":"); wall = (n == 3) ? p[1] * 3600 + p[2] * 60 + p[3] : p[1] * 60 + p[2] }
			/User time/ { user = $NF }
			/System time/ { sys = $NF }
			/Maximum resident/ { rss = $NF }
			END { printf "%-40s %7.1f s wall %7.1f s CPU %6d MB peak RSS, %d GCs, most live %d MB (%s)\n", name, wall, user + sys, rss / 1024, gcs, live, l }
		' "$w/time"
		grep -o 'took=.*' "$w/err.$name.$f" | sed 's/^/    /'
	done
done
rm -f "$w/compare.db" "$w/compare.db-wal" "$w/compare.db-shm"
