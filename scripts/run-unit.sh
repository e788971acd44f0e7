#!/bin/sh
# Run the Criterion unit-test binaries (one per component: build/tests/unit/COMPONENT); print
# "unit: N passed, N failed" last, summed over all. Exit status is non-zero if any test failed
# or crashed, a binary is missing, or a sanitizer reported.
# usage: run-unit.sh BIN... [-- criterion options]
bins=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	bins="$bins $1"
	shift
done
[ "$1" = "--" ] && shift
[ -n "$bins" ] || { echo "run-unit: no test binary given" >&2; exit 2; }
pass=0 fail=0 status=0
out=$(mktemp)
for bin in $bins; do
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		echo "run-unit: $bin not built" >&2
		fail=$((fail + 1)) status=1
		continue
	fi
	"$bin" --jobs=2 "$@" >"$out" 2>&1
	rc=$?
	grep -v -E '^\[----\] .*: (passed|ok)$' "$out" |
		grep -E 'Assertion|FAIL|CRASH|crash|Warning|ERROR|seed' | head -n 80
	syn=$(grep -E 'Synthesis' "$out" | tail -n 1)
	tested=$(echo "$syn" | sed -n 's/.*Tested: \([0-9]*\).*/\1/p')
	passing=$(echo "$syn" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	failing=$(echo "$syn" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	crashing=$(echo "$syn" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
	# sanitizer reports that Criterion does not count as failures (leaks are found at exit)
	san=$(grep -c -E 'ERROR: LeakSanitizer|runtime error:|ERROR: AddressSanitizer' "$out")
	[ "$san" -gt 0 ] && grep -A12 -E 'ERROR: LeakSanitizer|runtime error:|ERROR: AddressSanitizer' "$out" | head -n 60
	if [ -z "$tested" ]; then
		echo "  $name: no Criterion summary (exit $rc)"
		fail=$((fail + 1)) status=1
		continue
	fi
	f=$((failing + crashing + san))
	note=
	[ "$san" -gt 0 ] && note=" (of which $san sanitizer reports)"
	echo "  $name: $passing passed, $f failed$note"
	pass=$((pass + passing)) fail=$((fail + f))
	{ [ "$rc" -eq 0 ] && [ "$f" -eq 0 ]; } || status=1
done
rm -f "$out"
echo "unit: $pass passed, $fail failed"
exit $status
