#!/bin/sh
# Hostile and stray connections into tsvmm's incoming migration port (issue #9). A plaintext
# destination (--migrate-plaintext) and then a TLS one (--tls-psk) each get, one after the
# other: text (echo hello | nc), a port scan (connect, close), a reset, a silent peer, hostile
# record streams (bad HELLO length, huge PAGES, bad check, truncated, HTTP) or, for TLS,
# garbage and truncated ClientHellos and a plaintext tsvmm HELLO. Each must be refused and
# logged with the peer's address and the reason while the listener waits on (nothing is
# written to guest memory before a peer is accepted); a silent peer alone is dropped at the
# 5 s handshake timeout, and one that is silent while the real source waits gives way after
# 1 s. Then the real migration succeeds with matching checksums. With BUILD=build/asan any
# sanitizer report in a tsvmm log is a failure. Needs /dev/kvm, root, ip netns and python3.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
PY=$(command -v python3) || skip_all "no python3 for the stray clients"
kvm_bed_setup # /dev/kvm, root, ip netns, $BIN/tsvmm (else skip); V, TMP, cleanup traps

A=10.89.0.1
B=10.89.0.2
GUEST="--mem 64M --profile zero=0.4,dup=0.2,random=0.4 --dirty-rate 2000 --wss 512 --sample-ms 50"
(umask 077 && echo "hostile:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$TMP/psk")
rc=0
{ bed_ns_add a && bed_ns_add b && bed_link a veth0 $A b veth0 $B; } || rc=1
check "namespaces a, b joined by veth" [ $rc -eq 0 ]
. testbeds/migrate/lib.sh # ctl, jget, wait_guest, wait_exit
cond() { eval "$1"; }

# stray HOST PORT KIND [HEX]: text (echo hello | nc), close (a port scan: connect, close),
# reset (connect, RST), silent (connect, say nothing for 7 s), hex (send these bytes, close)
STRAY='import socket, struct, sys, time
h, p, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((h, p))
if kind == "text": s.sendall(b"hello\n"); time.sleep(0.2)
elif kind == "reset": s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
elif kind == "silent": time.sleep(7)
elif kind == "hex": s.sendall(bytes.fromhex(sys.argv[4])); time.sleep(0.2)
s.close()'

# run TAG PORT CRED KIND...: destination (CRED) in b, source in a; each stray KIND is
# refused with the listener waiting on; then a silent peer and the real migration together
run() {
	tag=$1 port=$2 cred=$3
	shift 3
	# shellcheck disable=SC2086
	bed_bg b "$TMP/$tag.dst" "$V" run $GUEST $cred --control "$TMP/$tag.dsock" --incoming "$B:$port"
	dpid=$BED_LASTPID
	# shellcheck disable=SC2086
	bed_bg a "$TMP/$tag.src" "$V" run $GUEST $cred --control "$TMP/$tag.ssock"
	spid=$BED_LASTPID
	if ! bed_wait_for "$TMP/$tag.dst" "waiting for a migration" 5 || ! wait_guest "$TMP/$tag.ssock"; then
		fail "$tag: both VMs up"
		return
	fi
	n=0
	for k in "$@"; do
		n=$((n + 1))
		if [ "$k" = silent ]; then # alone: it holds the listener up to the handshake timeout
			bed_bg a "$TMP/$tag.silent0" "$PY" -c "$STRAY" $B "$port" silent
		else
			# shellcheck disable=SC2086
			bed_exec a "$PY" -c "$STRAY" $B "$port" $k
		fi
		_t=200
		while [ "$(grep -c "still waiting" "$TMP/$tag.dst")" -lt $n ] && [ $_t -gt 0 ]; do
			sleep 0.05
			_t=$((_t - 1))
		done
		why=$(grep "refused $A:" "$TMP/$tag.dst" | sed -n "${n}p" | sed 's/.*incoming: refused //')
		check "$tag: stray $n (${k%% *}) refused, listener waits on: $why" cond '[ "$(grep -c "still waiting" "$TMP/$tag.dst")" -eq $n ] && bed_alive $dpid && [ -n "$why" ]'
	done
	check "$tag: silent peer alone dropped on the handshake timeout" grep -q "refused $A:.*handshake timeout" "$TMP/$tag.dst"
	# a silent peer gives way after 1 s when another connection waits: the real source,
	# connecting meanwhile, waits in the backlog and then migrates
	bed_bg a "$TMP/$tag.silent1" "$PY" -c "$STRAY" $B "$port" silent
	# the silent peer must be connected before the real source (the backlog is FIFO): under
	# ASan and load the interpreter took longer than a fixed 0.5 s and the source came first
	_t=100
	while [ -z "$(bed_exec b ss -Htn state established "( sport = :$port )" 2>/dev/null)" ] &&
		[ $_t -gt 0 ]; do
		sleep 0.05
		_t=$((_t - 1))
	done
	sleep 0.2
	r=$(ctl "$TMP/$tag.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$port\"}}")
	check "$tag: migrate accepted" [ "$r" = '{"return": {}}' ]
	check "$tag: source quits after the destination runs" wait_exit "$spid" 20
	check "$tag: silent peer gave way to the real source" grep -q "refused $A:.*silent for 1000 ms while another peer waits" "$TMP/$tag.dst"
	srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/$tag.src")
	dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*/\1/p' "$TMP/$tag.dst")
	check "$tag: checksums match ($srcsum)" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ]'
	check "$tag: guest runs on b" [ "$(jget "$(ctl "$TMP/$tag.dsock" '{"execute":"query-status"}')" status)" = running ]
	grep -E "refused|migration from" "$TMP/$tag.dst" | sed 's/^/   /'
	ctl "$TMP/$tag.dsock" '{"execute":"quit"}' >/dev/null
	wait_exit "$dpid" 5 || bed_stop "$dpid"
	check "$tag: no sanitizer report" sh -c "! grep -q -E 'Sanitizer|runtime error' '$TMP/$tag.dst' '$TMP/$tag.src'"
}

HELLO="0100000048000000000000000000000054474d4901000000$(printf '%0128d' 0)"
echo "-- plaintext destination"
run plain 4801 --migrate-plaintext text close reset silent \
	"hex 0100000040000000000000000000000054474d4901" \
	"hex 02000000ffffffff000000000000000000" \
	"hex $HELLO" \
	"hex 010000004800000000000000000000005447" \
	"hex 474554202f20485454502f312e310d0a0d0a" \
	"hex 160301007a0100007603035a5a"
echo "-- TLS destination (pre-shared key)"
run tls 4802 "--tls-psk $TMP/psk" text close reset silent \
	"hex $HELLO" \
	"hex 16030100ff$(printf '%0510d' 0)" \
	"hex 160301007a0100007603035a5a" \
	"hex 1603010004deadbeef" \
	"hex 474554202f20485454502f312e310d0a0d0a"

bed_cleanup
check "no namespace or tsvmm left" cond '! ip netns list | grep -q "^$BED_PREFIX" && ! pgrep -f "$TMP" >/dev/null'
finish
