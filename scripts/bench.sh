#!/bin/sh
# make bench: the measurements BENCHMARKS.md quotes, each printed with its command.
BUILD=${1:-build}
BIN=$BUILD/bin
run() {
	echo "\$ $*"
	"$@"
	echo
}
echo "== vclock read cost"
run "$BIN/tsync-vclock" bench --count 2000000
echo "== servo matrix (simulated time, seeded)"
run "$BIN/tsync-servo-sim" --table
echo "== servos on a real vclock in real time (1 ms / +100 ppm start, 1 us noise, 8 Hz)"
for s in pi linreg kalman; do
	run "$BIN/tsync-servo-run" --servo $s --duration 30 --quiet
done
echo "== tsync-analyze metric speed"
scripts/bench-analysis.sh "$BUILD"
