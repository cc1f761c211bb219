#!/bin/sh
# End-to-end scan of a saved 1M-resource estate: the real `steward scan
# --source file:PATH` (read the file, evaluate every built-in policy, save
# the scan with its history, print the summary) into a new SQLite store,
# then the next day's scan (1% of the resources changed) into the same
# store, each under /usr/bin/time -v. Prints wall, CPU and peak RSS.
#
#   sh bench/scan/e2e.sh [resources] [workdir]   # default 1000000, a temporary folder
#
# The estate files are generated once into workdir (bench/scan/gen) and
# reused when workdir is given.
set -eu
n=${1:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
work=${2:-}
if [ -z "$work" ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
(cd "$here/../.." && go build -o "$work/steward" ./cmd/steward && go build -o "$work/gen" ./bench/scan/gen)
[ -e "$work/estate-$n.jsonl" ] || "$work/gen" -resources "$n" -o "$work/estate-$n.jsonl"
[ -e "$work/estate-$n-1pct.jsonl" ] || "$work/gen" -resources "$n" -change 1 -o "$work/estate-$n-1pct.jsonl"
rm -f "$work/bench.db" "$work/bench.db-wal" "$work/bench.db-shm"

# run NAME FILE: one timed scan into $work/bench.db
run() {
	name=$1
	/usr/bin/time -v -o "$work/time" "$work/steward" --store "$work/bench.db" --max-input 4GiB --log-level debug \
		scan --source "file:$2" --limit 5 >"$work/out" 2>"$work/err" || {
		# exit 1 is findings at --fail-on: none is set, so any failure is real
		cat "$work/err" >&2
		exit 1
	}
	awk -v name="$name" '
		/Elapsed \(wall clock\)/ { n = split($NF, p, ":"); wall = (n == 3) ? p[1] * 3600 + p[2] * 60 + p[3] : p[1] * 60 + p[2] }
		/User time/ { user = $NF }
		/System time/ { sys = $NF }
		/Maximum resident/ { rss = $NF }
		END { printf "%-28s %7.1f s wall %7.1f s CPU %6d MB peak RSS\n", name, wall, user + sys, rss / 1024 }
	' "$work/time"
	end=$(date -u +%s.%N)
	# the phases, from the log: collected (file read), scan saved (the
	# store's transaction, with how long it took and its parts)
	grep -E 'msg=(collected|"scan saved"|scanned)' "$work/err" | sed 's/^/    /'
	# the summary: from the last log line (the scan evaluated and saved)
	# to the process's end, the comparison with the previous scan and the
	# report
	at=$(grep 'msg=scanned' "$work/err" | sed -n 's/^time=\([^ ]*\).*/\1/p' | tail -n 1)
	[ -z "$at" ] || awk -v a="$(date -u -d "$at" +%s.%N)" -v b="$end" 'BEGIN { printf "    summary (scanned to exit): %.1f s wall\n", b - a }'
}

echo "== $n resources, $(($(wc -c <"$work/estate-$n.jsonl") / 1048576)) MB file, $(nproc) CPUs"
run "first scan (empty store)" "$work/estate-$n.jsonl"
run "second scan (1% changed)" "$work/estate-$n-1pct.jsonl"
echo "store: $(($(du -k "$work/bench.db" | cut -f1) / 1024)) MB"
