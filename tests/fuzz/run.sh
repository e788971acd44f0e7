#!/bin/sh
# Run the libFuzzer targets built by make fuzz-build (tests/fuzz/fuzz.mk).
#   tests/fuzz/run.sh [--build DIR] [--seconds N | --short] [TARGET...]
# For each target (default: every $BUILD/fuzz/bin/fuzz_*):
#   1. replay tests/fuzz/regress/<target>/* (inputs that once crashed: each must pass now);
#   2. fuzz N seconds (--short: 5) on a scratch copy of tests/fuzz/corpus/<target>/ plus the
#      matching tests/data files, so the repository is never modified.
# Any crash, leak, timeout, out-of-memory or sanitizer report fails the target; the failing
# input is kept under $BUILD/fuzz/artifacts/<target>/ and named on the "FAILED" line.
# Prints one line per target and last "fuzz: N passed, N failed"; exit 1 if any failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
build=build
seconds=30
targets=
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--short) seconds=${FUZZ_SHORT_SECONDS:-5} ;;
	-h|--help) sed -n '2,11p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) targets="$targets $1" ;;
	esac
	shift
done
bindir=$build/fuzz/bin
[ -n "$targets" ] || targets=$(ls "$bindir" 2>/dev/null | sed -n 's/^fuzz_//p')
[ -n "$targets" ] || { echo "fuzz: no targets in $bindir (make fuzz-build)" >&2; exit 2; }
# libFuzzer options: a few s per input, 2 GiB, no mutation of the repository
opts="-timeout=${FUZZ_TIMEOUT:-5} -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
work=$(mktemp -d /tmp/tsync-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

# files of tests/data that are inputs of a target as they are
data_seeds() {
	case $1 in
	pcap) ls tests/data/analysis/*.pcap tests/data/captures/ptp/*.pcap \
		tests/data/captures/radiotap/*.pcap ;;
	statlog) ls tests/data/analysis/statlog*.log ;;
	ptp4l) ls tests/data/analysis/ptp4l*.log ;;
	chrony) ls tests/data/analysis/chrony*.log ;;
	text) ls tests/data/analysis/*.txt ;;
	config) ls ptpd-wl/configs/*.cfg ;;
	esac 2>/dev/null
}

# name the failure from the log and keep the artifact; $1 target, $2 log, $3 what ran
fail() {
	t=$1 log=$2
	keep=$build/fuzz/artifacts/$t
	mkdir -p "$keep"
	cp "$log" "$keep/last.log"
	kind=$(grep -o -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-z-]+|runtime error|property failed|ALARM: working on the last Unit for [0-9]+' "$log" | head -n1)
	where=$(grep -m1 -E '^SUMMARY: ' "$log" | sed 's/^SUMMARY: //')
	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p; s/^Running: \(.*\)$/\1/p' "$log" | tail -n1)
	if [ -n "$art" ] && [ -f "$art" ]; then
		case $art in "$work"/*) cp "$art" "$keep/" && art=$keep/$(basename "$art") ;; esac
	fi
	echo "fuzz: $t FAILED in $3: ${kind:-exit status $4}${where:+ ($where)}"
	echo "fuzz: $t   input: ${art:-?}  log: $keep/last.log"
	failed=$((failed + 1))
}

passed=0 failed=0
for t in $targets; do
	bin=$bindir/fuzz_$t
	log=$work/$t.log
	if [ ! -x "$bin" ]; then
		echo "fuzz: $t FAILED: $bin not built"
		failed=$((failed + 1))
		continue
	fi
	reg=tests/fuzz/regress/$t
	nreg=0
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		nreg=$(ls -A "$reg" | wc -l)
		# libFuzzer run on files: each input once, non-zero exit on the first failure
		if ! "$bin" $opts "$reg"/* >"$log" 2>&1; then
			fail "$t" "$log" "regress replay" $?
			continue
		fi
	fi
	corpus=$work/corpus-$t
	mkdir -p "$corpus" "$work/art-$t"
	[ -d tests/fuzz/corpus/$t ] && cp tests/fuzz/corpus/$t/* "$corpus/" 2>/dev/null
	for f in $(data_seeds "$t"); do cp "$f" "$corpus/data-$(basename "$f")"; done
	nseed=$(ls -A "$corpus" | wc -l)
	start=$(date +%s)
	"$bin" $opts -max_total_time="$seconds" -artifact_prefix="$work/art-$t/" "$corpus" \
		>"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || grep -q -E 'runtime error:|ERROR: (Address|Leak)Sanitizer' "$log"; then
		fail "$t" "$log" "fuzzing" $rc
		continue
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	last=$(grep -E '^#[0-9]+[[:space:]].*cov: ' "$log" | tail -n1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
	echo "fuzz: $t ok: $(($(date +%s) - start)) s, $runs runs, $eps exec/s, cov $cov, ft $ft," \
	     "corpus $nseed -> $corp, $nreg regress"
	passed=$((passed + 1))
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
