#!/bin/sh
# Run every tests/integration/test_*.sh (or those matching $1, e.g. 'test_hostile_*.sh'); each
# prints "N passed, N failed" as its last line. Prints the sum last. A script that exits non-zero
# without a count counts as one failure.
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export BUILD
P=0
F=0
PATTERN=${1:-test_*.sh}
for t in tests/integration/$PATTERN; do
	[ -e "$t" ] || continue
	echo "-- $t"
	out=$(mktemp)
	timeout 600 sh "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "$line" ]; then
		echo "   $t: no result line (exit $rc)"
		F=$((F + 1))
		continue
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	P=$((P + p))
	F=$((F + f))
done
echo "integration: $P passed, $F failed"
[ "$F" -eq 0 ]
