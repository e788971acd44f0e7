#!/bin/sh
# make demo: what tsync can do today.
#  1. A real shared-memory vclock that starts 1 ms off with a +100 ppm oscillator error is
#     locked to CLOCK_REALTIME by each servo in real time (noisy measurements, 1 us sigma);
#     the true error (vclock minus CLOCK_REALTIME, no noise) is printed as a table.
#  2. The same in simulated time over a noise matrix (tsync-servo-sim --table).
# Nothing here touches the system clock: only vclocks are disciplined.
set -e
BUILD=${1:-build}
BIN=$BUILD/bin
DUR=${DEMO_DURATION:-16}
echo "== tsync demo: a vclock (1 ms off, +100 ppm) locked by each servo, real time, ${DUR} s each"
echo "   (measurement noise 1 us gaussian at 8 Hz; true error = vclock - CLOCK_REALTIME)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for s in pi linreg kalman; do
	printf '   locking with %-7s ... ' "$s"
	if "$BIN/tsync-servo-run" --servo "$s" --duration "$DUR" --interval 0.125 --noise 1000 \
		--quiet >>"$out"; then
		echo done
	else
		echo "did not lock"
	fi
done
echo
awk 'BEGIN {
	printf "%-8s %10s %16s %16s %14s %6s\n", "servo", "lock (s)", "true RMS (ns)", "true max (ns)", "own est (ns)", "state"
	printf "%-8s %10s %16s %16s %14s %6s\n", "-----", "--------", "-------------", "-------------", "------------", "-----"
}
/^summary/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	printf "%-8s %10s %16s %16s %14s %6s\n", v["servo"], v["locked_after_s"], v["true_rms_ns"], v["true_max_ns"], v["est_ns"], v["final_state"]
}' "$out"
echo "   (lock: first time from which the true error stays within 10 us; RMS and max over"
echo "    the second half of each run; 'own est' is the servo's own"
echo "    1-sigma error estimate where it keeps one: the bound vmclock will publish)"
if [ -x "$BIN/tsync-servo-sim" ]; then
	echo
	echo "== the same servos in simulated time (seeded, 1 ms / +100 ppm start): tsync-servo-sim --table"
	"$BIN/tsync-servo-sim" --table
fi
