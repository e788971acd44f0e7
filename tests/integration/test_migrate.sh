#!/bin/sh
# tsvmm live migration end to end: two network namespaces joined by veth, a guest booted in
# "a" migrates to "b" (tsvmm run --incoming) once per dedup mode (none, zero, dup, disk,
# compress, all). Checks: both ends agree on the switchover checksum, the destination guest
# keeps running (its report ring advances), its largest TSC gap is about the downtime, the
# page categories of each mode show up in query-migrate / the statlog. Fault cases: a killed
# destination, a corrupting proxy, a wrong page at the destination (injected apply bug, lost
# dirty log) and a memory-size mismatch: each ends with a clear error, and the source VM keeps
# running with its memory checksum unchanged. Stray connections into the incoming port:
# test_hostile_migrate.sh.
# Needs /dev/kvm (skips only where it is absent), root and ip netns.
. tests/integration/lib.sh
kvm_bed_setup # /dev/kvm, root, ip netns, $BIN/tsvmm (else skip); V, TMP, cleanup traps
PY=$(command -v python3)

A=10.79.0.1
B=10.79.0.2
head -c 8M /dev/urandom >"$TMP/disk.img"
GUEST="--mem 64M --disk $TMP/disk.img --profile zero=0.4,dup=0.2,disk=0.2,random=0.2 \
--dirty-rate 2000 --wss 512 --sample-ms 50 --migrate-plaintext"

rc=0
{ bed_ns_add a && bed_ns_add b && bed_link a veth0 $A b veth0 $B; } || rc=1
check "namespaces a, b joined by veth" [ $rc -eq 0 ]

. testbeds/migrate/lib.sh # ctl, jget, wait_guest, wait_mig, wait_exit
cond() { eval "$1"; } # check "desc" cond 'shell condition'
# start_pair TAG PORT [extra dest args]: destination in b (incoming), source in a; both get
# TSVMM_MIG_FAULT=$FAULT (a fault to inject: see the fault cases below)
start_pair() {
	# shellcheck disable=SC2086
	bed_bg b "$TMP/$1.dst" env TSVMM_MIG_FAULT="${FAULT:-}" "$V" run $GUEST --control "$TMP/$1.dsock" --serial "$TMP/$1.dser" \
		--report "$TMP/$1.report" --incoming "$B:$2" $3
	DPID=$BED_LASTPID
	# shellcheck disable=SC2086
	bed_bg a "$TMP/$1.src" env TSVMM_MIG_FAULT="${FAULT:-}" "$V" run $GUEST --control "$TMP/$1.ssock" --serial "$TMP/$1.sser"
	SPID=$BED_LASTPID
	bed_wait_for "$TMP/$1.dst" "waiting for a migration" 5 && wait_guest "$TMP/$1.ssock"
}
# col TAG COLUMN: the column's value in the last row of TAG's migration statlog
col() { awk -v c="$2" '/^# columns:/ { for (i = 3; i <= NF; i++) if ($i == c) k = i - 2 }
	!/^#/ && k { v = $k } END { print v + 0 }' "$TMP/$1.statlog"; }

t0=$(date +%s)
port=4500
for mode in none zero dup disk compress all; do
	port=$((port + 1))
	echo "-- mode $mode"
	if ! start_pair "$mode" $port; then
		fail "$mode: both VMs up"
		bed_stop "$DPID" "$SPID"
		continue
	fi
	ctl "$TMP/$mode.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"$mode\",\"statlog\":\"$TMP/$mode.statlog\"}}" >/dev/null
	r=$(ctl "$TMP/$mode.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$port\"}}")
	check "$mode: migrate accepted" [ "$r" = '{"return": {}}' ]
	check "$mode: source quits after the destination runs" wait_exit "$SPID" 10
	srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/$mode.src")
	dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*/\1/p' "$TMP/$mode.dst")
	check "$mode: checksums match ($srcsum)" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ]'
	s1=$(ctl "$TMP/$mode.dsock" '{"execute":"query-status"}')
	sleep 0.3
	s2=$(ctl "$TMP/$mode.dsock" '{"execute":"query-status"}')
	check "$mode: guest runs on b (samples $(jget "$s1" samples) -> $(jget "$s2" samples))" cond '[ "$(jget "$s2" status)" = running ] && [ "$(jget "$s2" samples)" -gt "$(jget "$s1" samples)" ]'
	check "$mode: guest still dirties memory on b" [ "$(jget "$s2" dirtied)" -gt "$(jget "$s1" dirtied)" ]
	down=$(sed -n 's/.*downtime \([0-9.]*\) ms (source.*/\1/p' "$TMP/$mode.dst")
	# the guest saw its stop: a GAP record (its largest TSC gap in the report statlog) of
	# about the downtime (longer by the vCPU start latency; other gaps: host scheduling)
	gap=$(awk -v d="$down" '!/^#/ && $2 == 4 { g = $3 / 1e6; if (g >= d * 0.8 && g <= d * 2 + 50) { print g; exit } }' \
		"$TMP/$mode.report")
	check "$mode: guest TSC gap ${gap:-none} ms ~ downtime $down ms" [ -n "$gap" ]
	note=$(grep '^# completed' "$TMP/$mode.statlog")
	echo "   $note"
	z=$(col "$mode" zero); du=$(col "$mode" dup); dk=$(col "$mode" disk)
	cz=$(col "$mode" compressed); fu=$(col "$mode" full)
	echo "   pages: zero $z dup $du disk $dk compressed $cz full $fu"
	case $mode in
	none) check "none: every page full" cond '[ "$z$du$dk$cz" = 0000 ] && [ "$fu" -ge 16384 ]' ;;
	zero) check "zero: zero pages as flags, nothing else" cond '[ "$z" -gt 5000 ] && [ "$du$dk$cz" = 000 ]' ;;
	dup) check "dup: duplicates by hash" cond '[ "$du" -gt 5000 ] && [ "$z$dk$cz" = 000 ]' ;;
	disk) check "disk: disk block references" cond '[ "$dk" -gt 2000 ] && [ "$z$du$cz" = 000 ]' ;;
	compress) check "compress: compressed pages" cond '[ "$cz" -gt 5000 ] && [ "$z$du$dk" = 000 ]' ;;
	all) check "all: every category" cond '[ "$z" -gt 0 ] && [ "$du" -gt 0 ] && [ "$dk" -gt 0 ]' ;;
	esac
	ctl "$TMP/$mode.dsock" '{"execute":"quit"}' >/dev/null
	wait_exit "$DPID" 5 || bed_stop "$DPID"
done

echo "-- fault: destination killed mid-migration"
if start_pair kill 4600; then
	ctl "$TMP/kill.ssock" '{"execute":"migrate-set-parameters","arguments":{"mode":"none","max-bandwidth":20000000}}' >/dev/null
	ctl "$TMP/kill.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:4600\"}}" >/dev/null
	sleep 0.7
	kill -9 "$DPID"
	q=$(wait_mig "$TMP/kill.ssock")
	check "killed destination: migration failed" [ "$(jget "$q" status)" = failed ]
	err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
	check "killed destination: clear error ($err)" sh -c "echo '$err' | grep -q -E 'connection lost|peer'"
	s1=$(ctl "$TMP/kill.ssock" '{"execute":"query-status"}')
	sleep 0.3
	s2=$(ctl "$TMP/kill.ssock" '{"execute":"query-status"}')
	check "killed destination: source keeps running" cond '[ "$(jget "$s2" status)" = running ] && [ "$(jget "$s2" samples)" -gt "$(jget "$s1" samples)" ]'
	ctl "$TMP/kill.ssock" '{"execute":"quit"}' >/dev/null
	wait_exit "$SPID" 5 || bed_stop "$SPID"
else
	fail "kill: both VMs up"
fi

# proxy LISTEN_PORT TARGET_HOST TARGET_PORT FLIP_AT: forwards one connection, flipping one
# byte of the source's stream at offset FLIP_AT
PROXY='import socket, sys, threading
lp, th, tp, at = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", lp)); ls.listen(1); print("proxy ready", flush=True)
c, _ = ls.accept(); u = socket.create_connection((th, tp))
def back():
    try:
        while True:
            d = u.recv(65536)
            if not d: break
            c.sendall(d)
    except OSError: pass
    c.close()
threading.Thread(target=back, daemon=True).start()
n = 0
try:
    while True:
        d = bytearray(c.recv(65536))
        if not d: break
        if n <= at < n + len(d): d[at - n] ^= 0x40
        n += len(d); u.sendall(d)
except OSError: pass
u.close()'

echo "-- fault: corrupting proxy (source paused: its memory must not change)"
if [ -z "$PY" ]; then
	echo "   SKIP: no python3 for the proxy"
elif start_pair corrupt 4700; then
	bed_bg a "$TMP/proxy.log" "$PY" -c "$PROXY" 4701 $B 4700 3000000
	bed_wait_for "$TMP/proxy.log" "proxy ready" 5
	ctl "$TMP/corrupt.ssock" '{"execute":"stop"}' >/dev/null
	c1=$(ctl "$TMP/corrupt.ssock" '{"execute":"x-memory-checksum"}')
	ctl "$TMP/corrupt.ssock" '{"execute":"migrate-set-parameters","arguments":{"mode":"all"}}' >/dev/null
	ctl "$TMP/corrupt.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$A:4701\"}}" >/dev/null
	q=$(wait_mig "$TMP/corrupt.ssock")
	check "corrupted stream: migration failed" [ "$(jget "$q" status)" = failed ]
	check "corrupted stream: destination refused and exited" wait_exit "$DPID" 5
	grep "incoming migration failed" "$TMP/corrupt.dst" | sed 's/^/   /'
	check "corrupted stream: destination names the corruption" grep -q -E "corrupted|check mismatch|checksum mismatch|unexpected|beyond|bad" "$TMP/corrupt.dst"
	check "corrupted stream: destination never ran the guest" sh -c "! grep -q 'guest running' '$TMP/corrupt.dst'"
	c2=$(ctl "$TMP/corrupt.ssock" '{"execute":"x-memory-checksum"}')
	check "corrupted stream: source memory checksum unchanged ($(jget "$c1" checksum))" cond '[ -n "$(jget "$c1" checksum)" ] && [ "$(jget "$c1" checksum)" = "$(jget "$c2" checksum)" ]'
	check "corrupted stream: source still paused as the user left it" [ "$(jget "$(ctl "$TMP/corrupt.ssock" '{"execute":"query-status"}')" status)" = paused ]
	ctl "$TMP/corrupt.ssock" '{"execute":"cont"}' >/dev/null
	s1=$(ctl "$TMP/corrupt.ssock" '{"execute":"query-status"}')
	sleep 0.3
	s2=$(ctl "$TMP/corrupt.ssock" '{"execute":"query-status"}')
	check "corrupted stream: source runs on after cont" [ "$(jget "$s2" samples)" -gt "$(jget "$s1" samples)" ]
	ctl "$TMP/corrupt.ssock" '{"execute":"quit"}' >/dev/null
	wait_exit "$SPID" 5 || bed_stop "$SPID"
else
	fail "corrupt: both VMs up"
fi

# The switchover checksum is the last line of defence: a page that is wrong at the
# destination must stop the switch even when every record arrived intact. Two injected bugs
# (TSVMM_MIG_FAULT, read by vmm/migrate only for these tests): "dst-page=N" makes the
# destination write one wrong byte into page N each time it applies it (a buggy apply);
# "lose-dirty" makes the source drop every dirty log after pass 0 (a dirty-tracking bug: the
# destination keeps stale pages, only the source's re-read of its RAM at the stop shows it).
port=4710
for fault in dst-page=5000 lose-dirty; do
	port=$((port + 1))
	tag=f$port
	echo "-- fault: wrong page at the destination ($fault)"
	if FAULT=$fault start_pair $tag $port; then
		ctl "$TMP/$tag.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$port\"}}" >/dev/null
		q=$(wait_mig "$TMP/$tag.ssock")
		err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
		check "$fault: migration failed: ${err%%: source*}" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q "checksum mismatch"'
		check "$fault: destination refused and exited" wait_exit "$DPID" 5
		check "$fault: destination never ran the guest" sh -c "! grep -q 'guest running' '$TMP/$tag.dst'"
		s1=$(ctl "$TMP/$tag.ssock" '{"execute":"query-status"}')
		sleep 0.3
		s2=$(ctl "$TMP/$tag.ssock" '{"execute":"query-status"}')
		check "$fault: source runs on" cond '[ "$(jget "$s2" status)" = running ] && [ "$(jget "$s2" samples)" -gt "$(jget "$s1" samples)" ]'
		ctl "$TMP/$tag.ssock" '{"execute":"quit"}' >/dev/null
		wait_exit "$SPID" 5 || bed_stop "$SPID"
	else
		fail "$fault: both VMs up"
	fi
	bed_stop "$DPID" 2>/dev/null
done

echo "-- fault: memory size mismatch"
if start_pair size 4900 "--mem 128M"; then
	ctl "$TMP/size.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:4900\"}}" >/dev/null
	q=$(wait_mig "$TMP/size.ssock")
	err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
	check "size mismatch refused: $err" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q "MiB"'
	check "size mismatch: source runs on" [ "$(jget "$(ctl "$TMP/size.ssock" '{"execute":"query-status"}')" status)" = running ]
	ctl "$TMP/size.ssock" '{"execute":"quit"}' >/dev/null
	wait_exit "$SPID" 5 || bed_stop "$SPID"
else
	fail "size: both VMs up"
fi

bed_cleanup
check "no namespace or tsvmm left" cond '! ip netns list | grep -q "^$BED_PREFIX" && ! pgrep -f "$TMP" >/dev/null'
echo "   duration $(($(date +%s) - t0)) s"
finish
