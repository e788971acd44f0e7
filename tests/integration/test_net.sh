#!/bin/sh
# lib/net end to end: two namespaces joined by veth (testbeds/netns.sh), tsync-net-probe sends
# PTP-sized Sync (event) + Follow_Up (general) messages over UDPv4, UDPv6 and L2 with software
# timestamps. Checks: TX and RX timestamps arrive, the one-way delay rx - tx (one host clock)
# is >= 0 and below 1 ms (kernel 6.18 on veth can stamp RX at the TX time: 0 ns was seen, so
# zero is a valid one-way delay here), netem delay shows up in it, a bridged link works, hardware
# timestamping on veth fails with a clear error, and no namespace survives (also after a
# failing or killed bench). Also: the stamps are tagged src=sys, the L2 transport carries
# another ethertype (DTP's 0x88B5) unseen by a PTP receiver, and a busy loop on
# transport_poll() receives what poll(2) does.
. tests/integration/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
ip netns list >/dev/null 2>&1 || skip_all "ip netns not available"
. testbeds/netns.sh
P=$BIN/tsync-net-probe
[ -x "$P" ] || skip_all "$P not built"
TMP=$(mktemp -d)
N=20
trap 'bed_cleanup; rm -rf "$TMP"' EXIT
trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 130' INT
trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 143' TERM

left() { ip netns list | grep -c "^$1" ; }

rc=0
{ bed_ns_add a && bed_ns_add b && bed_link a veth0 10.77.0.1 b veth0 10.77.0.2; } || rc=1
check "namespaces a, b joined by a veth pair" [ $rc -eq 0 ]
check "both namespaces exist with the run's prefix $BED_PREFIX" [ "$(left "$BED_PREFIX")" -eq 2 ]
check "IPv4 /24 on b" sh -c "ip -n $(bed_ns b) -4 addr show dev veth0 | grep -q '10.77.0.2/24'"

# probe TRANSPORT IFACE TAG: receiver in b, sender in a; results in $TMP/TAG.{tx,rx,d}
probe() {
	bed_bg b "$TMP/$3.rx" $P recv -i "$2" -t "$1" -n $N -w 5
	bed_wait_for "$TMP/$3.rx" ready 5
	bed_exec a $P send -i "$2" -t "$1" -n $N -g 5 >"$TMP/$3.tx" 2>&1
	wait "$BED_LASTPID"
	awk 'FNR == NR && $1 == "tx" { split($2, s, "="); split($3, t, "="); tx[s[2]] = t[2]; next }
	     $1 == "rx" && $2 == "event" { split($3, s, "="); split($4, t, "=");
	         if ((s[2] in tx) && t[2] > 0 && tx[s[2]] > 0) print t[2] - tx[s[2]] }' \
		"$TMP/$3.tx" "$TMP/$3.rx" | sort -n >"$TMP/$3.d"
}

# stats FILE -> "n min median max" (ns)
stats() { awk '{ v[NR] = $1 } END { if (NR) print NR, v[1], v[int((NR + 1) / 2)], v[NR]; else print 0, 0, 0, 0 }' "$1"; }

for t in UDPv4 UDPv6 L2; do
	probe $t veth0 $t
	ntx=$(grep -c '^tx seq=.* ts=[1-9]' "$TMP/$t.tx")
	nrx=$(grep -c '^rx event seq=.* ts=[1-9]' "$TMP/$t.rx")
	ngen=$(grep -c '^rx general' "$TMP/$t.rx")
	set -- $(stats "$TMP/$t.d")
	check "$t: $ntx/$N software TX timestamps" [ "$ntx" -eq $N ]
	check "$t: $nrx/$N software RX timestamps, $ngen/$N general messages" \
		[ "$nrx" -eq $N -a "$ngen" -eq $N ]
	check "$t: one-way rx - tx over veth in [0, 1 ms): n=$1 min=$2 median=$3 max=$4 ns" \
		[ "$1" -eq $N -a "$2" -ge 0 -a "$4" -lt 1000000 ]
done

# software timestamps are tagged with their source: the system clock
check "UDPv4 and L2 stamps are tagged src=sys (tx and rx)" sh -c \
	"grep -q '^tx seq=0 ts=[1-9][0-9]* src=sys$' '$TMP/UDPv4.tx' &&
	 grep -q '^rx event seq=0 ts=[1-9][0-9]* src=sys len=44$' '$TMP/L2.rx' &&
	 ! grep '^rx ' '$TMP/L2.rx' | grep -qv ' src=sys '"

# the L2 transport is not PTP's: frames of another ethertype (DTP's 0x88B5) get through and are
# timestamped, and a receiver on PTP's 0x88F7 on the same interface sees none of them
bed_bg b "$TMP/dtp.rx" $P recv -i veth0 -t L2 -E 0x88B5 -n $N -w 5
dtprx=$BED_LASTPID
bed_wait_for "$TMP/dtp.rx" ready 5
bed_bg b "$TMP/ptp.rx" $P recv -i veth0 -t L2 -n 1 -w 2
ptprx=$BED_LASTPID
bed_wait_for "$TMP/ptp.rx" ready 5
bed_exec a $P send -i veth0 -t L2 -E 0x88B5 -n $N -g 5 >"$TMP/dtp.tx" 2>&1
wait $dtprx $ptprx
ntx=$(grep -c '^tx seq=.* ts=[1-9][0-9]* src=sys$' "$TMP/dtp.tx")
nrx=$(grep -c '^rx event seq=.* ts=[1-9][0-9]* src=sys len=44$' "$TMP/dtp.rx")
nptp=$(grep -c '^rx ' "$TMP/ptp.rx")
check "L2 ethertype 0x88B5: $ntx/$N TX and $nrx/$N RX timestamps" [ "$ntx" -eq $N -a "$nrx" -eq $N ]
check "L2 ethertype 0x88B5: a PTP (0x88F7) receiver got $nptp of those frames" [ "$nptp" -eq 0 ]
out=$(bed_exec a $P send -i veth0 -t L2 -E 0x0500 -n 1 2>&1)
check "an ethertype below 0x0600 (a length) is refused: $out" sh -c "echo '$out' | grep -q -- '-E'"

# a busy loop on transport_poll() (as a DPDK daemon drives its transport) receives the same
# messages with the same timestamps as poll(2) on the fds: UDP (two fds) and L2 (one)
for t in UDPv4 L2; do
	bed_bg b "$TMP/busy.$t.rx" $P recv -i veth0 -t $t -n $N -w 5 --busy
	brx=$BED_LASTPID
	bed_wait_for "$TMP/busy.$t.rx" ready 5
	bed_exec a $P send -i veth0 -t $t -n $N -g 2 >/dev/null 2>&1
	wait $brx
	rc=$?
	nrx=$(grep -c '^rx event seq=.* ts=[1-9][0-9]* src=sys len=44$' "$TMP/busy.$t.rx")
	ngen=$(grep -c '^rx general seq=' "$TMP/busy.$t.rx")
	check "$t busy loop (transport_poll): $nrx/$N event with RX timestamps, $ngen/$N general" \
		[ $rc -eq 0 -a "$nrx" -eq $N -a "$ngen" -eq $N ]
done

# netem on a's egress: the software timestamps see the added delay
if bed_has_netem; then
	bed_netem a veth0 "delay 200us"
	probe UDPv4 veth0 netem
	set -- $(stats "$TMP/netem.d")
	check "netem delay 200us: one-way n=$1 min=$2 median=$3 max=$4 ns within [200 us, 1 ms)" \
		[ "$1" -eq $N -a "$2" -ge 200000 -a "$4" -lt 1000000 ]
else
	echo "  skip netem delay check: this kernel has no sch_netem"
	out=$(bed_netem a veth0 "delay 200us" 2>&1)
	check "bed_netem reports the failure: $out" sh -c "echo '$out' | grep -q 'bed: tc netem'"
fi

# through a bridge in a third namespace
bed_switch sw && bed_port a eth1 10.77.1.1 sw && bed_port b eth1 10.77.1.2 sw
probe L2 eth1 bridge
set -- $(stats "$TMP/bridge.d")
check "L2 through a bridge: one-way n=$1 min=$2 median=$3 max=$4 ns in [0, 1 ms)" \
	[ "$1" -eq $N -a "$2" -ge 0 -a "$4" -lt 1000000 ]

# interoperability: ptp4l 3.x as master in a, our transports receive its messages in b
if command -v ptp4l >/dev/null 2>&1; then
	for t in UDPv4 UDPv6 L2; do
		case $t in UDPv4) f=-4 ;; UDPv6) f=-6 ;; L2) f=-2 ;; esac
		bed_bg a "$TMP/ptp4l.$t" ptp4l -i veth0 -S $f -m --masterOnly=1 \
			--announceReceiptTimeout=2 --logAnnounceInterval=-2 --logSyncInterval=-3
		p4=$BED_LASTPID
		bed_exec b $P recv -i veth0 -t $t -n 3 -w 5 >"$TMP/p4rx.$t" 2>&1
		rc=$?
		bed_stop $p4
		nsync=$(grep -c '^rx event seq=.* ts=[1-9].* len=4[46]$' "$TMP/p4rx.$t")
		check "$t: ptp4l's Sync messages arrive with RX timestamps ($nsync)" \
			[ $rc -eq 0 -a "$nsync" -ge 3 ]
	done
else
	echo "  skip ptp4l interop: ptp4l not installed"
fi

# hardware timestamping on veth: a clear error naming the interface and the capability
want="veth0: no hardware TX timestamps (time_stamping hardware requested)"
out=$(bed_exec a $P send -i veth0 -t UDPv4 -n 1 --time_stamping hardware 2>&1)
rc=$?
check "hardware request fails: $out" [ $rc -ne 0 -a "$out" = "$want" ]
out=$(bed_exec a $P send -i veth0 -t L2 -n 1 --time_stamping hardware 2>&1)
check "hardware request over L2 fails the same way" [ "$out" = "$want" ]
out=$(bed_exec a $P caps -i veth0 2>&1)
check "caps: software only, no PHC" sh -c "echo '$out' | grep -q 'software-transmit software-receive' &&
	echo '$out' | grep -q 'phc index -1'"
mac=$(ip -n "$(bed_ns a)" link show veth0 | awk '/link\/ether/ { print $2 }' | tr -d :)
id=$(echo "$out" | awk '/clockIdentity/ { print $3 }' | tr -d .)
want_id=$(echo "$mac" | sed 's/^\(......\)/\1fffe/')
check "clockIdentity $id is the MAC $mac with fffe inserted" [ "$id" = "$want_id" ]

bed_cleanup
check "no namespace of this run is left" [ "$(left "$BED_PREFIX")" -eq 0 ]

# a bench that fails half-way, and one that is killed, leave nothing behind
cat >"$TMP/failing.sh" <<EOF
. testbeds/netns.sh
bed_trap
bed_ns_add x && bed_ns_add y && bed_link x v0 10.78.0.1 y v0 10.78.0.2 || exit 9
bed_bg x /dev/null sleep 30
echo "\$BED_PREFIX" >"$TMP/failing.prefix"
[ "\$1" = kill ] && { echo up >"$TMP/failing.up"; wait; }
false || exit 3
EOF
sh "$TMP/failing.sh"
rc=$?
pfx=$(cat "$TMP/failing.prefix")
check "a failing bench exits with its code ($rc) and removes its namespaces" \
	[ $rc -eq 3 -a -n "$pfx" -a "$(left "$pfx")" -eq 0 ]
sh "$TMP/failing.sh" kill &
kpid=$!
bed_wait_for "$TMP/failing.up" up 5
kill -TERM $kpid
wait $kpid
rc=$?
pfx=$(cat "$TMP/failing.prefix")
check "a bench killed with TERM (exit $rc) removes its namespaces" \
	[ $rc -eq 143 -a "$(left "$pfx")" -eq 0 ]
finish
