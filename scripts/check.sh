#!/bin/sh
# make check body: unit tests, integration tests, unit tests and the hostile-input tests under
# ASan+UBSan, a short fuzzing pass.
# Prints one closing line that counts every test.
BUILD=${1:-build}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
total_p=0
total_f=0
count() { # $1 = label; reads "N passed, N failed" from the last matching line of $log
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^passed/) print $(i - 1) }')
	f=$(echo "$line" | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^failed/) print $(i - 1) }')
	[ -n "$p" ] || p=0
	[ -n "$f" ] || f=1
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	echo "== $1: $p passed, $f failed"
}
echo "== unit tests ($BUILD)"
scripts/run-unit.sh "$BUILD"/tests/unit/* | tee "$log" || status=1
count unit
echo "== integration tests"
BUILD=$BUILD tests/integration/run.sh | tee "$log" || status=1
count integration
echo "== unit tests under ASan+UBSan (build/asan)"
{ make --no-print-directory BUILD=build/asan SAN=1 all >/dev/null &&
	scripts/run-unit.sh build/asan/tests/unit/*; } 2>&1 | tee "$log"
grep -q ' 0 failed' "$log" || status=1
count asan
# the daemons' hostile-input tests again, against the ASan+UBSan binaries: each script counts a
# sanitizer report in a daemon's output as a failure
# sanitizer reports; every process's report also goes to a file in $sandir, so one from a process
# whose output a script only captured (a refused start-up, a client) counts too
echo "== hostile-input tests under ASan+UBSan (build/asan)"
sandir=$(mktemp -d /tmp/tsync-san.XXXXXX)
ASAN_OPTIONS="log_path=$sandir/asan" UBSAN_OPTIONS="log_path=$sandir/ubsan:print_stacktrace=1" \
	BUILD=build/asan tests/integration/run.sh 'test_hostile_*.sh' | tee "$log" || status=1
count hostile-asan
nsan=$(find "$sandir" -type f | wc -l)
if [ "$nsan" -gt 0 ]; then
	for f in "$sandir"/*; do echo "-- sanitizer report $f:"; head -n 20 "$f"; done
	echo "== hostile-asan: $nsan sanitizer report file(s) above count as failures"
	total_f=$((total_f + nsan))
fi
rm -rf "$sandir"
# a short fuzzing pass: every regression input replayed, each libFuzzer target ~5 s
echo "== fuzzing, short pass (make fuzz-check)"
{ make --no-print-directory BUILD="$BUILD" fuzz-build >/dev/null &&
	tests/fuzz/run.sh --build "$BUILD" --short; } 2>&1 | tee "$log"
count fuzz
echo "make check: $total_p passed, $total_f failed"
[ "$status" -eq 0 ] && [ "$total_f" -eq 0 ]
