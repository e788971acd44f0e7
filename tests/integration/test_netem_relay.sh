#!/bin/sh
# tsync-netem, the user-space link emulator the benches use where the kernel has no sch_netem:
# two namespaces joined through a middle one; per-direction delay, jitter and loss are seen by
# the end hosts' software timestamps (tsync-net-probe: PTP-sized UDPv4 messages).
. tests/integration/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
. testbeds/netns.sh
P=$BIN/tsync-net-probe
[ -x "$P" ] && [ -x "$BIN/tsync-netem" ] || skip_all "tools not built"
TMP=$(mktemp -d)
N=30
BED_RELAY_LOG=$TMP/relay.log
trap 'bed_cleanup; [ -n "$KEEP" ] || rm -rf "$TMP"' EXIT
trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 143' INT TERM

# probe FROM TO TAG: send N messages from FROM to TO; one-way delays (ns) in $TMP/TAG.d
probe() {
	bed_bg "$2" "$TMP/$3.rx" $P recv -i e0 -t UDPv4 -n $N -w 4
	bed_wait_for "$TMP/$3.rx" ready 5
	bed_exec "$1" $P send -i e0 -t UDPv4 -n $N -g 5 >"$TMP/$3.tx" 2>&1
	wait "$BED_LASTPID"
	awk 'FNR == NR && $1 == "tx" { split($2, s, "="); split($3, t, "="); tx[s[2]] = t[2]; next }
	     $1 == "rx" && $2 == "event" { split($3, s, "="); split($4, t, "=");
	         if ((s[2] in tx) && t[2] > 0 && tx[s[2]] > 0) print t[2] - tx[s[2]] }' \
		"$TMP/$3.tx" "$TMP/$3.rx" | sort -n >"$TMP/$3.d"
}
stats() { awk '{ v[NR] = $1 } END { if (NR) print NR, v[1], v[int((NR + 1) / 2)], v[NR]; else print 0, 0, 0, 0 }' "$1"; }

bed_ns_add a && bed_ns_add b &&
	bed_relay_link a e0 10.78.0.1 b e0 10.78.0.2 mid "--delay-ab 300us --delay-ba 100us --jitter 20us"
check "relay link a <-> mid <-> b is up" bed_alive "$BED_RELAYPID"
probe a b ab
set -- $(stats "$TMP/ab.d")
check "a->b one-way n=$1 min=$2 median=$3 max=$4 ns: within [280 us, 10 ms)" \
	[ "$1" -eq $N -a "$2" -ge 280000 -a "$4" -lt 10000000 ]
probe b a ba
set -- $(stats "$TMP/ba.d")
check "b->a one-way n=$1 min=$2 median=$3 max=$4 ns: within [80 us, 10 ms) (asymmetric)" \
	[ "$1" -eq $N -a "$2" -ge 80000 -a "$4" -lt 10000000 ]
ba_med=$3
check "asymmetry shows: a->b median minus b->a median near 200 us" \
	awk -v a="$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' "$TMP/ab.d")" -v b="$ba_med" \
	'BEGIN { exit !(a - b > 120000 && a - b < 280000) }'
bed_stop "$BED_RELAYPID"
check "relay reports its counters at exit" grep -q 'a->b forwarded [1-9]' "$TMP/relay.log"

# loss: 100% drops everything one way
bed_bg mid "$TMP/relay2.log" "$BIN/tsync-netem" --a ra --b rb --loss 100%
sleep 0.2
probe a b lost
n=$(grep -c '^rx event' "$TMP/lost.rx")
check "--loss 100%: $n of $N messages arrived" [ "$n" -eq 0 ]
bed_stop "$BED_LASTPID"

# TCP bulk through the relay: veth hands it GSO super-frames with offloaded checksums
# (PACKET_VNET_HDR carries them across); then a 100 Mbit/s, 20 ms RTT WAN
tcp_bw() { # MB -> prints Mbit/s seen by the receiver in b
	bed_bg b "$TMP/bw.out" python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.78.0.2", 5001)); s.listen(1); print("ready", flush=True)
c, _ = s.accept(); n = 0; t = time.time()
while True:
    d = c.recv(1 << 20)
    if not d: break
    n += len(d)
print("mbit", int(n * 8 / (time.time() - t) / 1e6), "bytes", n)'
	bed_wait_for "$TMP/bw.out" ready 5
	bed_exec a python3 -c '
import socket, sys
s = socket.create_connection(("10.78.0.2", 5001)); b = b"x" * (1 << 20)
for i in range(int(sys.argv[1])): s.sendall(b)
s.close()' "$1"
	wait "$BED_LASTPID"
	awk '/^mbit/ { print $2 }' "$TMP/bw.out"
}
if command -v python3 >/dev/null 2>&1; then
	bed_bg mid "$TMP/relay3.log" "$BIN/tsync-netem" --a ra --b rb --delay 50us
	sleep 0.2
	bw=$(tcp_bw 100)
	check "TCP bulk through the relay: ${bw:-?} Mbit/s (> 300)" [ "${bw:-0}" -gt 300 ]
	bed_stop "$BED_LASTPID"
	bed_bg mid "$TMP/relay4.log" "$BIN/tsync-netem" --a ra --b rb --delay 10ms --rate 100mbit
	sleep 0.2
	bw=$(tcp_bw 20)
	check "TCP over a 100 Mbit/s 20 ms RTT WAN: ${bw:-?} Mbit/s (60..101)" \
		[ "${bw:-0}" -ge 60 -a "${bw:-0}" -le 101 ]
	bed_stop "$BED_LASTPID"
else
	echo "  skip TCP checks: no python3"
fi

out=$("$BIN/tsync-netem" --a x --b y --delay 1parsec 2>&1); rc=$?
check "bad --delay is named (exit $rc)" sh -c "[ $rc -eq 2 ] && echo \"\$0\" | grep -q \"bad value '1parsec' for --delay\"" "$out"
out=$(bed_exec mid "$BIN/tsync-netem" --a nosuch --b rb 2>&1); rc=$?
check "missing interface is named (exit $rc)" sh -c "[ $rc -ne 0 ] && echo \"\$0\" | grep -q \"no interface 'nosuch'\"" "$out"
finish
