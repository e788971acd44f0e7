#!/bin/sh
# tsvmm migration over parallel TCP connections ("connections": 3, issue 16): a guest in
# namespace "a" migrates to "b" over a shaped WAN path (tsync-netem 20 ms each way, then a TBF
# of 100 Mbit/s with a small queue in the middle namespace), its RAM pages striped over 3
# connections with a per-pass barrier. Checks: both ends agree on the switchover checksum
# (no page lost, none overwritten by an older copy of another pass), the destination joined
# 3 connections and received bytes on each of them, the guest runs on b. Hostile cases
# (injected at the source, TSVMM_MIG_FAULT): a data connection dropped mid-pass and a data
# connection whose PASS_END names another pass: the migration fails with the destination's
# reason naming the data connection, and the source guest runs on. 2 connections over TLS 1.3
# (PSK: every data connection has its own handshake). Refused with a clear error: connections
# with migrate-disk, connections 9.
. tests/integration/lib.sh
kvm_bed_setup # /dev/kvm, root, ip netns, $BIN/tsvmm (else skip); V, TMP, cleanup traps
[ -x "$BIN/tsync-netem" ] || skip_all "$BIN/tsync-netem not built"

A=10.81.0.1
B=10.81.0.2
GUEST="--mem 64M --profile zero=0.5,dup=0.2,random=0.3 --dirty-rate 1500 --wss 512 \
--sample-ms 50 --migrate-plaintext"

rc=0
{ bed_ns_add a && bed_ns_add b && bed_relay_link a veth0 $A b veth0 $B m "--delay 20ms"; } || rc=1
# a small buffer at the bottleneck: the path drops, as a real WAN router's would
for x in "a veth0" "b veth0" "m ra" "m rb"; do
	# shellcheck disable=SC2086
	set -- $x
	bed_exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1
done
bed_exec m tc qdisc replace dev rb root tbf rate 100mbit burst 16k limit 64k || rc=1
check "namespaces a, b over 40 ms RTT, 100 Mbit/s with a 64 KiB queue" [ $rc -eq 0 ]

. testbeds/migrate/lib.sh # ctl, jget, wait_guest, wait_mig, wait_exit, guest_advances
cond() { eval "$1"; }
start_pair() { # TAG PORT
	# shellcheck disable=SC2086
	bed_bg b "$TMP/$1.dst" "$V" run $GUEST --control "$TMP/$1.dsock" --incoming "$B:$2"
	DPID=$BED_LASTPID
	# shellcheck disable=SC2086
	bed_bg a "$TMP/$1.src" env TSVMM_MIG_FAULT="${FAULT:-}" "$V" run $GUEST --control "$TMP/$1.ssock"
	SPID=$BED_LASTPID
	bed_wait_for "$TMP/$1.dst" "waiting for a migration" 5 && wait_guest "$TMP/$1.ssock"
}
params() { # SOCK N
	ctl "$1" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"all\",\"connections\":$2}}"
}
t0=$(date +%s)

echo "-- 3 connections over the shaped path"
if start_pair m3 4801; then
	r=$(params "$TMP/m3.ssock" 3)
	check "connections 3 accepted" [ "$r" = '{"return": {}}' ]
	ctl "$TMP/m3.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:4801\"}}" >/dev/null
	q=""
	while bed_alive "$SPID"; do
		x=$(ctl "$TMP/m3.ssock" '{"execute":"query-migrate"}') && q=$x
		sleep 0.1
		[ $(($(date +%s) - t0)) -lt 50 ] || break
	done
	check "source quit after the destination ran (last status $(jget "$q" status), connections $(jget "$q" connections))" \
		cond '! bed_alive "$SPID" && [ "$(jget "$q" connections)" = 3 ]'
	srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/m3.src")
	dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*/\1/p' "$TMP/m3.dst")
	grep -E "completed: downtime" "$TMP/m3.src" | sed 's/^.*migration/   migration/'
	check "checksums match ($srcsum)" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ]'
	check "destination joined 3 connections" grep -q "3 TCP connections (2 data connections joined)" "$TMP/m3.dst"
	per=$(sed -n 's/.*per connection (control first): //p' "$TMP/m3.dst")
	echo "   bytes per connection: $per"
	# each connection carried at least 1 MB of the ~20 MB of pages
	check "every connection carried pages" cond 'echo "$per" | awk -F" / " "{ for (i = 1; i <= NF; i++) if (\$i < 1000000) exit 1; exit NF != 3 }"'
	passes=$(sed -n 's/.* \([0-9]*\) passes, pages.*/\1/p' "$TMP/m3.dst")
	check "more than one pass crossed the barrier ($passes passes)" cond '[ "${passes:-0}" -ge 2 ]'
	check "guest runs on b" guest_advances "$TMP/m3.dsock"
	ctl "$TMP/m3.dsock" '{"execute":"quit"}' >/dev/null
	wait_exit "$DPID" 5 || bed_stop "$DPID"
else
	fail "m3: both VMs up"
	bed_stop "$DPID" "$SPID"
fi

echo "-- 2 connections over TLS 1.3 (PSK): each data connection has its own handshake"
umask 077
echo "tsvmm:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$TMP/psk"
TG="${GUEST%--migrate-plaintext}--tls-psk $TMP/psk"
# shellcheck disable=SC2086
bed_bg b "$TMP/tls.dst" "$V" run $TG --control "$TMP/tls.dsock" --incoming "$B:4805"
DPID=$BED_LASTPID
# shellcheck disable=SC2086
bed_bg a "$TMP/tls.src" "$V" run $TG --control "$TMP/tls.ssock"
SPID=$BED_LASTPID
if bed_wait_for "$TMP/tls.dst" "waiting for a migration" 5 && wait_guest "$TMP/tls.ssock"; then
	params "$TMP/tls.ssock" 2 >/dev/null
	ctl "$TMP/tls.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:4805\"}}" >/dev/null
	wait_exit "$SPID" 40
	srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/tls.src")
	dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*/\1/p' "$TMP/tls.dst")
	check "TLS, 2 connections: checksums match ($srcsum)" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ]'
	check "TLS, 2 connections: both joined" grep -q "2 TCP connections (1 data connections joined)" "$TMP/tls.dst"
	ctl "$TMP/tls.dsock" '{"execute":"quit"}' >/dev/null
	wait_exit "$DPID" 5 || bed_stop "$DPID"
else
	fail "tls: both VMs up"
	bed_stop "$DPID" "$SPID"
fi

port=4810
for fault in conn-drop conn-wrong-pass; do
	port=$((port + 1))
	echo "-- hostile: $fault"
	if FAULT=$fault start_pair "$fault" $port; then
		params "$TMP/$fault.ssock" 3 >/dev/null
		ctl "$TMP/$fault.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$port\"}}" >/dev/null
		q=$(wait_mig "$TMP/$fault.ssock" 400)
		err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
		echo "   source: $err"
		case $fault in
		conn-drop) want="data connection 1 of 2: .*connection lost" ;;
		*) want="data connection 1 of 2: connection 1: PASS_END of pass 1 in pass 0" ;;
		esac
		check "$fault: migration failed naming the data connection" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q -E "$want"'
		check "$fault: destination logged it and never ran the guest" cond 'grep -q -E "$want" "$TMP/$fault.dst" && ! grep -q "guest running" "$TMP/$fault.dst"'
		check "$fault: source guest runs on" guest_advances "$TMP/$fault.ssock"
		ctl "$TMP/$fault.ssock" '{"execute":"quit"}' >/dev/null
		wait_exit "$SPID" 5 || bed_stop "$SPID"
		wait_exit "$DPID" 5 || bed_stop "$DPID"
	else
		fail "$fault: both VMs up"
		bed_stop "$DPID" "$SPID"
	fi
done

echo "-- refused parameters"
bed_bg a "$TMP/p.src" "$V" run $GUEST --control "$TMP/p.ssock"
PPID_=$BED_LASTPID
if wait_guest "$TMP/p.ssock"; then
	r=$(params "$TMP/p.ssock" 9)
	check "connections 9 refused: $r" cond 'echo "$r" | grep -q "connections.* must be 1 .. 8"'
	ctl "$TMP/p.ssock" '{"execute":"migrate-set-parameters","arguments":{"connections":2,"migrate-disk":true}}' >/dev/null
	ctl "$TMP/p.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:4899\"}}" >/dev/null
	q=$(wait_mig "$TMP/p.ssock")
	err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
	check "connections with migrate-disk refused: $err" cond 'echo "$err" | grep -q "parallel connections carry RAM only"'
	ctl "$TMP/p.ssock" '{"execute":"quit"}' >/dev/null
	wait_exit "$PPID_" 5 || bed_stop "$PPID_"
else
	fail "p: VM up"
fi

san=$(grep -l -E "AddressSanitizer|runtime error:|LeakSanitizer" "$TMP"/*.dst "$TMP"/*.src 2>/dev/null)
check "no sanitizer report (an ASan build: BUILD=build/asan) ${san}" [ -z "$san" ]
bed_cleanup
check "no namespace or tsvmm left" cond '! ip netns list | grep -q "^$BED_PREFIX" && ! pgrep -f "$TMP" >/dev/null'
echo "   duration $(($(date +%s) - t0)) s"
finish
