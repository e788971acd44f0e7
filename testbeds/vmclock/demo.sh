#!/bin/sh
# The vmclock part of `make demo`: sync two hosts to a grandmaster (ptpd-wl), migrate a VM
# between them with each policy, show the guest's clock error and its published bound
# through the migrations as a table and a plot.   usage: testbeds/vmclock/demo.sh [BUILD]
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-${BUILD:-build}}
echo
echo "== vmclock: guest time across live migration, with an honest error bound"
if [ "$(id -u)" != 0 ] || ! command -v ptp4l >/dev/null || [ ! -w /dev/kvm ]; then
	echo "   (skipped: needs root, linuxptp and /dev/kvm)"
	exit 0
fi
echo "   ptp4l grandmaster (serves CLOCK_REALTIME = truth) -> ptpd-wl on hosts a and b (vclocks"
echo "   +300 us/+20 ppm and -200 us/-12 ppm) -> vmclockd on each (error bound from ptpd-wl's"
echo "   Kalman estimate) -> a tsvmm VM migrated a -> b -> a ... : step, slew, freeze, each"
echo "   without and with the on-demand sync burst; the guest reads its vmclock page every 10 ms"
D=$(mktemp -d /tmp/tsync-demo-vmclock.XXXXXX)
BUILD=$BUILD sh bench/vmclock-e2e-run.sh --count "${DEMO_VMCLOCK_COUNT:-6}" --out "$D" \
	>"$D/report.txt" 2>&1
grep -v '^RESULT' "$D/report.txt" | sed 's/^/   /'
python3 testbeds/vmclock/analyze.py "$D" --plot "$D/vmclock-migration.png" >/dev/null 2>&1 &&
	echo "   plot of guest error and bound around one migration per policy: $D/vmclock-migration.png"
