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
bench/analysis.sh "$BUILD"
echo "== tsync-analyze at scale beside numpy (same inputs, values checked)"
run bench/analyze-scale.sh "$BUILD"
echo "== ptpd-wl on the veth bench beside ptp4l (root, linuxptp)"
run bench/ptpd.sh "$BUILD"
echo "== tsvmm: boot, stop/cont, dirty log (root, /dev/kvm)"
run bench/vmm.sh "$BUILD"
echo "== tsvmm live migration per dedup mode"
run bench/migrate-modes.sh "$BUILD"
echo "== tsvmm vs QEMU over shaped links, evacuate policies (QEMU rows need qemu-system-x86)"
run bench/migrate-compare.sh "$BUILD"
echo "== tsvmm migration over TLS 1.3 vs plaintext, 1 Gbit/s link (root, /dev/kvm)"
run bench/migrate-tls.sh "$BUILD" 5 256M "none all"
echo "== vmclock: guest clock error across migrations per policy"
run bench/vmclock-e2e.sh "$BUILD"
echo "== vmclock: the on-demand burst on 1 Sync/s hosts, coverage and tightness of the bound (root, /dev/kvm)"
run env BUILD="$BUILD" bench/vmclock-burst.sh
echo "== vmclock: hosts with different TSCs (emulated: offsets 1e12/-3e11 ticks, +50/-20 ppm) (/dev/kvm)"
run env BUILD="$BUILD" bench/vmclock-tsc.sh --count 6
echo "== dtp-sim: plain DTP and its enhancements against the bounds, simulator speed"
run bench/dtp-sim.sh "$BUILD" delay
echo "== peers on vclocks: ptpd-wl vs ptp4l vs chronyd, true error against true error (root)"
run env BUILD="$BUILD" bench/peers-vclock.sh
echo "== storage migration: precopy vs flim over wan and 1g (root, /dev/kvm)"
run env BUILD="$BUILD" CHECKSUM=early bench/storage-migrate.sh "$BUILD"
echo "== storage migration: downtime against RAM size, checksum stop vs early (root, /dev/kvm, 4 GiB RAM)"
run bench/storage-downtime.sh "$BUILD"
echo "== evacuate: real runs, controller vs sequential/all/fixed-k (root, /dev/kvm, netns; ~25 min)"
run bench/evacuate-real.sh "$BUILD"
echo "== dtpd (AF_PACKET, DPDK EAL) vs ptpd-wl boundary clocks on a chain and a tree (root, netns)"
run env BUILD="$BUILD" bench/dtpd.sh
echo "== wireless: ptpd-wl over the emulated 802.11 medium, MAC (TSF) vs software stamps, TM, ptp4l (root)"
run env BUILD="$BUILD" bench/wifi.sh
