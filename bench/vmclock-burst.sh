#!/bin/sh
# On-demand synchronization across live migrations (issue 14, item 6): the hosts run ptpd-wl
# at 1 Sync/s; the same migrations (policies step, slew, freeze) run once without any burst
# and once with the destination vmclockd's own on-demand burst (tsvmm reports the migration
# at prepare; vmclockd asks its ptpd-wl for Sync at 64 Hz, vmclock/mig_plan.c). Both arms
# give the destination the same --prepare-wait before the migrate command. The guest scores
# every vmclock reading against CLOCK_REALTIME (bench/vmclock-e2e-run.sh, analyze.py);
# testbeds/vmclock/burst.py compares the arms and ends with
#   burst: bound xB error xE coverage P% readings N tightness T
#
# usage: bench/vmclock-burst.sh [--quick] [--count N] [--hold S] [--prepare-wait S] [--settle S]
#          [--out DIR] [--vmclockd-args "A"]
#   --quick: one migration per policy and arm, 2 s hold, 20 s settle (under two minutes)
#   default: three migrations per policy and arm, 8 s hold, 30 s settle (>= 10,000 readings)
#   --settle S: the hosts run S s at 1 Sync/s past synchronisation before the first migration
#   --vmclockd-args "A": more vmclockd options for both arms (e.g. "--ptpd-asymmetry 200ns")
#   --sync dtpd: DTP hosts instead of PTP (dtpd over AF_PACKET from a dtpd root, 1 beacon/s,
#     vmclockd --dtpd; the burst is dtpd's beacon burst, 8x, which the destination's dtpd
#     asks of the root in its BEACONs' trailer: testbeds/vmclock/dtpd_hosts.sh)
# Exit 0 if both arms ran every migration and the report was made.
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
COUNT=9 HOLD=8 PWAIT=3 SETTLE=30 OUT= VCARGS=
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) COUNT=3 HOLD=2 SETTLE=20 ;;
	--count) COUNT=$2; shift ;;
	--hold) HOLD=$2; shift ;;
	--prepare-wait) PWAIT=$2; shift ;;
	--settle) SETTLE=$2; shift ;;
	--out) OUT=$2; shift ;;
	--vmclockd-args) VCARGS=$2; shift ;;
	--sync) export VME_SYNC=$2; shift ;;
	*) echo "vmclock-burst: unknown argument $1" >&2; exit 1 ;;
	esac
	shift
done
KEEP=1
[ -n "$OUT" ] || { OUT=$(mktemp -d /tmp/tsync-vmburst.XXXXXX) && KEEP=0; }
mkdir -p "$OUT" || exit 1
[ $KEEP = 1 ] || trap 'rm -rf "$OUT"' EXIT
T0=$(date +%s)
[ -z "$VME_SYNC" ] || echo "# hosts: --sync $VME_SYNC (bench/vmclock-e2e-run.sh)"
rc=0
for arm in no yes; do
	mode=--no-burst
	[ $arm = yes ] && mode=--auto-burst
	echo "# arm burst=$arm: bench/vmclock-e2e-run.sh $mode --sync-log 0 --count $COUNT" \
		"--hold $HOLD --prepare-wait $PWAIT --settle $SETTLE${VCARGS:+ --vmclockd-args \"$VCARGS\"}"
	VME_PREFIX=${VME_PREFIX:-tvb-$$-}$arm- BUILD=$BUILD sh bench/vmclock-e2e-run.sh $mode \
		--sync-log 0 --count "$COUNT" --policies "step slew freeze" --hold "$HOLD" \
		--prepare-wait "$PWAIT" --settle "$SETTLE" --vmclockd-args "$VCARGS" --out "$OUT/$arm" \
		>"$OUT/$arm.report" 2>&1 || rc=1
	grep -E '^# (hosts|after|migrations|bound)|^RESULT' "$OUT/$arm.report"
done
echo "# $(($(date +%s) - T0)) s"
python3 testbeds/vmclock/burst.py "$OUT/no" "$OUT/yes" || rc=1
exit $rc
