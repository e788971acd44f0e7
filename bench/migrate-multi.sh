#!/bin/sh
# tsvmm migration over 1 vs N parallel TCP connections (issue 16) on a shaped WAN path:
# namespace a -> tsync-netem (DELAY each way) -> TBF RATE with a QUEUE-byte queue -> b.
# Usage: bench/migrate-multi.sh [BUILD]  (root, /dev/kvm). Environment: CONNS ("1 3"), REPS
# (3, arms interleaved so that load changes hit every arm), MEM (256M), RATE (100mbit),
# DELAY (20ms), QUEUE (64k), MODE (all), DIRTY (pages/s, 2000), LOSS (random loss on the
# path, e.g. 0.3%: tsync-netem --loss; default none).
# KEEP=1 keeps the run logs ($TMP/src.REP.N, dst.REP.N). One line per run, then per arm: median total time, downtime, MB sent, goodput.
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
BIN=$BUILD/bin
V=$BIN/tsvmm
. testbeds/netns.sh
. testbeds/migrate/lib.sh
TMP=$(mktemp -d)
trap 'bed_cleanup; [ -n "$KEEP" ] && echo "logs kept in $TMP" || rm -rf "$TMP"' EXIT
trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 130' INT TERM
[ -c /dev/kvm ] && [ "$(id -u)" -eq 0 ] || { echo "needs root and /dev/kvm"; exit 1; }
CONNS=${CONNS:-1 3}
REPS=${REPS:-3}
MEM=${MEM:-256M}
RATE=${RATE:-100mbit}
DELAY=${DELAY:-20ms}
QUEUE=${QUEUE:-64k}
MODE=${MODE:-all}
DIRTY=${DIRTY:-2000}
NETEM="--delay $DELAY${LOSS:+ --loss $LOSS}"
A=10.84.0.1
B=10.84.0.2
bed_ns_add a && bed_ns_add b && bed_relay_link a veth0 $A b veth0 $B m "$NETEM" || exit 1
for x in "a veth0" "b veth0" "m ra" "m rb"; do
	# shellcheck disable=SC2086
	set -- $x
	bed_exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1
done
bed_exec m tc qdisc replace dev rb root tbf rate "$RATE" burst 16k limit "$QUEUE" || exit 1
G="--mem $MEM --profile zero=0.5,dup=0.2,random=0.3 --dirty-rate $DIRTY --wss 512 --migrate-plaintext"
echo "bed: a -> tsync-netem $NETEM (each way) -> tbf $RATE queue $QUEUE -> b; guest $MEM, mode $MODE, dirty $DIRTY pages/s; load $(cut -d' ' -f1-3 /proc/loadavg)"
PORT=5200
for rep in $(seq 1 "$REPS"); do
	for n in $CONNS; do
		PORT=$((PORT + 1))
		# shellcheck disable=SC2086
		bed_bg b "$TMP/dst.$rep.$n" "$V" run $G --control "$TMP/dsock" --incoming "$B:$PORT"
		d=$BED_LASTPID
		# shellcheck disable=SC2086
		bed_bg a "$TMP/src.$rep.$n" "$V" run $G --control "$TMP/ssock"
		s=$BED_LASTPID
		if bed_wait_for "$TMP/dst.$rep.$n" "waiting for a migration" 5 && wait_guest "$TMP/ssock" 2 30; then
			ctl "$TMP/ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"$MODE\",\"connections\":$n}}" >/dev/null
			ctl "$TMP/ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$PORT\"}}" >/dev/null
			wait_exit "$s" 120
		fi
		l=$(grep 'completed: downtime' "$TMP/src.$rep.$n")
		tot=$(echo "$l" | sed -n 's/.*total \([0-9.]*\) ms.*/\1/p')
		dn=$(echo "$l" | sed -n 's/.*downtime \([0-9.]*\) ms.*/\1/p')
		by=$(echo "$l" | sed -n 's/.* \([0-9]*\) bytes.*/\1/p')
		ok=$(grep -c 'checksum .* matches' "$TMP/dst.$rep.$n")
		echo "run rep $rep connections $n: total ${tot:-fail} ms downtime ${dn:-fail} ms bytes ${by:-0} checksum-ok $ok"
		bed_stop "$s" "$d"
	done
done | tee "$TMP/runs"
for n in $CONNS; do
	awk -v n="$n" '$5 == n ":" && $7 != "fail" { t[++k] = $7; d[k] = $10; b[k] = $13 }
	END { if (!k) { print "connections " n ": no completed run"; exit }
		# median by total time (k <= REPS: a simple sort)
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (t[j] < t[i]) {
			x = t[i]; t[i] = t[j]; t[j] = x; x = d[i]; d[i] = d[j]; d[j] = x; x = b[i]; b[i] = b[j]; b[j] = x }
		m = int((k + 1) / 2)
		printf "connections %s: median of %d: total %.0f ms, downtime %.1f ms, %.1f MB, %.1f Mbit/s\n", n, k, t[m], d[m], b[m] / 1e6, b[m] * 8 / t[m] / 1e3 }' "$TMP/runs"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
