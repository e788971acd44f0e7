#!/bin/sh
# Debian's unmodified ptp4l and chronyd on vclocks through build/lib/libtsync-vclock-preload.so
# (issue 18): each peer's loop must close on its vclock, judged as true error (vclock minus
# the master's vclock), and none of them may touch the real CLOCK_REALTIME.
#   a. the library alone: adjtimex through it moves the vclock; without TSYNC_VCLOCK it refuses
#   b. ptp4l master -> ptp4l slave, UDPv4/E2E, each on its own vclock
#   c. ptp4l master -> ptp4l slave, L2/P2P, each on its own vclock
#   d. chronyd NTP server -> chronyd client, each on its own vclock
#   e. the same over NTP-over-PTP (chrony's ptpport)
# Throughout: the real clock's adjtimex frequency and status are unchanged.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
command -v ptp4l >/dev/null 2>&1 || skip_all "ptp4l not installed (apt-get install linuxptp)"
command -v chronyd >/dev/null 2>&1 || skip_all "chronyd not installed (apt-get install chrony)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
[ -x "$BIN/tsync-judge" ] && [ -f "$BUILD/lib/libtsync-vclock-preload.so" ] ||
	{ fail "tsync-judge / libtsync-vclock-preload.so not built"; finish; exit 1; }
. testbeds/netns.sh
. testbeds/ptp/lib.sh
BED_PREFIX=tpv-$$-
ptp_init || exit 1
. testbeds/peers/lib.sh
DUR=${PEERS_TEST_DURATION:-24}
SETTLE=${PEERS_TEST_SETTLE:-14}
LOCKMAX=${PEERS_TEST_LOCK:-20} # lock deadline, s (under the shared CPU load L2/P2P took 9 s once)

real0=$(peer_real_timex)
echo "    real CLOCK_REALTIME before: $real0"

# a. the library on its own: a frequency set through adjtimex lands on the vclock only
VA=$(ptp_vclock lib --offset 1s --ppm 5) || exit 1
out=$(TSYNC_VCLOCK=$VA TSYNC_VCLOCK_QUIET=1 LD_PRELOAD=$PEER_PRELOAD python3 -c '
import ctypes
class T(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("pad", ctypes.c_long * 40)]
t = T(); t.modes = 2; t.freq = 12345 * 65536 // 1000   # ADJ_FREQUENCY, 12.345 ppm
print(ctypes.CDLL(None, use_errno=True).adjtimex(ctypes.byref(t)), ctypes.get_errno())' 2>&1)
f=$("$BIN/tsync-vclock" freq "$VA")
check "adjtimex(ADJ_FREQUENCY) through the library sets the vclock ($f ppb; $out)" \
	awk -v f="$f" 'BEGIN { exit !(f > 12340 && f < 12350) }'
off=$(TSYNC_VCLOCK=$VA TSYNC_VCLOCK_QUIET=1 LD_PRELOAD=$PEER_PRELOAD date +%s.%N)
check "date(1) through the library reads the vclock (1 s ahead: $off vs $(date +%s.%N))" \
	awk -v a="$off" -v b="$(date +%s.%N)" 'BEGIN { d = a - b; exit !(d > 0.9 && d < 1.1) }'
out=$(LD_PRELOAD=$PEER_PRELOAD python3 -c '
import ctypes
t = (ctypes.c_long * 26)(); t[0] = 2; t[2] = 65536   # modes=ADJ_FREQUENCY, freq=1 ppm
print(ctypes.CDLL(None, use_errno=True).adjtimex(t), ctypes.get_errno())' 2>&1)
check "without TSYNC_VCLOCK the library refuses to steer (EPERM) and logs it" \
	sh -c "echo '$out' | grep -q 'refused adjtimex' && echo '$out' | grep -q '^-1 1$'"

# b, c: ptp4l master and slave, each on its own vclock; the slave starts 23 ms off with +55 ppm
# relative to the master. Explicit PI gains: with the software-stamping defaults at 8 Sync/s
# (ki 0.000435) ptp4l's PI waits 0.016/ki = 37 s before its first frequency estimate.
ptp_attempt() { # TRANSPORT DELAY: sets _tag _vs _j (the judge's line)
	_tag=$(echo "$1$2" | tr 'A-Z' 'a-z')
	bed_ns_add "m$_tag" && bed_ns_add "s$_tag" || return 1
	bed_link "m$_tag" veth0 10.73.1.1 "s$_tag" veth0 10.73.1.2 || return 1
	_vm=$(ptp_vclock "m$_tag" --offset -20ms --ppm -15 --wander-ppb 10 --seed 3) || return 1
	_vs=$(ptp_vclock "s$_tag" --offset 3ms --ppm 40 --wander-ppb 20 --seed 7) || return 1
	_c="network_transport $1
delay_mechanism $2
time_stamping software
logSyncInterval -3
logAnnounceInterval -2
logMinDelayReqInterval -3
logMinPdelayReqInterval -3
pi_proportional_const 0.3
pi_integral_const 0.05"
	peer_ptp4l "m$_tag" "m$_tag" "$_vm" "$_c
masterOnly 1" -i veth0 || return 1
	peer_ptp4l "s$_tag" "s$_tag" "$_vs" "$_c
slaveOnly 1
summary_interval -3" -i veth0 || return 1
	_j=$("$BIN/tsync-judge" --vclock "$_vs" --ref "$_vm" --duration "$DUR" --interval 0.1 \
		--settle "$SETTLE" --lock-ns 5000)
	echo "    $_j"
	sed -n '1,3p' "$PTP_DIR/s$_tag.log" | sed 's/^/    s: /'
	grep '^ptp4l' "$PTP_DIR/s$_tag.log" >"$PTP_DIR/s$_tag.p4"
	ptp_offsets "$PTP_DIR/s$_tag.p4" "$SETTLE" | ptp_stats | sed 's/^/    ptp4l reported: /'
}
# ptp4l's own loop on a software-stamped veth sometimes takes a transient that it reports itself
# (seen once in about eight runs here: L2/P2P, ptp4l's reported max 22.7 us, the vclock back
# within 5 us only at 20.6 s). Such a run is repeated once and says so; a library that does not
# put ptp4l's steering on the vclock fails both attempts.
ptp_pair() { # TRANSPORT DELAY LIMIT_RMS_NS LIMIT_MAX_NS
	_try=1
	ptp_attempt "$1" "$2" || return 1
	_lock=$(kv lock_s "$_j")
	if ! awk -v l="$_lock" -v s="$LOCKMAX" 'BEGIN { exit !(l != "-" && l != "" && l + 0 <= s) }'; then
		echo "    $1/$2: not within 5 us by ${LOCKMAX} s (lock_s=$_lock): a second attempt"
		bed_cleanup
		"$BIN/tsync-vclock" remove "$_vm" && "$BIN/tsync-vclock" remove "$_vs"
		_try=2
		ptp_attempt "$1" "$2" || return 1
	fi
	_n=$(grep -c 'master offset' "$PTP_DIR/s$_tag.log")
	check "$1/$2: ptp4l slave on its vclock reports offsets ($_n lines)" [ "$_n" -gt 20 ]
	_lock=$(kv lock_s "$_j")
	_rms=$(kv rms_ns "$_j")
	_max=$(kv max_ns "$_j")
	check "$1/$2: slave vclock within 5 us of the master vclock from ${LOCKMAX} s on (lock_s=$_lock, attempt $_try)" \
		awk -v l="$_lock" -v s="$LOCKMAX" 'BEGIN { exit !(l != "-" && l != "" && l + 0 <= s) }'
	check "$1/$2: true error RMS after ${SETTLE} s below $3 ns (rms_ns=$_rms)" \
		awk -v v="$_rms" -v l="$3" 'BEGIN { exit !(v != "" && v != "nan" && v + 0 < l) }'
	check "$1/$2: true error max after ${SETTLE} s below $4 ns (max_ns=$_max)" \
		awk -v v="$_max" -v l="$4" 'BEGIN { exit !(v != "" && v != "nan" && v + 0 < l) }'
	_st=$("$BIN/tsync-vclock" show "$_vs" | awk '/adjfreq/ { print $4, $6 }')
	check "$1/$2: ptp4l's steering landed on the slave vclock (adjfreq steps: $_st)" \
		awk -v a="${_st% *}" 'BEGIN { exit !(a + 0 > 10) }'
	bed_cleanup
}
ptp_pair UDPv4 E2E 3000 10000
ptp_pair L2 P2P 4000 10000

# d, e. chronyd NTP server (vclock 8 ms behind the host, -10 ppm) -> chronyd client (vclock 5 ms
# ahead, +30 ppm), polling 4 times a second: plain NTP, then NTP-over-PTP (ptpport 319, chrony
# 4.3's transport for NTP in PTP event messages)
ntp_pair() { # TAG SERVER_EXTRA CLIENT_EXTRA SERVER_PORT_OPTION
	bed_ns_add "s$1" && bed_ns_add "c$1" || return 1
	bed_link "s$1" veth0 10.73.2.1 "c$1" veth0 10.73.2.2 || return 1
	_vs=$(ptp_vclock "s$1" --offset -8ms --ppm -10 --wander-ppb 10 --seed 5) || return 1
	_vc=$(ptp_vclock "c$1" --offset 5ms --ppm 30 --wander-ppb 20 --seed 9) || return 1
	peer_chronyd "s$1" "s$1" "$_vs" "local stratum 1
allow 10.73.2.0/24
bindaddress 10.73.2.1$2" || return 1
	peer_chronyd "c$1" "c$1" "$_vc" "server 10.73.2.1 iburst minpoll -2 maxpoll -2 xleave$4
makestep 0.001 3
port 0$3" || return 1
	_j=$("$BIN/tsync-judge" --vclock "$_vc" --ref "$_vs" --duration "$DUR" --interval 0.1 \
		--settle "$SETTLE" --lock-ns 50000)
	echo "    $_j"
	grep -i -E 'selected|step|error|fatal|could not' "$PTP_DIR/c$1.log" | head -n 5 |
		sed 's/^/    c: /'
	_lock=$(kv lock_s "$_j")
	_rms=$(kv rms_ns "$_j")
	check "chronyd $1: client vclock within 50 us of the server vclock from $LOCKMAX s on (lock_s=$_lock)" \
		awk -v l="$_lock" -v s="$LOCKMAX" 'BEGIN { exit !(l != "-" && l != "" && l + 0 <= s) }'
	check "chronyd $1: true error RMS after $SETTLE s below 20 us (rms_ns=$_rms)" \
		awk -v v="$_rms" 'BEGIN { exit !(v != "" && v != "nan" && v + 0 < 20000) }'
	_st=$("$BIN/tsync-vclock" show "$_vc" | awk '/adjfreq/ { print $4, $6 }')
	check "chronyd $1: its steering landed on the client vclock (adjfreq steps: $_st)" \
		awk -v a="${_st% *}" -v s="${_st#* }" 'BEGIN { exit !(a + 0 > 5 && s + 0 >= 1) }'
	bed_cleanup
}
ntp_pair ntp "" "" ""
ntp_pair ptpport "
ptpport 319" "
ptpport 319" " port 319"

real1=$(peer_real_timex)
echo "    real CLOCK_REALTIME after:  $real1"
check "the real CLOCK_REALTIME's frequency and status are unchanged" [ "$real0" = "$real1" ]
finish
