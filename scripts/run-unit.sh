#!/bin/sh
# Run the Criterion unit-test binary; print "unit: N passed, N failed" last.
# Exit status is non-zero if any test failed or crashed.
bin=$1
shift
[ -x "$bin" ] || { echo "run-unit: $bin not built" >&2; exit 2; }
out=$(mktemp)
"$bin" --jobs=2 "$@" >"$out" 2>&1
rc=$?
grep -v -E '^\[----\] .*: (passed|ok)$' "$out" | grep -E 'Assertion|FAIL|CRASH|crash|Warning|ERROR|Synthesis|seed' | head -n 80
syn=$(grep -E 'Synthesis' "$out" | tail -n 1)
tested=$(echo "$syn" | sed -n 's/.*Tested: \([0-9]*\).*/\1/p')
passing=$(echo "$syn" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
failing=$(echo "$syn" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
crashing=$(echo "$syn" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
# sanitizer reports that Criterion does not count as failures (leaks are found at exit)
san=$(grep -c -E 'ERROR: LeakSanitizer|runtime error:|ERROR: AddressSanitizer' "$out")
[ "$san" -gt 0 ] && grep -A12 -E 'ERROR: LeakSanitizer|runtime error:|ERROR: AddressSanitizer' "$out" | head -n 60
rm -f "$out"
if [ -z "$tested" ]; then
	echo "unit: 0 passed, 1 failed (no Criterion summary; exit $rc)"
	exit 1
fi
[ "$san" -gt 0 ] && echo "unit: $san sanitizer report(s) above count as failures"
echo "unit: $passing passed, $((failing + crashing + san)) failed"
[ "$rc" -eq 0 ] && [ "$failing" -eq 0 ] && [ "$crashing" -eq 0 ] && [ "$san" -eq 0 ]
