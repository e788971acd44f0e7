# DTP hosts for bench/vmclock-e2e-run.sh --sync dtpd (sourced there, in place of its ptp4l
# grandmaster and ptpd-wl hosts; its variables: D BIN VA VB SLOG BURST VCARGS).
#   gm  dtpd root (AF_PACKET) on veth0 and veth1, on vclock gm (offset 0, rate 0: the
#       network's time is CLOCK_REALTIME, the truth the guest is scored against)
#   a/b dtpd follower on veth0 disciplining vclock hostA/hostB (kalman), ctl socket
#       $D/dtpd-HOST.sock; vmclockd --dtpd that socket
# Beacons every 2^SLOG s (--sync-log: 0 is 1 beacon/s, the steady rate of issue 14).
# The burst: vmclockd asks its own dtpd (`tsync burst`, vmclock/dtpd_pull.c); dtpd bursts the
# beacons it sends and asks its upstream for the same burst in their trailer
# (include/uapi/dtpd.h, DTPD_EXT_F_BURST): the root's beacons to the hosts at 8x the rate, for
# as long as the host asked ("burst request for" in $D/dtpd-gm.log).
# "synchronised" (the wait before the first migration): a bound under 100 us (dtpd's own
# bound on veth software stamps at 1 beacon/s was 15-36 us here, above the PTP hosts' 20 us)
SYNC_NS=100000
VG=$(ptp_vclock gm --offset 0) || fail "vclock gm"
BEACON_MS=$(awk -v l="$SLOG" 'BEGIN { printf "%d", 1000 * 2 ^ l }')
DTPD_COMMON="--beacon_interval_ms=$BEACON_MS --logging_level=6"
printf '[veth0]\nupstream 0\n[veth1]\nupstream 0\n' >"$D/dtpd-gm.cfg"
bed_bg gm "$D/dtpd-gm.log" "$BIN/dtpd" -f "$D/dtpd-gm.cfg" --root=1 --clock="vclock:$VG" \
	--ctl_socket="$D/dtpd-gm.sock" $DTPD_COMMON || fail "dtpd root"
for h in a b; do
	vc=$VA
	[ $h = b ] && vc=$VB
	bed_bg $h "$D/dtpd-$h.log" "$BIN/dtpd" -i veth0 --clock="vclock:$vc" --clock_servo=kalman \
		--ctl_socket="$D/dtpd-$h.sock" --statlog="$D/dtpd-$h.statlog" $DTPD_COMMON ||
		fail "dtpd on $h"
	mb=0
	case $BURST in yes | auto) mb=1 ;; esac
	bed_bg $h "$D/vmclockd-$h.log" "$BIN/vmclockd" --clock "vclock:$vc" --dtpd "$D/dtpd-$h.sock" \
		--interval 0.1 --socket "$D/vc-$h.sock" --migration-burst=$mb $VCARGS
done
