#!/bin/sh
# Bench b: a ptpd-wl grandmaster serving a vclock 500 us ahead of CLOCK_REALTIME -> a ptp4l
# slave (free_running, software timestamps, so its clock is CLOCK_REALTIME). ptp4l's
# "master offset" is local minus master, so it must read about -500 us, within a few us.
# Runs over UDPv4 (with PTP v2.0 headers: ptp_minor_version 0) and UDPv6 (v2.1).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
command -v ptp4l >/dev/null 2>&1 || skip_all "ptp4l not installed (apt-get install linuxptp)"
[ -x "$BIN/ptpd-wl" ] || { fail "ptpd-wl not built"; finish; exit 1; }
. testbeds/netns.sh
. testbeds/ptp/lib.sh
BED_PREFIX=tsm-$$-
ptp_init || exit 1
DUR=${PTPD_TEST_DURATION:-9}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "nan" }'; }

run=0
for mode in UDPv4:0 UDPv6:1; do
	tr=${mode%%:*}
	minor=${mode#*:}
	run=$((run + 1))
	bed_ns_add gm$run && bed_ns_add sl$run || { fail "namespaces"; break; }
	bed_link gm$run veth0 10.73.$run.1 sl$run veth0 10.73.$run.2 || { fail "veth"; break; }
	VC=$(ptp_vclock gm$run --offset 500us) || { fail "vclock"; break; }
	ptpd_start gm$run gm$run -i veth0 --clock_type=vclock --vclock="$VC" \
		--network_transport=$tr --ptp_minor_version=$minor --logSyncInterval=-3 \
		--logAnnounceInterval=-2 --logMinDelayReqInterval=-3 --priority1=90
	ptp4l_start sl$run p4_$run "network_transport $tr
time_stamping software
free_running 1
freq_est_interval 0
summary_interval -3
slaveOnly 1
logAnnounceInterval -2
uds_address $PTP_DIR/p4_$run.uds" -i veth0
	sleep "$DUR"
	offs=$(ptp_offsets "$PTP_DIR/p4_$run.log" 3)
	n=$(echo "$offs" | grep -c .)
	med=$(echo "$offs" | median)
	echo "    $tr v2.$minor: ptp4l master offsets (ns): $(echo "$offs" | tr '\n' ' ')"
	check "$tr v2.$minor: ptpd-wl became MASTER" grep -q 'port 1: LISTENING to MASTER' "$PTP_DIR/gm$run.log"
	check "$tr v2.$minor: ptp4l selected ptpd-wl and went UNCALIBRATED" \
		grep -q 'LISTENING to UNCALIBRATED on RS_SLAVE' "$PTP_DIR/p4_$run.log"
	check "$tr v2.$minor: ptp4l reported >= 4 offsets ($n)" [ "$n" -ge 4 ]
	check "$tr v2.$minor: ptp4l's median offset $med ns = -500000 +- 5000" \
		awk -v m="$med" 'BEGIN { d = m + 500000; if (d < 0) d = -d; exit !(m != "nan" && d <= 5000) }'
	check "$tr v2.$minor: every ptp4l offset after 3 s within 20 us of -500 us" \
		sh -c "echo '$offs' | awk '{ d = \$1 + 500000; if (d < 0) d = -d; if (d > 20000) bad = 1 } END { exit bad }'"
	check "$tr v2.$minor: ptp4l's path delay is plausible ([0, 100) us)" \
		sh -c "grep 'master offset' '$PTP_DIR/p4_$run.log' | tail -n 1 | awk '{ exit !(\$NF >= 0 && \$NF < 100000) }'"
done
finish
