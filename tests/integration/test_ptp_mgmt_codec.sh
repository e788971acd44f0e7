#!/bin/sh
# ptpd-wl management codec against the real linuxptp pmc: ptp-mgmt-testsrv answers pmc -u with
# the core's mgmt_respond() over fixed data sets; pmc must print exactly those values, and the
# server must decode pmc's requests (action, id, sequence, dataField size).
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

command -v pmc >/dev/null 2>&1 || skip_all "pmc (linuxptp) not installed"
SRV=$BIN/ptp-mgmt-testsrv
[ -x "$SRV" ] || { fail "$SRV not built"; finish; exit 1; }

dir=$(mktemp -d /tmp/ptp-mgmt.XXXXXX)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
sock=$dir/ptp4l

start_srv() {
	"$SRV" --socket "$sock" --idle 20 2>>"$dir/srv.log" &
	srv_pid=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}

start_srv
check "server socket appears" test -S "$sock"

pmc -u -b 0 -s "$sock" 'GET CURRENT_DATA_SET' 'GET DEFAULT_DATA_SET' 'GET PARENT_DATA_SET' \
	'GET TIME_PROPERTIES_DATA_SET' 'GET PORT_DATA_SET' 'GET TIME_STATUS_NP' \
	'GET PORT_PROPERTIES_NP' 'GET PRIORITY1' 'GET DOMAIN' 'GET LOG_SYNC_INTERVAL' \
	'GET CLOCK_DESCRIPTION' 'SET PRIORITY1 100' >"$dir/out" 2>&1
# has "regex": the pmc output contains a line matching it
has() { grep -Eq "$1" "$dir/out"; }
srv_has() { grep -Eq "$1" "$dir/srv.log"; }

check "CURRENT_DATA_SET response" has 'seq 0 RESPONSE MANAGEMENT CURRENT_DATA_SET'
check "stepsRemoved 1" has '^[[:space:]]+stepsRemoved +1$'
check "offsetFromMaster -1234.0 (TimeInterval ns*2^16)" has 'offsetFromMaster -1234\.0$'
check "meanPathDelay 5678.0" has 'meanPathDelay +5678\.0$'
check "DEFAULT_DATA_SET response" has 'RESPONSE MANAGEMENT DEFAULT_DATA_SET'
check "twoStepFlag 1" has 'twoStepFlag +1$'
check "numberPorts 1" has 'numberPorts +1$'
check "clockClass 248 / accuracy 0xfe / variance 0xffff" \
	sh -c "grep -Eq 'clockClass +248$' $dir/out && grep -Eq 'clockAccuracy +0xfe$' $dir/out && grep -Eq 'offsetScaledLogVariance 0xffff$' $dir/out"
check "priority2 127, clockIdentity" \
	sh -c "grep -Eq 'priority2 +127$' $dir/out && grep -Eq 'clockIdentity +001122.fffe.334455$' $dir/out"
check "PARENT_DATA_SET parentPortIdentity" has 'parentPortIdentity +0a0b0c.fffe.0d0e0f-1$'
check "parent gm quality 6/0x21/0x4e5d" \
	sh -c "grep -Eq 'gm.ClockClass +6$' $dir/out && grep -Eq 'gm.ClockAccuracy +0x21$' $dir/out && grep -Eq 'gm.OffsetScaledLogVariance +0x4e5d$' $dir/out"
check "observedParentClockPhaseChangeRate 0x7fffffff" has 'observedParentClockPhaseChangeRate +0x7fffffff$'
check "grandmasterPriority1 100 / Priority2 99" \
	sh -c "grep -Eq 'grandmasterPriority1 +100$' $dir/out && grep -Eq 'grandmasterPriority2 +99$' $dir/out"
check "TIME_PROPERTIES currentUtcOffset 37" has 'currentUtcOffset +37$'
check "TIME_PROPERTIES flags (valid 1, timescale 1, traceable 1, leap61 0)" \
	sh -c "grep -Eq 'currentUtcOffsetValid 1$' $dir/out && grep -Eq 'ptpTimescale +1$' $dir/out && grep -Eq 'timeTraceable +1$' $dir/out && grep -Eq 'leap61 +0$' $dir/out"
check "timeSource 0x20" has 'timeSource +0x20$'
check "PORT_DATA_SET from port 1" has '001122.fffe.334455-1 seq 4 RESPONSE MANAGEMENT PORT_DATA_SET'
check "portState SLAVE" has 'portState +SLAVE$'
check "signed intervals (-3, -1)" \
	sh -c "grep -Eq 'logMinDelayReqInterval +-3$' $dir/out && grep -Eq 'logSyncInterval +-1$' $dir/out"
check "announceReceiptTimeout 3, versionNumber 2" \
	sh -c "grep -Eq 'announceReceiptTimeout +3$' $dir/out && grep -Eq 'versionNumber +2$' $dir/out"
check "TIME_STATUS_NP master_offset -1234" has 'master_offset +-1234$'
check "TIME_STATUS_NP ingress_time" has 'ingress_time +1700000000123456789$'
check "TIME_STATUS_NP gmTimeBaseIndicator 7, gmPresent true" \
	sh -c "grep -Eq 'gmTimeBaseIndicator +7$' $dir/out && grep -Eq 'gmPresent +true$' $dir/out"
check "TIME_STATUS_NP gmIdentity" has 'gmIdentity +0a0b0c.fffe.0d0e0f$'
check "PORT_PROPERTIES_NP interface text" has 'interface +veth-tsync0$'
check "PORT_PROPERTIES_NP timestamping SOFTWARE" has 'timestamping +SOFTWARE$'
check "single value PRIORITY1 128" has '^[[:space:]]+priority1 128$'
check "single value DOMAIN 0" has 'domainNumber 0$'
check "LOG_SYNC_INTERVAL -1" has 'logSyncInterval -1$'
check "CLOCK_DESCRIPTION -> MANAGEMENT_ERROR_STATUS" has 'seq 10 RESPONSE MANAGEMENT_ERROR_STATUS'
check "SET -> MANAGEMENT_ERROR_STATUS" has 'seq 11 RESPONSE MANAGEMENT_ERROR_STATUS'
check "pmc reported no bad message" sh -c "! grep -q 'bad message' $dir/out"
check "server decoded GET CURRENT_DATA_SET with its 18-octet dataField" \
	srv_has 'req: GET CURRENT_DATA_SET seq 0 domain 0 hops 0/0 tlvlen 18 v2.0'
check "server decoded SET PRIORITY1" srv_has 'req: SET PRIORITY1 seq 11'
check "server saw no malformed request" sh -c "! grep -q '^bad:' $dir/srv.log"

# pmc -z: zero-length GET dataFields, domain 3, a targeted request for another clock
pmc -u -z -b 0 -d 3 -s "$sock" 'GET TIME_STATUS_NP' >"$dir/out" 2>&1
check "pmc -z -d 3: TIME_STATUS_NP answered" has 'RESPONSE MANAGEMENT TIME_STATUS_NP'
check "server decoded the zero-length GET in domain 3" \
	srv_has 'req: GET TIME_STATUS_NP seq 0 domain 3 hops 0/0 tlvlen 0'
pmc -u -b 0 -s "$sock" 'TARGET 0a0b0c.fffe.0d0e0f-1' 'GET CURRENT_DATA_SET' >"$dir/out" 2>&1
check "request targeted at another clock gets no answer" sh -c "! grep -q RESPONSE $dir/out"
check "... although the server received it" \
	sh -c "[ \$(grep -c 'req: GET CURRENT_DATA_SET' $dir/srv.log) -eq 2 ]"
pmc -u -b 0 -s "$sock" 'TARGET 001122.fffe.334455-1' 'GET PORT_DATA_SET' >"$dir/out" 2>&1
check "request targeted at our port 1 is answered" has 'RESPONSE MANAGEMENT PORT_DATA_SET'

# The other direction: our request builder and decoders against a real ptp4l (UDS only, on lo
# in a private network namespace so that nothing else sees its multicast).
CLI=$BIN/ptp-mgmt-client
if [ "$(id -u)" -ne 0 ] || ! command -v ptp4l >/dev/null 2>&1 || ! unshare -n true 2>/dev/null; then
	echo "  SKIP ptp4l part: needs root, ptp4l and unshare -n"
elif [ ! -x "$CLI" ]; then
	fail "$CLI not built"
else
	cat >"$dir/ptp4l.cfg" <<CFG
[global]
uds_address $dir/ptp4l-uds
time_stamping software
free_running 1
priority1 99
priority2 77
clockClass 200
domainNumber 5
utc_offset 36
logAnnounceInterval 2
logSyncInterval -2
announceReceiptTimeout 4
CFG
	timeout 30 unshare -n sh -c "ip link set lo up
		ptp4l -f $dir/ptp4l.cfg -i lo -q >$dir/ptp4l.log 2>&1 & p=\$!
		i=0; while [ ! -S $dir/ptp4l-uds ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i+1)); done
		$CLI --socket $dir/ptp4l-uds --domain 5 DEFAULT_DATA_SET CURRENT_DATA_SET \
			PARENT_DATA_SET TIME_PROPERTIES_DATA_SET PORT_DATA_SET TIME_STATUS_NP \
			PORT_PROPERTIES_NP PRIORITY2 >$dir/cli.out 2>&1; echo rc=\$? >>$dir/cli.out
		pmc -u -b 0 -d 5 -s $dir/ptp4l-uds 'GET DEFAULT_DATA_SET' >$dir/pmc.out 2>&1
		kill \$p" >/dev/null 2>&1
	cli() { grep -Eq "$1" "$dir/cli.out"; }
	check "ptp4l answered every request and each answer parsed" cli '^rc=0$'
	check "ptp4l DEFAULT_DATA_SET decoded (priority1 99, class 200, p2 77, domain 5)" \
		cli 'DEFAULT_DATA_SET .*priority1=99 clockClass=200 .*priority2=77 domain=5$'
	id=$(sed -n 's/.*clockIdentity  *\([0-9a-f.]*\)$/\1/p' "$dir/pmc.out")
	check "pmc printed ptp4l's clockIdentity" test -n "$id"
	check "clockIdentity agrees with pmc ($id)" cli "DEFAULT_DATA_SET clockIdentity=$id "
	check "ptp4l CURRENT_DATA_SET decoded" cli '^CURRENT_DATA_SET stepsRemoved=0 '
	check "ptp4l PARENT_DATA_SET decoded (own GM)" cli "grandmasterIdentity=$id gmPriority1=99"
	check "ptp4l TIME_PROPERTIES_DATA_SET utc offset 36" cli 'currentUtcOffset=36 '
	check "ptp4l PORT_DATA_SET intervals (2, 4, -2)" \
		cli 'portIdentity=.*-1 .*logAnnounceInterval=2 announceReceiptTimeout=4 logSyncInterval=-2 '
	check "ptp4l TIME_STATUS_NP decoded" cli '^TIME_STATUS_NP master_offset=0 '
	check "ptp4l PORT_PROPERTIES_NP interface lo" cli 'timestamping=0 interface=lo$'
	check "ptp4l PRIORITY2 value" cli '^PRIORITY2 dataField=2 octets first=77$'
fi

if [ $FAILN -ne 0 ]; then
	echo "--- last pmc output"; cat "$dir/out"; echo "--- server log"; cat "$dir/srv.log"
	for f in cli.out pmc.out ptp4l.log; do [ -f "$dir/$f" ] && { echo "--- $f"; cat "$dir/$f"; }; done
fi
finish
