#!/bin/sh
# dtpd (issue 13) over AF_PACKET: a 3-node chain root - mid - leaf in network namespaces over
# veth, each node on its own vclock (different offsets and frequency errors):
#   a. every port of every node reaches SYNC
#   b. the network's counters agree: each node's counter (mapped to time) minus CLOCK_REALTIME,
#      read through `dtpd ctl SOCK status`, within COUNTER_NS of the root's
#   c. the root is never dragged forward (its jump count stays 0); mid's counter page (dtpd
#      counter PATH, read through the TSC) agrees with its status
#   d. the true error of mid's and leaf's vclocks against the root's vclock (tsync-judge) has
#      RMS below RMS_NS and max below MAX_NS
#   c2. mid's own bound (status bound_ns) covers its true error at that moment, and over the
#      judged span every sample of mid's and leaf's true error is within its own bound
#      (bench/dtpd_cover.py: 100 % coverage; the leaf's bound carries mid's counter bound)
#   c3. vmclockd --dtpd mid.sock publishes a synchronized page from mid's `tsync status`, and
#      its burst request reaches dtpd
#   e. a link down/up between mid and leaf: leaf's port leaves SYNC and comes back, and the
#      leaf's clock is again within MAX_NS of the root's
#   f. --help and a bad option are handled (exit codes); hostile frames (wrong version,
#      truncated, reserved type, a trailer out of range, a counter a day ahead) are counted and
#      logged with a reason, and move neither mid's counter nor its clock;
#      `dtpd ctl SOCK burst SECONDS` starts a beacon burst (and a bad SECONDS is refused)
#   g. the DPDK transport: a dtpd on DPDK's EAL (--no-huge, a net_af_packet vdev on its veth,
#      TSC stamps at rx/tx burst, busy loop) follows an AF_PACKET root: SYNC, says "tsc",
#      true error below DPDK_RMS_NS / DPDK_MAX_NS, own bound covering every sample; it stops
#      cleanly (EAL runtime dir removed);
#      an EAL that cannot start fails with a message naming the way out (af_packet)
#   h. the same node on a net_pcap vdev: SYNC, says "pmd-rx", its received frames stamped by
#      the PMD (the kernel's RX stamp through libpcap), none refused
#   i. a burst asked at the leaf is carried upstream in the BEACONs' trailer (mid passes it on
#      to the root, a hop less): the root beacons to mid >= 3x faster for the burst (8x
#      nominal; 4.5-6.9x measured under a load of 11 on 2 cores), then back; requests from
#      upstream, of an absurd duration or of 0 hops are refused, counted (status
#      burst_refused) and logged by name
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
ip netns list >/dev/null 2>&1 || skip_all "ip netns not available"
for b in dtpd tsync-vclock tsync-judge; do
	[ -x "$BIN/$b" ] || { fail "$BIN/$b not built"; finish; exit 1; }
done
. testbeds/netns.sh
BED_PREFIX=tdtp-$$-
. testbeds/ptp/lib.sh
ptp_init || exit 1
RMS_NS=${DTPD_TEST_RMS_NS:-30000}     # software stamps on veth: 1-16 us measured (1 hop)
MAX_NS=${DTPD_TEST_MAX_NS:-100000}
MARGIN_NS=20000 # delay_margin_ns: a node's counter lags its upstream's by up to this much, so
                # a clock k hops from the root may lag by (k - 1) margins more
COUNTER_NS=${DTPD_TEST_COUNTER_NS:-80000} # 2 hops x 20 us delay margin + servo error

# f. command line
check "dtpd --help exits 0 and names the keys" sh -c "'$BIN/dtpd' --help | grep -q beacon_interval_ms"
"$BIN/dtpd" -i lo --no_such_key=1 >"$PTP_DIR/bad.out" 2>&1
check "an unknown key is refused with exit 2 and named" \
	sh -c "[ $? -eq 2 ] && grep -q no_such_key '$PTP_DIR/bad.out'"

bed_ns_add r && bed_ns_add m && bed_ns_add l || exit 1
bed_link r veth0 - m veth0 - && bed_link m veth1 - l veth0 - || exit 1
VR=$(ptp_vclock r --offset -20ms --ppm -15 --wander-ppb 10 --seed 3) || exit 1
VM=$(ptp_vclock m --offset 5ms --ppm 30 --wander-ppb 20 --seed 5) || exit 1
VL=$(ptp_vclock l --offset 3ms --ppm 40 --wander-ppb 20 --seed 7) || exit 1
common="--beacon_interval_ms=100 --logging_level=6"
bed_bg r "$PTP_DIR/r.log" "$BIN/dtpd" -i veth0 --root=1 --clock=vclock:"$VR" \
	--ctl_socket="$PTP_DIR/r.sock" $common
printf '[veth0]\nupstream 1\n[veth1]\nupstream 0\n' >"$PTP_DIR/m.cfg"
bed_bg m "$PTP_DIR/m.log" "$BIN/dtpd" -f "$PTP_DIR/m.cfg" --clock=vclock:"$VM" \
	--ctl_socket="$PTP_DIR/m.sock" --statlog="$PTP_DIR/m.statlog" \
	--counter_page="$PTP_DIR/m.cpage" $common
bed_bg l "$PTP_DIR/l.log" "$BIN/dtpd" -i veth0 --clock=vclock:"$VL" \
	--ctl_socket="$PTP_DIR/l.sock" $common

st() { # NODE: the status line
	bed_exec "$1" "$BIN/dtpd" ctl "$PTP_DIR/$1.sock" status 2>/dev/null
}
val() { # NODE KEY
	st "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
wait_sync() { # NODE... within 10 s
	_t=100
	while [ $_t -gt 0 ]; do
		_all=1
		for _n in "$@"; do
			[ "$(val "$_n" sync)" = yes ] || _all=0
		done
		[ $_all = 1 ] && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	return 1
}

# a.
check "every port of root, mid and leaf reaches SYNC" wait_sync r m l
for n in r m l; do echo "    $n: $(st $n)"; done

# d. (the servo settles in about a second: mid judged 4 s after 2 s, then leaf 4 s) and c2.
# (mid's and leaf's own bounds sampled over the same 10 s, every 0.2 s, from 3 s on: the bound
# is not claimed while the servo converges after its first step; a leaf sample 51 us off in
# its second second was seen under a load average of 10)
python3 bench/dtpd_cover.py --bin "$BIN" --ref "$VR" --node m:"$VM":"$PTP_DIR/m.sock" \
	--node l:"$VL":"$PTP_DIR/l.sock" --duration 10 --settle 3 >"$PTP_DIR/cover" 2>&1 &
cover_pid=$!
jm=$("$BIN/tsync-judge" --vclock "$VM" --ref "$VR" --duration 6 --interval 0.1 --settle 2 \
	--lock-ns 20000 2>&1)
jl=$("$BIN/tsync-judge" --vclock "$VL" --ref "$VR" --duration 4 --interval 0.1 --lock-ns 20000 2>&1)
echo "    mid:  $jm"
echo "    leaf: $jl"
wait $cover_pid
sed 's/^/    /' "$PTP_DIR/cover"
covered() { # NODE FILE [MIN=20]: every sample (at least MIN) within the node's own bound
	_c=$(grep "node=$1 " "$2")
	[ -n "$_c" ] && [ "$(kv n "$_c")" -ge "${3:-20}" ] && [ "$(kv covered "$_c")" = "$(kv n "$_c")" ]
}
check "mid's own bound covers every sample of its true error" covered m "$PTP_DIR/cover"
check "leaf's own bound (2 hops) covers every sample of its true error" covered l "$PTP_DIR/cover"
judged() { # "judge line" [HOPS=1] -> rms and max within limits
	_r=$(echo "$1" | sed -n 's/.*rms_ns=\([0-9.]*\).*/\1/p')
	_m=$(echo "$1" | sed -n 's/.*max_ns=\([0-9.]*\).*/\1/p')
	_x=$(( (${2:-1} - 1) * MARGIN_NS ))
	[ -n "$_r" ] && [ -n "$_m" ] && awk -v r="$_r" -v m="$_m" -v R="$((RMS_NS + _x))" \
		-v M="$((MAX_NS + _x))" 'BEGIN { exit !(r < R && m < M) }'
}
check "mid's clock follows the root's: true error rms < $RMS_NS ns, max < $MAX_NS ns" judged "$jm"
check "leaf's clock (2 hops) follows the root's: rms < $((RMS_NS + MARGIN_NS)) ns, max < \
$((MAX_NS + MARGIN_NS)) ns" judged "$jl" 2

# b., c.
cr=$(val r gc_minus_real_ns)
cm=$(val m gc_minus_real_ns)
cl=$(val l gc_minus_real_ns)
echo "    counter - real time: root $cr, mid $cm, leaf $cl ns"
check "the counters agree within $COUNTER_NS ns (mid $((cm - cr)), leaf $((cl - cr)))" \
	sh -c "fabs() { [ \$1 -lt 0 ] && echo \$((-\$1)) || echo \$1; }
	       [ \$(fabs $((cm - cr))) -lt $COUNTER_NS ] && [ \$(fabs $((cl - cr))) -lt $COUNTER_NS ]"
check "the root was never dragged forward (jumps=$(val r jumps))" [ "$(val r jumps)" = 0 ]
# the counter page (include/uapi/dtpd.h) read through the TSC agrees with the status socket
pg=$("$BIN/dtpd" counter "$PTP_DIR/m.cpage" 2>&1)
cm=$(val m gc_minus_real_ns)
echo "    mid's counter page: $pg"
check "mid's counter page says sync and its counter - real time is within 50 us of the status's" \
	sh -c "echo '$pg' | grep -q 'sync=yes' && d=\$(( $(kv time_minus_real_ns "$pg" | grep . || echo 999999999) - $cm )) &&
	       [ \${d#-} -lt 50000 ]"
check "a file that is not a counter page is refused by name" \
	sh -c "'$BIN/dtpd' counter '$PTP_DIR/m.cfg' 2>&1 | grep -q 'm.cfg: not a dtpd counter page'"
# the own bound of mid (one hop) against its true error at the same moment
bm=$(val m bound_ns)
em=$("$BIN/tsync-vclock" error "$VM" --ref "$VR" --count 1 2>/dev/null | tr -d ' ')
check "mid's own bound holds: |true error| $em ns <= bound_ns $bm" fabs_le "${em:-x}" "${bm:-0}"

# vmclockd --dtpd: it pulls mid's `tsync status` as it pulls ptpd-wl's, and its burst (the
# request its migration plans send) reaches dtpd
mkdir -p "$PTP_DIR/vmcp"
bed_bg m "$PTP_DIR/vmc.log" "$BIN/vmclockd" --clock "vclock:$VM" --dtpd "$PTP_DIR/m.sock" \
	--interval 0.1 --socket "$PTP_DIR/vmc.sock" --page-dir "$PTP_DIR/vmcp" --vm vm1
vst() { bed_exec m "$BIN/vmclockd" --socket "$PTP_DIR/vmc.sock" --send "$1" 2>&1; }
vs_ok() {
	_t=50
	while [ $_t -gt 0 ]; do
		vst status | grep -q 'state=synchronized' && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	return 1
}
check "vmclockd --dtpd: mid's page is synchronized" vs_ok
echo "    vmclockd: $(vst status)"
vb=$(vst "burst seconds=1 wait=0.3")
echo "    vmclockd burst: $vb"
check "vmclockd's burst request reaches dtpd" \
	sh -c "echo '$vb' | grep -q '^ok burst' && grep -q 'burst for 1.000 s' '$PTP_DIR/m.log'"

# e. link down/up between mid and leaf
ip -n "$(bed_ns m)" link set veth1 down
sleep 1.5
s_down=$(val l p0_state)
check "leaf's port leaves SYNC when the link goes down ($s_down)" [ "$s_down" != SYNC ]
ip -n "$(bed_ns m)" link set veth1 up
check "after the link comes back every port is in SYNC again" wait_sync m l
jl=$("$BIN/tsync-judge" --vclock "$VL" --ref "$VR" --duration 4 --interval 0.1 --settle 2 \
	--lock-ns 20000 2>&1)
echo "    leaf after the flap: $jl"
check "leaf's clock is back within $((MAX_NS + MARGIN_NS)) ns of the root's" judged "$jl" 2

# f. hostile frames to mid's upstream port are counted and logged with a reason, not fatal:
# a wrong version, a trailer bound out of range and a beacon a day ahead (three log sites at
# once), then a truncated frame and a reserved type (the decode site logs once a second)
gcr=$(val r gc)
bed_exec r python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("veth0", 0))
hdr = bytes([1,0x80,0xc2,0,0,0xe, 2,0,0,0,0,1, 0x88,0xb5])
def frame(ver, typ, counter, bound=0):
    body = struct.pack(">BBHHQQQ", ver, typ, 0, 0, counter, 0, 0)
    return hdr + body + struct.pack(">HBBQi", 0xD7B0, 1, 0, bound, 0)
s.send(frame(9, 2, 0))
s.send(frame(1, 2, int(sys.argv[1]), bound=0x7f00000000000000))
s.send(frame(1, 2, (int(sys.argv[1]) + 86400 * 156250000) % (1 << 53)))
time.sleep(1.2)
s.send(hdr + bytes([1, 2, 0, 0]) + bytes(6))
time.sleep(1.2)
s.send(frame(1, 4, 0))
' "$gcr" 2>/dev/null
sleep 0.3
check "a frame of a wrong version is dropped with a reason in the log" \
	grep -q 'bad frame (wrong version or ethertype; 1 so far)' "$PTP_DIR/m.log"
check "a trailer bound out of range is dropped with a reason" \
	grep -q 'bad frame (bound trailer out of range' "$PTP_DIR/m.log"
check "a beacon a day ahead is dropped as a wild counter" \
	grep -q 'dropped a beacon with a wild counter (+86[34][0-9]\{11\} ns ahead; 1 so far)' "$PTP_DIR/m.log"
check "a truncated frame is dropped with a reason" grep -q 'bad frame (truncated' "$PTP_DIR/m.log"
check "a reserved message type is dropped with a reason" \
	grep -q 'bad frame (reserved type or counter wider than 53 bits' "$PTP_DIR/m.log"
cd_=$(( $(val m gc_minus_real_ns) - $(val r gc_minus_real_ns) ))
check "mid's counter did not take the day (wild $(val m wild), counter - root's $cd_ ns)" \
	sh -c "[ '$(val m wild)' = 1 ] && [ ${cd_#-} -lt $COUNTER_NS ]"
em=$("$BIN/tsync-vclock" error "$VM" --ref "$VR" --count 1 2>/dev/null | tr -d ' ')
check "mid's clock is still within its own bound after them ($em ns, bound $(val m bound_ns))" \
	fabs_le "${em:-x}" "$(val m bound_ns)"
check "mid still answers after it" [ "$(val m sync)" = yes ]

# i. a burst asked at the leaf goes up: leaf -> mid -> root (each BEACON trailer's burst
# request), and the root's BEACONs towards mid come 8x as often for the burst's 2 s, then
# back (counted from the root's p0_beacons_tx over 1 s windows: 10/s at 100 ms)
rate() { # NODE: BEACONs its port 0 sent in the next second
	_a=$(val "$1" p0_beacons_tx)
	sleep 1
	echo $(($(val "$1" p0_beacons_tx) - ${_a:-0}))
}
sleep 1.2 # the bursts above are over
rb=$(rate r)
bl=$(bed_exec l "$BIN/dtpd" ctl "$PTP_DIR/l.sock" burst 2 2>&1)
sleep 0.3
rd=$(rate r)
sleep 1.2
ra=$(rate r)
echo "    root's BEACONs per second to mid: before $rb, during the leaf's burst $rd, after $ra"
check "the leaf takes the burst ($bl)" sh -c "echo '$bl' | grep -q '^ok burst_s=2.000'"
check "mid takes the leaf's request and passes it on" \
	grep -q 'veth1: burst request for [0-9]* ms (7 hops left)' "$PTP_DIR/m.log"
check "the root takes it from mid, one hop further" \
	grep -q 'veth0: burst request for [0-9]* ms (6 hops left)' "$PTP_DIR/r.log"
check "the root beacons faster during the leaf's burst ($rd/s, >= 3x $rb/s)" \
	sh -c "[ ${rb:-0} -ge 5 ] && [ ${rd:-0} -ge $((3 * ${rb:-0})) ]"
check "and back to its rate after it ($ra/s, <= 2x $rb/s)" \
	sh -c "[ ${ra:-0} -ge 1 ] && [ ${ra:-0} -le $((2 * ${rb:-0})) ]"
# hostile requests to mid's upstream port (from the root's side): one from upstream (requests
# only go up), one of 2^32-1 ms and one of 0 hops; each refused, counted and logged, and mid
# does not burst for them
rf0=$(val m burst_refused)
bed_exec r python3 -c '
import socket, struct, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("veth0", 0))
hdr = bytes([1,0x80,0xc2,0,0,0xe, 2,0,0,0,0,1, 0x88,0xb5])
def frame(ms, hops):
    body = struct.pack(">BBHHQQQ", 1, 2, 0, 0, 0, 0, 0)
    return hdr + body + struct.pack(">HBBQi", 0xD7B0, 1, 8, 0, 0) + bytes(16) + \
        struct.pack(">IB3x", ms, hops)
s.send(frame(3000, 8))
time.sleep(1.1)
s.send(frame(0xffffffff, 8))
time.sleep(1.1)
s.send(frame(3000, 0))
' 2>/dev/null
sleep 0.3
rf1=$(val m burst_refused)
check "a request from mid's upstream is refused with a reason" \
	grep -q 'veth0: refused a burst request (from an upstream port' "$PTP_DIR/m.log"
check "an absurd duration and 0 hops are refused by name" \
	sh -c "[ \$(grep -c 'veth0: refused a burst request (burst request out of range' '$PTP_DIR/m.log') -ge 2 ]"
check "mid counts the three refusals (burst_refused $rf0 -> $rf1)" [ $((${rf1:-0} - ${rf0:-0})) = 3 ]
check "mid did not burst for them" sh -c "! grep -q 'burst for 3.000 s' '$PTP_DIR/m.log'"
# a beacon burst on request (vmclockd asks for one when a migration starts)
b=$(bed_exec r "$BIN/dtpd" ctl "$PTP_DIR/r.sock" burst 1 2>&1)
check "burst 1 is accepted with the burst's interval ($b)" sh -c "echo '$b' | grep -q '^ok burst_s=1.000 interval_ns=12500000'"
b=$(bed_exec r "$BIN/dtpd" ctl "$PTP_DIR/r.sock" burst -3 2>&1)
check "burst -3 is refused naming the range ($b)" sh -c "echo '$b' | grep -q 'error reason=bad_seconds'"
check "the root logs the burst" grep -q 'burst for 1.000 s: beacons every 12.500 ms' "$PTP_DIR/r.log"
grep -c "clock stepped" "$PTP_DIR/m.log" "$PTP_DIR/l.log" | sed 's/^/    /'
bed_cleanup # the chain is done: the DPDK busy loop below gets the CPU to itself

# g. DPDK (if Debian's libdpdk was there at build time, the daemon has the transport)
DPDK_RMS_NS=${DTPD_TEST_DPDK_RMS_NS:-50000} # TSC at burst on a spinning loop: 14-19 us measured
DPDK_MAX_NS=${DTPD_TEST_DPDK_MAX_NS:-150000}
"$BIN/dtpd" -i lo --transport=dpdk --dpdk_eal_args="--no-such-eal-option" >"$PTP_DIR/eal.out" 2>&1
rc=$?
check "an EAL that cannot start: exit $rc, the message names the way out" \
	sh -c "[ $rc -ne 0 ] && grep -q 'DPDK EAL failed to start.*transport af_packet' '$PTP_DIR/eal.out'"
bed_ns_add r2 && bed_ns_add d || exit 1
bed_link r2 veth0 - d veth0 - || exit 1
VR2=$(ptp_vclock r2 --offset -20ms --ppm -15 --seed 11) || exit 1
VD=$(ptp_vclock d --offset 3ms --ppm 40 --wander-ppb 20 --seed 13) || exit 1
bed_bg r2 "$PTP_DIR/r2.log" "$BIN/dtpd" -i veth0 --root=1 --clock=vclock:"$VR2" \
	--ctl_socket="$PTP_DIR/r2.sock" $common
bed_bg d "$PTP_DIR/d.log" "$BIN/dtpd" -i veth0 --transport=dpdk --dpdk_poll_us=0 \
	--clock=vclock:"$VD" --ctl_socket="$PTP_DIR/d.sock" $common
DPID=$BED_LASTPID
check "the DPDK node and its AF_PACKET root reach SYNC" wait_sync r2 d
echo "    d: $(st d)"
sed -n 's/^\(dtpd.*timestamps [a-z]*\).*/    \1/p' "$PTP_DIR/d.log"
check "the DPDK node says it uses TSC stamps (no timesync on a vdev)" \
	sh -c "grep -q 'transport dpdk, timestamps tsc' '$PTP_DIR/d.log' && [ \"\$(echo '$(st d)' | tr ' ' '\n' | sed -n 's/^ts=//p')\" = tsc ]"
# judged and covered once its servo says locked (the bound is not claimed before). One more
# attempt with a fresh node when the first misses: a busy loop that other engineers' builds
# starve (load average 9-14 here) was measured 1-6 ms RMS in some runs, with this dtpd and
# with the one before this branch (37d25ae) alike; the check names the attempt.
RMS_NS=$DPDK_RMS_NS MAX_NS=$DPDK_MAX_NS
dpdk_judge() { # -> jd, cover.d; 0 when both hold
	_t=100
	while [ $_t -gt 0 ] && [ "$(val d servo)" != locked ]; do
		sleep 0.1
		_t=$((_t - 1))
	done
	python3 bench/dtpd_cover.py --bin "$BIN" --ref "$VR2" --node d:"$VD":"$PTP_DIR/d.sock" \
		--duration 5 --settle 0.5 >"$PTP_DIR/cover.d" 2>&1 &
	cover_pid=$!
	jd=$("$BIN/tsync-judge" --vclock "$VD" --ref "$VR2" --duration 5 --interval 0.1 \
		--settle 0.5 --lock-ns 50000 2>&1)
	wait $cover_pid
	echo "    dpdk (attempt $attempt): $jd"
	sed 's/^/    /' "$PTP_DIR/cover.d"
	echo "    dpdk node: $(ps -o pcpu=,etime= -p "$DPID") (%CPU, elapsed: a spinning busy loop)"
	# (5 s at 0.2 s: 25 samples when idle, 18 seen under a load average of 9)
	covered d "$PTP_DIR/cover.d" 10 && judged "$jd"
}
attempt=1
if ! dpdk_judge; then
	bed_stop "$DPID"
	attempt=2
	bed_bg d "$PTP_DIR/d.log" "$BIN/dtpd" -i veth0 --transport=dpdk --dpdk_poll_us=0 \
		--clock=vclock:"$VD" --ctl_socket="$PTP_DIR/d.sock" $common
	DPID=$BED_LASTPID
	wait_sync r2 d
	dpdk_judge
fi
check "the DPDK node's own bound covers every sample of its true error (attempt $attempt)" \
	covered d "$PTP_DIR/cover.d" 10
check "the DPDK node's clock follows the root's: rms < $RMS_NS ns, max < $MAX_NS ns (attempt \
$attempt)" judged "$jd"
bed_stop "$DPID"
check "the DPDK node stops on TERM and removes its EAL runtime directory" \
	sh -c "grep -q 'signal 15: exiting' '$PTP_DIR/d.log' && ! ls -d /var/run/dpdk/dtpd-* 2>/dev/null | grep -q ."

# h. net_pcap: the PMD stamps each received mbuf (the kernel's RX stamp, through libpcap);
#    dtpd takes it instead of the TSC read after the burst (ts=pmd-rx). phy_mac=1: net_pcap's
#    default MAC ends in the port id, the same for every process's port 0. Sleep mode: this
#    checks the stamp path and SYNC, not accuracy (bench/dtpd.sh --dpdk-vdev pcap does).
rm -f "$PTP_DIR/d.sock"
bed_bg d "$PTP_DIR/dp.log" "$BIN/dtpd" -i veth0 --transport=dpdk --dpdk_poll_us=100 \
	--dpdk_eal_args="--no-huge --no-pci --no-shconf --file-prefix=dtpd-pcap-$$ -m 16 -l 0 \
--no-telemetry --vdev=net_pcap0,iface=veth0,phy_mac=1" --clock=vclock:"$VD" \
	--ctl_socket="$PTP_DIR/d.sock" $common
DPID=$BED_LASTPID
check "a DPDK node on net_pcap reaches SYNC with its AF_PACKET root" wait_sync r2 d
check "it says it takes the PMD's RX stamps (ts=pmd-rx)" \
	sh -c "grep -q 'transport dpdk, timestamps pmd-rx' '$PTP_DIR/dp.log' && [ \"\$(echo '$(st d)' | tr ' ' '\n' | sed -n 's/^ts=//p')\" = pmd-rx ]"
sleep 1
bed_stop "$DPID"
echo "    $(grep 'rx stamps from the PMD' "$PTP_DIR/dp.log")"
check "its received frames were stamped by the PMD, none refused" \
	sh -c "grep -Eq ': [1-9][0-9]* rx stamps from the PMD.s mbuf field, 0 refused' '$PTP_DIR/dp.log' && ! ls -d /var/run/dpdk/dtpd-* 2>/dev/null | grep -q ."
finish
