#!/bin/sh
# Bench d: linuxptp's pmc over ptpd-wl's management socket (uds_address) while ptpd-wl is a
# slave of a ptp4l grandmaster. The datasets must agree with ptpd-wl's own log: clock identity,
# the selected grandmaster, port state, the offsets and path delay it prints.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
command -v ptp4l >/dev/null 2>&1 && command -v pmc >/dev/null 2>&1 ||
	skip_all "ptp4l/pmc not installed (apt-get install linuxptp)"
[ -x "$BIN/ptpd-wl" ] || { fail "ptpd-wl not built"; finish; exit 1; }
. testbeds/netns.sh
. testbeds/ptp/lib.sh
BED_PREFIX=tsd-$$-
ptp_init || exit 1
bed_ns_add gm && bed_ns_add sl && bed_link gm veth0 10.74.0.1 sl veth0 10.74.0.2 || {
	fail "bench set-up"
	finish
	exit 1
}
VC=$(ptp_vclock sl --offset 1ms --ppm -30) || exit 1
ptp4l_start gm gm "time_stamping software
free_running 1
priority1 100
logSyncInterval -3
logAnnounceInterval -2
uds_address $PTP_DIR/gm.uds" -i veth0
ptpd_start sl sl -i veth0 -s --clock_type=vclock --vclock="$VC" --clock_servo=kalman \
	--logSyncInterval=-3 --logAnnounceInterval=-2 --logMinDelayReqInterval=-3 --domainNumber=0 \
	--summary_interval=-3
bed_wait_for "$PTP_DIR/sl.log" 'UNCALIBRATED to SLAVE' 15 || true
sleep 3
L=$PTP_DIR/sl.log
P=$PTP_DIR/pmc.out
bed_exec sl pmc -u -b 0 -s "$PTP_DIR/sl.uds" -i "$PTP_DIR/pmc.sock" 'GET DEFAULT_DATA_SET' \
	'GET CURRENT_DATA_SET' 'GET PARENT_DATA_SET' 'GET TIME_STATUS_NP' 'GET PORT_DATA_SET' \
	'GET TIME_PROPERTIES_DATA_SET' >"$P" 2>&1
rm -f "$PTP_DIR/pmc.sock"
sed 's/^/    /' "$P"
field() { awk -v k="$1" '$1 == k { print $2; exit }' "$P"; }

myid=$(sed -n 's/.*clock identity \([0-9a-f.]*\).*/\1/p' "$L" | head -n 1)
gmid=$(sed -n 's/.*selected best master clock \([0-9a-f.]*\).*/\1/p' "$L" | tail -n 1)
state=$(grep -o 'port 1: [A-Z_]* to [A-Z_]*' "$L" | tail -n 1 | awk '{ print $NF }')
last=$(grep 'master offset' "$L" | tail -n 1)
loff=$(echo "$last" | awk '{ for (i = 1; i <= NF; i++) if ($i == "offset") print $(i + 1) }')
ldel=$(echo "$last" | awk '{ print $NF }')
echo "    log: clock $myid, gm $gmid, state $state, last offset $loff path delay $ldel"

for id in DEFAULT_DATA_SET CURRENT_DATA_SET PARENT_DATA_SET TIME_STATUS_NP PORT_DATA_SET TIME_PROPERTIES_DATA_SET; do
	check "pmc got a RESPONSE for $id" grep -q "RESPONSE MANAGEMENT $id" "$P"
done
check "DEFAULT_DATA_SET clockIdentity = the log's clock identity ($myid)" [ "$(field clockIdentity)" = "$myid" ]
check "DEFAULT_DATA_SET slaveOnly 1, clockClass 255 (-s)" \
	sh -c "[ '$(field slaveOnly)' = 1 ] && [ '$(field clockClass)' = 255 ]"
check "PARENT_DATA_SET grandmasterIdentity = the log's best master ($gmid)" \
	[ "$(field grandmasterIdentity)" = "$gmid" ]
check "PARENT_DATA_SET parentPortIdentity is the grandmaster's port 1" \
	[ "$(field parentPortIdentity)" = "$gmid-1" ]
check "PORT_DATA_SET portState = the log's last state ($state)" [ "$(field portState)" = "$state" ]
check "PORT_DATA_SET logSyncInterval -3, delayMechanism 1 (E2E)" \
	sh -c "[ '$(field logSyncInterval)' = -3 ] && [ '$(field delayMechanism)' = 1 ]"
check "CURRENT_DATA_SET stepsRemoved 1" [ "$(field stepsRemoved)" = 1 ]
off=$(field offsetFromMaster)
del=$(field meanPathDelay)
check "CURRENT_DATA_SET offsetFromMaster $off within 5 us of the logged offsets (last $loff)" \
	awk -v a="$off" -v b="$loff" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 5000) }'
check "CURRENT_DATA_SET meanPathDelay $del within 2 us of the logged path delay $ldel" \
	awk -v a="$del" -v b="$ldel" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && a > 0 && d < 2000) }'
check "TIME_STATUS_NP gmPresent true, gmIdentity $gmid" \
	sh -c "[ '$(field gmPresent)' = true ] && [ '$(field gmIdentity)' = '$gmid' ]"
tso=$(field master_offset)
check "TIME_STATUS_NP master_offset $tso within 5 us of the logged offsets" \
	awk -v a="$tso" -v b="$loff" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 5000) }'
# the daemon survives garbage on its management socket
printf 'garbage' | bed_exec sl python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(sys.stdin.buffer.read(), '$PTP_DIR/sl.uds')" 2>/dev/null
sleep 0.2
check "ptpd-wl still runs after a garbage management datagram" \
	pgrep -f -- "--uds_address=$PTP_DIR/sl.uds"
finish
