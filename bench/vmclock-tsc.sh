#!/bin/sh
# vmclock across hosts with different TSCs (issue 14 item 3): a VM migrated a -> b -> a ...
# COUNT times between two emulated hosts of this machine whose TSCs differ (vmclockd and tsvmm
# --tsc-transform: a = raw x (1 - 20 ppm) - 3 x 10^11 ticks, b = raw x (1 + 50 ppm) + 10^12
# ticks; vmm/vcpu_tsc.h). Each host's vmclockd publishes CLOCK_REALTIME (read only) with a
# static 20 us estimate; every tsvmm scores the guest's vmclock readings against
# CLOCK_REALTIME (--vmclock-log). Per migration: the guest's TSC gap at the switchover against
# the downtime, the offset tsvmm set, readings on the destination's page, violations, the
# largest |error| and the error and bound at resume. Then the same first hop once with the
# destination's vmclockd on the source's TSC (the wrong calibration) for comparison.
#
# usage: bench/vmclock-tsc.sh [--count N] [--policy step|slew|freeze] [--hold S] [--out DIR]
# Ends with one line: tsc: migrations N readings R violations V coverage P% max_err_ns E
#   resume_err_ns E0 resume_bound_ns B continuity_err_ms C gap_minus_downtime_ms G
#   wrongcal_violations W
# (E0, B: the largest over migrations; C: the largest |guest TSC gap - the real time between
# the same two guest readings| (0 for a continued TSC); G: the largest guest TSC gap minus
# the downtime: up to one 10 ms guest reading period, plus the vCPU's start delay under load).
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
BIN=$BUILD/bin
. testbeds/vmclock/tsc_lib.sh
COUNT=6 POLICY=step HOLD=2 OUT=
while [ $# -gt 0 ]; do
	case "$1" in
	--count) COUNT=$2; shift ;;
	--policy) POLICY=$2; shift ;;
	--hold) HOLD=$2; shift ;;
	--out) OUT=$2; shift ;;
	*) echo "vmclock-tsc: unknown argument $1" >&2; exit 1 ;;
	esac
	shift
done
XA=-300000000000,-20
XB=1000000000000,50
D=$(mktemp -d /tmp/tsync-vmtsc-bench.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ -n "$OUT" ] && mkdir -p "$OUT" && cp "$D"/*.log "$D"/*.vlog "$OUT"/ 2>/dev/null
	rm -rf "$D"
}
trap 'cleanup' EXIT
trap 'cleanup; trap - EXIT; exit 130' INT
trap 'cleanup; trap - EXIT; exit 143' TERM
fail() { echo "vmclock-tsc: $*" >&2; exit 1; }
PORT=$((21000 + $$ % 20000))
for h in a b c; do
	mkdir -p "$D/$h"
	x=$XA
	[ $h = b ] && x=$XB
	# c: host b's page directory and name, but the source's (a's) TSC: the wrong calibration
	tsc_bg "$D/vc-$h.log" "$BIN/vmclockd" --clock sys --page-dir "$D/$h" --maxerror 20us \
		--freq-maxerror 1ppm --interval 0.1 --socket "$D/vc-$h.sock" --tsc-transform "$x"
	tsc_wait_for "$D/vc-$h.log" "TSC .* ns/tick" 10 || fail "vmclockd $h"
done
KHZ=$(tsc_khz "$D/vc-a.log")
VMARGS="--mem 64M --serial /dev/null --migrate-plaintext"

# hop N SRC_CTL DST DSTVC XFORM: start the destination tsvmm N, migrate, wait for it to run
hop() {
	n=$1 sctl=$2 dst=$3 dvc=$4 x=$5
	PORT=$((PORT + 1))
	tsc_bg "$D/tsvmm-$n.log" "$BIN/tsvmm" run $VMARGS --incoming "127.0.0.1:$PORT" \
		--vmclockd "$D/vc-$dvc.sock" --vmclock-vm "vm.$dst" --vmclock-policy "$POLICY" \
		--vmclock-log "$D/vm-$n.vlog" --control "$D/vm-$n.ctl" --tsc-transform "$x"
	HOPPID=$LAST
	tsc_wait_for "$D/tsvmm-$n.log" "waiting for a migration" 10 || return 1
	"$BIN/tsvmm" ctl "$sctl" \
		"{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:127.0.0.1:$PORT\"}}" >/dev/null
	tsc_wait_for "$D/tsvmm-$n.log" "guest running" 20
}
score() { tsc_score "$D/vm-$2.vlog" "$D/vm-$1.vlog" "$KHZ"; }

"$BIN/vmclockd" --socket "$D/vc-a.sock" --send "vm-add vm.a" >/dev/null || fail "vm-add"
tsc_bg "$D/tsvmm-0.log" "$BIN/tsvmm" run $VMARGS --dirty-rate 1000 \
	--vmclock "$D/a/tsync-vmclock.vm.a" --vmclock-log "$D/vm-0.vlog" --control "$D/vm-0.ctl" \
	--tsc-transform "$XA"
SRCPID=$LAST
sleep 2
echo "# vmclock across hosts with different TSCs: a = $XA, b = $XB (offset ticks, ppm), policy $POLICY"
echo "# i dir down_ms gap_ms real_ms offset_ticks readings outside max_err_ns resume_err_ns resume_bound_ns"
i=1 ok=0
while [ $i -le "$COUNT" ]; do
	if [ $((i % 2)) = 1 ]; then dst=b x=$XB dir=ab; else dst=a x=$XA dir=ba; fi
	hop $i "$D/vm-$((i - 1)).ctl" $dst $dst "$x" || { echo "migration $i failed" >&2; break; }
	sleep "$HOLD"
	kill "$SRCPID" 2>/dev/null
	wait "$SRCPID" 2>/dev/null
	SRCPID=$HOPPID
	dt=$(sed -n 's/.*guest running; downtime \([0-9.]*\) ms.*/\1/p' "$D/tsvmm-$i.log")
	off=$(sed -n 's/.*offset guest - host = \(-*[0-9]*\) ticks.*/\1/p' "$D/tsvmm-$i.log")
	set -- $(score $i $((i - 1)))
	echo "$i $dir $dt $6 $7 $off $1 $2 $3 $4 $5" | tee -a "$D/rows"
	ok=$((ok + 1))
	i=$((i + 1))
done
"$BIN/tsvmm" ctl "$D/vm-$((i - 1)).ctl" '{"execute":"quit"}' >/dev/null 2>&1
sleep 0.5

# the wrong calibration, once: a -> b's tsvmm with c's vmclockd (the source's TSC)
"$BIN/vmclockd" --socket "$D/vc-a.sock" --send "vm-add vm.w" >/dev/null
tsc_bg "$D/tsvmm-w0.log" "$BIN/tsvmm" run $VMARGS --dirty-rate 1000 \
	--vmclock "$D/a/tsync-vmclock.vm.w" --vmclock-log "$D/vm-w0.vlog" --control "$D/vm-w0.ctl" \
	--tsc-transform "$XA"
sleep 2
hop w1 "$D/vm-w0.ctl" b c "$XB"
sleep 1
"$BIN/tsvmm" ctl "$D/vm-w1.ctl" '{"execute":"quit"}' >/dev/null 2>&1
sleep 0.5
set -- $(score w1 w0)
WN=$1 WBAD=$2 WERR=$3
echo "# wrong calibration (b's tsvmm, a vmclockd on a's TSC): $WBAD of $WN readings outside, largest |err| $WERR ns"
awk -v wbad="$WBAD" -v wn="$WN" '{ n++; r += $7; v += $8; if ($9 > m) m = $9; if ($10 > e0) e0 = $10
		if ($11 > b0) b0 = $11; c = $4 - $5; c = c < 0 ? -c : c; if (c > cx) cx = c
		x = $4 - $3; if (n == 1 || x > gx) gx = x }
	END { printf "tsc: migrations %d readings %d violations %d coverage %.3f%% max_err_ns %d resume_err_ns %d resume_bound_ns %d continuity_err_ms %.3f gap_minus_downtime_ms %.3f wrongcal_violations %d/%d\n",
		n, r, v, r ? 100 * (r - v) / r : 0, m, e0, b0, cx, gx, wbad, wn }' "$D/rows"
[ "$ok" = "$COUNT" ]
