#!/bin/sh
# vmclock end to end: guest time across live migrations between two PTP-synchronised hosts.
#
#   gm  ptp4l grandmaster (free_running, software timestamps: it serves CLOCK_REALTIME, so
#       truth = CLOCK_REALTIME), veth to each host
#   a   ptpd-wl (kalman) disciplining vclock hostA (+300 us, +20 ppm, wander); vmclockd
#       publishing hostA's clock with ptpd-wl's error estimate (--ptpd); tsvmm
#   b   the same with hostB (-200 us, -12 ppm)
#   a <-> b  a third veth for the migration stream
# A 64 MiB VM (dirtying 2000 pages/s) starts on a and migrates a -> b -> a ... COUNT times.
# Migration i uses policy POLICIES[(i-1) % n] and, for alternate rounds of all policies, the
# on-demand burst (both vmclockds ask their ptpd-wl for Sync at 64 Hz and wait until the
# estimate settles) just before the migrate command. Every tsvmm scores the guest's vmclock
# readings against CLOCK_REALTIME (--vmclock-log); analyze.py makes the tables.
#
# usage: bench/vmclock-e2e-run.sh [--count N] [--policies "step slew freeze"]
#          [--no-burst] [--burst-only] [--hold S] [--out DIR] [--mem 64M] [--dirty-rate N]
#          [--auto-burst] [--prepare-wait S] [--sync-log L] [--settle S] [--vmclockd-args "A"]
# --auto-burst: no burst from this script; the destination's vmclockd asks for one itself
# when tsvmm reports the migration (vmclock/README.md, "On-demand sync"); --prepare-wait S:
# sleep S between the destination listening and the migrate command (an operator or an
# evacuation prepares the destination first). vmclockd's own migration bursts are on with
# --burst-only and --auto-burst, off otherwise (the alternating and --no-burst arms compare
# the script's burst with none). --sync-log L: the hosts' Sync interval (log2 s, -3).
# --settle S: run S more seconds once both hosts are synchronised (servos past convergence).
# --vmclockd-args "A": more options for both vmclockd (e.g. "--ptpd-asymmetry 200ns").
# --sync dtpd: DTP hosts instead (testbeds/vmclock/dtpd_hosts.sh: a dtpd root on vclock gm
# = CLOCK_REALTIME, dtpd followers on hostA/hostB over AF_PACKET, vmclockd --dtpd, beacons
# every 2^L s of --sync-log; the hosts' dtpd ask the root for their bursts upstream); the default
# is $VME_SYNC when set (bench/vmclock-burst.sh --sync), else ptp.
# Prints analyze.py's report; exit 0 if every migration ran, 1 otherwise. With --out the
# statlogs, logs and migrations.txt stay in DIR (for plots).
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
BIN=$BUILD/bin
. testbeds/netns.sh
. testbeds/ptp/lib.sh
BED_PREFIX=${VME_PREFIX:-tve-$$-}

COUNT=6 POLICIES="step slew freeze" BURST=alt HOLD=1.5 OUT= MEM=64M DIRTY=2000 PWAIT=0 SLOG=-3
SETTLE=0 VCARGS= SYNC=${VME_SYNC:-ptp}
while [ $# -gt 0 ]; do
	case "$1" in
	--count) COUNT=$2; shift ;;
	--policies) POLICIES=$2; shift ;;
	--no-burst) BURST=no ;;
	--burst-only) BURST=yes ;;
	--auto-burst) BURST=auto ;;
	--prepare-wait) PWAIT=$2; shift ;;
	--sync-log) SLOG=$2; shift ;;
	--settle) SETTLE=$2; shift ;;
	--vmclockd-args) VCARGS=$2; shift ;;
	--sync) SYNC=$2; shift ;;
	--hold) HOLD=$2; shift ;;
	--out) OUT=$2; shift ;;
	--mem) MEM=$2; shift ;;
	--dirty-rate) DIRTY=$2; shift ;;
	*) echo "vmclock-e2e-run: unknown argument $1" >&2; exit 1 ;;
	esac
	shift
done

vme_cleanup() {
	ptp_cleanup
	rm -f /dev/shm/tsync-vmclock."$BED_PREFIX"*
}
ptp_init || exit 1
trap 'vme_cleanup' EXIT
trap 'vme_cleanup; trap - EXIT; exit 130' INT
trap 'vme_cleanup; trap - EXIT; exit 143' TERM
D=$PTP_DIR
fail() { echo "vmclock-e2e-run: $*" >&2; exit 1; }

bed_ns_add gm && bed_ns_add a && bed_ns_add b || fail "namespaces"
bed_link gm veth0 10.91.1.1 a veth0 10.91.1.2 || fail "link gm-a"
bed_link gm veth1 10.91.2.1 b veth0 10.91.2.2 || fail "link gm-b"
bed_link a mig0 10.91.3.1 b mig0 10.91.3.2 || fail "link a-b"
VA=$(ptp_vclock hostA --offset 300us --ppm 20 --wander-ppb 20 --seed 11) || fail "vclock"
VB=$(ptp_vclock hostB --offset -200us --ppm -12 --wander-ppb 20 --seed 12) || fail "vclock"

case $SYNC in ptp | dtpd) ;; *) fail "--sync $SYNC: ptp or dtpd" ;; esac
if [ "$SYNC" = dtpd ]; then
	. testbeds/vmclock/dtpd_hosts.sh
else
ptp4l_start gm gm "network_transport UDPv4
time_stamping software
logSyncInterval $SLOG
logAnnounceInterval -2
logMinDelayReqInterval $SLOG
free_running 1
priority1 100
uds_address $D/gm.uds" -i veth0 -i veth1 || fail "ptp4l"
for h in a b; do
	vc=$VA
	[ $h = b ] && vc=$VB
	ptpd_start $h ptpd-$h -i veth0 --clock_type=vclock --vclock="$vc" --clock_servo=kalman \
		--logSyncInterval="$SLOG" --logAnnounceInterval=-2 --logMinDelayReqInterval="$SLOG" -s ||
		fail "ptpd-wl on $h"
	mb=0
	case $BURST in yes | auto) mb=1 ;; esac
	bed_bg $h "$D/vmclockd-$h.log" "$BIN/vmclockd" --clock "vclock:$vc" --ptpd "$D/ptpd-$h.uds" \
		--interval 0.1 --socket "$D/vc-$h.sock" --migration-burst=$mb $VCARGS
done
fi
vc() { "$BIN/vmclockd" --socket "$D/vc-$1.sock" --send "$2"; }
# PTP messages on both hosts' links to the grandmaster (rx + tx frames: Sync, Follow_Up,
# Delay_Req/Resp, Announce, Signaling), for the burst's extra messages; ptp_frames HOST tx:
# what HOST sent (Delay_Req, Signaling)
ptp_frames() {
	n=0
	for h in ${1:-a b}; do
		for f in ${2:-rx tx}; do
			n=$((n + $(bed_exec $h cat /sys/class/net/veth0/statistics/${f}_packets)))
		done
	done
	echo $n
}

# both hosts synchronised, with a bound under 20 us
t=0
while :; do
	sa=$(vc a status 2>/dev/null) sb=$(vc b status 2>/dev/null)
	if [ "$(kv state "$sa")" = synchronized ] && [ "$(kv state "$sb")" = synchronized ] &&
		[ "$(kv maxerror_ns "$sa")" -lt "${SYNC_NS:-20000}" ] && [ "$(kv maxerror_ns "$sb")" -lt "${SYNC_NS:-20000}" ]; then
		break
	fi
	t=$((t + 1))
	[ $t -lt 120 ] || fail "hosts not synchronised after 60 s: a: $sa / b: $sb"
	sleep 0.5
done
echo "# hosts synchronised after $((t / 2)) s: a maxerror $(kv maxerror_ns "$sa") ns, b $(kv maxerror_ns "$sb") ns"
if [ "$SETTLE" != 0 ]; then
	sleep "$SETTLE"
	echo "# after $SETTLE s more: a maxerror $(kv maxerror_ns "$(vc a status)") ns, b $(kv maxerror_ns "$(vc b status)") ns"
fi
vc a "vm-add ${BED_PREFIX}vm.a policy=step" >/dev/null || fail "vm-add"

VMARGS="--mem $MEM --serial /dev/null --migrate-plaintext"
bed_bg a "$D/tsvmm-0.log" "$BIN/tsvmm" run $VMARGS --dirty-rate "$DIRTY" --wss 4096 \
	--vmclock "/dev/shm/tsync-vmclock.${BED_PREFIX}vm.a" --vmclock-log "$D/vm-0.vlog" \
	--control "$D/vm-0.ctl" || fail "tsvmm"
SRCPID=$BED_LASTPID
sleep 2
echo "# i policy burst src dst downtime_ms host_err_ns burst_src burst_dst ptp_frames span_s dst_bound_before dst_tx" \
	>"$D/migrations.txt"
npol=$(echo $POLICIES | wc -w)
i=1
ok=0
while [ $i -le "$COUNT" ]; do
	if [ $((i % 2)) = 1 ]; then src=a dst=b dip=10.91.3.2; else src=b dst=a dip=10.91.3.1; fi
	pol=$(echo $POLICIES | cut -d' ' -f$(((i - 1) % npol + 1)))
	case $BURST in
	yes) burst=1 ;;
	no | auto) burst=0 ;;
	*) burst=$((((i - 1) / npol) % 2)) ;;
	esac
	port=$((5100 + i))
	f0=$(ptp_frames) s0=$(date +%s.%N) x0=$(ptp_frames $dst tx)
	st=$(vc $dst status) # the destination's bound (and its terms) before any burst
	hb=$(kv maxerror_ns "$st")
	echo "$i before $dst $st" >>"$D/terms.log"
	bed_bg $dst "$D/tsvmm-$i.log" "$BIN/tsvmm" run $VMARGS --incoming "$dip:$port" \
		--vmclockd "$D/vc-$dst.sock" --vmclock-vm "${BED_PREFIX}vm.$dst" --vmclock-policy "$pol" \
		--vmclock-log "$D/vm-$i.vlog" --control "$D/vm-$i.ctl"
	DSTPID=$BED_LASTPID
	bed_wait_for "$D/tsvmm-$i.log" "waiting for a migration" 5 || break
	bs=- bd=-
	sleep "$PWAIT"
	if [ $burst = 1 ]; then
		vc $src "burst seconds=4 wait=2.5" >"$D/burst-src" 2>&1 &
		bp=$!
		bd=$(vc $dst "burst seconds=4 wait=2.5" 2>&1 | tr ' ' ',')
		wait $bp
		bs=$(tr ' ' ',' <"$D/burst-src")
	fi
	"$BIN/tsvmm" ctl "$D/vm-$((i - 1)).ctl" \
		"{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$dip:$port\"}}" >/dev/null
	if ! bed_wait_for "$D/tsvmm-$i.log" "guest running" 20; then
		echo "vmclock-e2e-run: migration $i did not complete" >&2
		tail -n 3 "$D/tsvmm-$((i - 1)).log" "$D/tsvmm-$i.log" >&2
		break
	fi
	echo "$i resume $dst $(vc $dst status)" >>"$D/terms.log"
	herr=$("$BIN/tsync-vclock" error "$([ $dst = a ] && echo "$VA" || echo "$VB")")
	dt=$(sed -n 's/.*downtime \([0-9.]*\) ms.*/\1/p' "$D/tsvmm-$i.log" | head -n 1)
	t=0
	while bed_alive "$SRCPID" && [ $t -lt 100 ]; do sleep 0.05; t=$((t + 1)); done
	SRCPID=$DSTPID
	ok=$((ok + 1))
	sleep "$HOLD"
	# frames from this migration's prepare to the end of its hold (the burst's own span)
	fr=$(($(ptp_frames) - f0)) xn=$(($(ptp_frames $dst tx) - x0)) span=$(awk -v a="$s0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	echo "$i $pol $burst $src $dst ${dt:-nan} $herr $bs $bd $fr $span ${hb:--} $xn" >>"$D/migrations.txt"
	i=$((i + 1))
done
sleep 0.3
"$BIN/tsvmm" ctl "$D/vm-$((i - 1)).ctl" '{"execute":"quit"}' >/dev/null 2>&1
t=0
while bed_alive "$SRCPID" && [ $t -lt 100 ]; do sleep 0.05; t=$((t + 1)); done
echo "# migrations completed: $ok of $COUNT"
if [ -n "$OUT" ]; then
	mkdir -p "$OUT" && cp "$D"/*.vlog "$D"/migrations.txt "$D"/*.log "$OUT"/ 2>/dev/null
fi
python3 testbeds/vmclock/analyze.py "$D" || exit 1
[ "$ok" = "$COUNT" ]
