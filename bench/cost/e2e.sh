#!/bin/sh
# End-to-end ingest: the real `steward cost ingest` binary (read, roll up,
# write the SQLite store) against DuckDB doing the same (read the CSV,
# group, sum exact decimals, write a table to a database file), on the
# same generated bill, in turn, each under /usr/bin/time. Prints wall
# seconds and peak RSS per run and the ratio of the best runs.
#
#   sh e2e.sh [lines] [rounds]     # from bench/cost; default 1000000 lines, 2 rounds
set -eu
lines=${1:-1000000}
rounds=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$here/../.." && go build -o "$work/steward" ./cmd/steward)
(cd "$here" && go build -o "$work/costbench" ./cmd/costbench)

# run NAME CMD...: one timed run; appends "name wall_s peak_MB" to $work/runs
run() {
	name=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
		cat "$work/out" "$work/err" >&2
		exit 1
	}
	set -- $(tail -1 "$work/time")
	printf '%-42s %7.2f s wall %7.2f s CPU %6d MB peak RSS  %s\n' "$name" "$1" "$(echo "$3 + $4" | bc)" "$(($2 / 1024))" "$(head -c 90 "$work/out" | head -1)"
	case "$name" in
	"steward cost ingest") key=steward ;;
	duckdb*) key=duckdb ;;
	*) key=show ;;
	esac
	echo "$key $1 $(($2 / 1024)) $(echo "$3 + $4" | bc)" >>"$work/runs"
}

for shape in wide narrow; do
	flag=""
	[ "$shape" = wide ] && flag=-wide
	bill="$work/$shape.csv"
	"$work/costbench" gen $flag -lines "$lines" -o "$bill"
	echo "== $shape bill: $lines lines, $(($(wc -c <"$bill") / 1048576)) MB"
	: >"$work/runs"
	i=0
	while [ $i -lt "$rounds" ]; do
		rm -f "$work/steward.db" "$work/steward.db-wal" "$work/steward.db-shm"
		run "steward cost ingest" "$work/steward" --store "$work/steward.db" cost ingest --source bench "$bill"
		run "duckdb (persisted table)" "$work/costbench" duck -db "$work/duck.db" "$bill"
		if [ "$shape" = wide ]; then
			# reports over the month just stored
			run "steward cost show --by system" "$work/steward" --store "$work/steward.db" cost show --by system
			run "steward cost show --by resource --top 20" "$work/steward" --store "$work/steward.db" cost show --by resource --top 20
			run "steward cost show --by tag:env" "$work/steward" --store "$work/steward.db" cost show --by tag:env
		fi
		i=$((i + 1))
	done
	awk -v shape="$shape" '
		$1 == "steward" { if (!s || $2 < s) s = $2; if ($3 > sm) sm = $3; if (!sc || $4 < sc) sc = $4 }
		$1 == "duckdb"  { if (!d || $2 < d) d = $2; if ($3 > dm) dm = $3; if (!dc || $4 < dc) dc = $4 }
		END {
			printf "%s: best steward %.2f s wall, %.2f s CPU, peak %d MB; best duckdb %.2f s wall, %.2f s CPU, peak %d MB\n", shape, s, sc, sm, d, dc, dm
			printf "%s: steward/duckdb %.2fx wall, %.2fx CPU\n", shape, s / d, sc / dc
		}
	' "$work/runs"
done
