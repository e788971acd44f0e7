#!/bin/sh
# tsvmm migration over TLS 1.3 with a pre-shared key (two namespaces joined by veth).
# Checks: without credentials (and without --migrate-plaintext) --incoming and migrate refuse
# with a clear error; a bad key file is refused naming the file; against a TLS destination a
# plaintext source, a wrong key and a wrong identity are each refused at the handshake (the
# source names why, the destination logs the peer and waits on), then the right key migrates
# with matching checksums; a TLS source against a plaintext destination fails clearly.
# Needs /dev/kvm, root and ip netns.
. tests/integration/lib.sh
kvm_bed_setup # /dev/kvm, root, ip netns, $BIN/tsvmm (else skip); V, TMP, cleanup traps

A=10.87.0.1
B=10.87.0.2
GUEST="--mem 64M --profile zero=0.4,dup=0.2,random=0.4 --dirty-rate 2000 --wss 512 --sample-ms 50"
hexkey() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
umask 077
echo "tsvmm:$(hexkey)" >"$TMP/k1"
echo "tsvmm:$(hexkey)" >"$TMP/k2"                # same identity, another key
echo "intruder:$(sed 's/.*://' "$TMP/k1")" >"$TMP/k3" # the right key, another identity
echo "tsvmm:$(sed 's/.*://' "$TMP/k1")" >"$TMP/open"
chmod 644 "$TMP/open"

rc=0
{ bed_ns_add a && bed_ns_add b && bed_link a veth0 $A b veth0 $B; } || rc=1
check "namespaces a, b joined by veth" [ $rc -eq 0 ]
. testbeds/migrate/lib.sh # ctl, jget, wait_guest, wait_mig, wait_exit
cond() { eval "$1"; }
# mig SOCK URI [EXTRA_JSON]: start a migration, wait for its end, print query-migrate
mig() {
	ctl "$1" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"$2\"$3}}" >/dev/null
	wait_mig "$1"
}
errof() { echo "$1" | sed -n 's/.*"\(error\|desc\)": "\([^"]*\)".*/\2/p'; }
# refusals SINCE FILE: the destination's "refused" lines after the first SINCE of them
nref() { grep -c "refused $A:" "$1"; }

echo "-- credentials are required"
# shellcheck disable=SC2086
out=$("$V" run $GUEST --incoming "$B:5101" 2>&1)
rc=$?
check "--incoming without credentials: exit 2 ($rc)" cond '[ $rc -eq 2 ] && echo "$out" | grep -q "no migration credentials"'
echo "   $out"
# shellcheck disable=SC2086
"$V" run $GUEST --incoming "$B:5101" --tls-psk "$TMP/k1" --migrate-plaintext >/dev/null 2>&1
check "--tls-psk with --migrate-plaintext: exit 2" [ $? -eq 2 ]
# shellcheck disable=SC2086
out=$(bed_exec b "$V" run $GUEST --incoming "$B:5101" --tls-psk "$TMP/open" 2>&1)
check "group-readable key file refused, named: $(echo "$out" | tail -n 1)" cond 'echo "$out" | grep -q "$TMP/open: readable by group or others"'
# shellcheck disable=SC2086
out=$("$V" run $GUEST --tls-psk "$TMP/nonexistent" 2>&1)
rc=$?
check "missing key file (source): exit 2 ($rc), named" cond '[ $rc -eq 2 ] && echo "$out" | grep -q "$TMP/nonexistent: No such file"'

# the destination in b: TLS with k1; one source in a without credentials of its own
# shellcheck disable=SC2086
bed_bg b "$TMP/dst" "$V" run $GUEST --control "$TMP/dsock" --incoming "$B:5100" --tls-psk "$TMP/k1"
DPID=$BED_LASTPID
# shellcheck disable=SC2086
bed_bg a "$TMP/src" "$V" run $GUEST --control "$TMP/ssock"
SPID=$BED_LASTPID
if ! bed_wait_for "$TMP/dst" "waiting for a migration" 5 || ! wait_guest "$TMP/ssock"; then
	fail "both VMs up"
	finish
	exit 1
fi
r=$(ctl "$TMP/ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:5100\"}}")
check "migrate without credentials refused: $(errof "$r")" cond 'echo "$r" | grep -q "no migration credentials"'

echo "-- hostile or mistaken sources against the TLS destination"
n=0
for case in "plaintext|, \"plaintext\": true|requires TLS" \
	"wrong key|, \"tls-psk\": \"$TMP/k2\"|TLS handshake.*wrong key" \
	"wrong identity|, \"tls-psk\": \"$TMP/k3\"|username is missing or not known"; do
	name=${case%%|*}
	rest=${case#*|}
	extra=${rest%%|*}
	want=${rest#*|}
	n=$((n + 1))
	q=$(mig "$TMP/ssock" "tcp:$B:5100" "$extra")
	e=$(errof "$q")
	check "$name: migration failed: $e" cond '[ "$(jget "$q" status)" = failed ] && echo "$e" | grep -q "$want"'
	_t=60
	while [ "$(nref "$TMP/dst")" -lt $n ] && [ $_t -gt 0 ]; do sleep 0.05; _t=$((_t - 1)); done
	check "$name: destination refused it ($(grep "refused $A:" "$TMP/dst" | sed -n "${n}p" | sed 's/.*refused //')) and waits on" cond '[ "$(nref "$TMP/dst")" -eq $n ] && bed_alive "$DPID"'
	check "$name: source guest runs on" [ "$(jget "$(ctl "$TMP/ssock" '{"execute":"query-status"}')" status)" = running ]
done
check "destination never ran a guest" sh -c "! grep -q 'guest running' '$TMP/dst'"

echo "-- the right key"
q=$(mig "$TMP/ssock" "tcp:$B:5100" ", \"tls-psk\": \"$TMP/k1\"")
check "TLS migration: source quits after the destination runs" wait_exit "$SPID" 10
srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/src")
dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*/\1/p' "$TMP/dst")
check "TLS migration: checksums match ($srcsum)" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ]'
check "TLS 1.3 with the PSK on both ends: $(sed -n 's/.*migration from [^:]*:[0-9]*: //p' "$TMP/dst")" cond 'grep -q "migration from $A:.*TLS1.3 ECDHE-PSK .*PSK identity .tsvmm." "$TMP/dst" && grep -q "migration to tcp:$B:5100: TLS1.3 ECDHE-PSK" "$TMP/src"'
s1=$(ctl "$TMP/dsock" '{"execute":"query-status"}')
sleep 0.3
s2=$(ctl "$TMP/dsock" '{"execute":"query-status"}')
check "TLS migration: guest runs on b" cond '[ "$(jget "$s2" status)" = running ] && [ "$(jget "$s2" samples)" -gt "$(jget "$s1" samples)" ]'
ctl "$TMP/dsock" '{"execute":"quit"}' >/dev/null
wait_exit "$DPID" 5 || bed_stop "$DPID"

echo "-- a TLS source against a plaintext destination"
# shellcheck disable=SC2086
bed_bg b "$TMP/pdst" "$V" run $GUEST --incoming "$B:5102" --migrate-plaintext
PDPID=$BED_LASTPID
# shellcheck disable=SC2086
bed_bg a "$TMP/psrc" "$V" run $GUEST --control "$TMP/psock" --tls-psk "$TMP/k1"
if bed_wait_for "$TMP/pdst" "waiting for a migration" 5 && wait_guest "$TMP/psock"; then
	q=$(mig "$TMP/psock" "tcp:$B:5102")
	e=$(errof "$q")
	check "TLS to plaintext: migration failed clearly: $e" cond '[ "$(jget "$q" status)" = failed ] && echo "$e" | grep -q "TLS handshake"'
	bed_wait_for "$TMP/pdst" "refused" 3
	check "plaintext destination names the TLS client, waits on" cond 'grep -q "refused $A:.*a TLS client" "$TMP/pdst" && bed_alive "$PDPID"'
	check "TLS to plaintext: source guest runs on" [ "$(jget "$(ctl "$TMP/psock" '{"execute":"query-status"}')" status)" = running ]
else
	fail "plaintext pair up"
fi

echo "-- the TLS destination killed mid-migration: the source VM must live on"
# shellcheck disable=SC2086
bed_bg b "$TMP/kdst" "$V" run $GUEST --incoming "$B:5104" --tls-psk "$TMP/k1"
KDPID=$BED_LASTPID
# shellcheck disable=SC2086
bed_bg a "$TMP/ksrc" "$V" run $GUEST --control "$TMP/ksock" --tls-psk "$TMP/k1"
KSPID=$BED_LASTPID
if bed_wait_for "$TMP/kdst" "waiting for a migration" 5 && wait_guest "$TMP/ksock"; then
	ctl "$TMP/ksock" '{"execute":"migrate-set-parameters","arguments":{"mode":"none","max-bandwidth":20000000}}' >/dev/null
	ctl "$TMP/ksock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:5104\"}}" >/dev/null
	sleep 0.7
	kill -9 "$KDPID"
	q=$(wait_mig "$TMP/ksock")
	check "killed TLS destination: migration failed: $(errof "$q")" [ "$(jget "$q" status)" = failed ]
	check "query-migrate names the transport: $(echo "$q" | sed -n 's/.*"transport": "\([^"]*\)".*/\1/p')" cond 'echo "$q" | grep -q "\"transport\": \"TLS1.3 ECDHE-PSK .*PSK identity"'
	s1=$(ctl "$TMP/ksock" '{"execute":"query-status"}')
	sleep 0.3
	s2=$(ctl "$TMP/ksock" '{"execute":"query-status"}')
	check "killed TLS destination: source VMM alive, guest runs on" cond 'bed_alive "$KSPID" && [ "$(jget "$s2" status)" = running ] && [ "$(jget "$s2" samples)" -gt "$(jget "$s1" samples)" ]'
else
	fail "kill pair up"
fi

echo "-- X.509: certificates from one CA on both ends (the destination requires the source's)"
x509() { echo "--tls-cert $TMP/$1-$2.pem --tls-key $TMP/$1-$2.key --tls-ca $TMP/$3-ca.pem"; }
x509j() { echo ", \"tls-cert\": \"$TMP/$1-$2.pem\", \"tls-key\": \"$TMP/$1-$2.key\", \"tls-ca\": \"$TMP/$3-ca.pem\""; }
if ! command -v openssl >/dev/null || ! mkcerts "$TMP" good $B || ! mkcerts "$TMP" evil $B; then
	echo "   SKIP: openssl cannot make test certificates"
else
	# shellcheck disable=SC2086
	bed_bg b "$TMP/xdst" "$V" run $GUEST --control "$TMP/xdsock" --incoming "$B:5103" $(x509 good srv good)
	XDPID=$BED_LASTPID
	# shellcheck disable=SC2086
	bed_bg a "$TMP/xsrc" "$V" run $GUEST --control "$TMP/xsock" $(x509 good cli good)
	XSPID=$BED_LASTPID
	if bed_wait_for "$TMP/xdst" "waiting for a migration" 5 && wait_guest "$TMP/xsock"; then
		q=$(mig "$TMP/xsock" "tcp:$B:5103" "$(x509j evil cli good)")
		e=$(errof "$q")
		check "X.509: a client certificate from another CA is refused: $e" cond '[ "$(jget "$q" status)" = failed ] && echo "$e" | grep -q "TLS.*certificate"'
		bed_wait_for "$TMP/xdst" "refused" 3
		check "X.509: destination names it ($(sed -n 's/.*refused //p' "$TMP/xdst" | head -n 1)), waits on" cond 'grep -q "refused $A:.*TLS handshake" "$TMP/xdst" && bed_alive "$XDPID"'
		q=$(mig "$TMP/xsock" "tcp:$B:5103" "$(x509j good cli evil)")
		e=$(errof "$q")
		check "X.509: the source refuses a destination its CA did not sign: $e" cond '[ "$(jget "$q" status)" = failed ] && echo "$e" | grep -q "certificate"'
		q=$(mig "$TMP/xsock" "tcp:$B:5103" ", \"tls-hostname\": \"10.99.9.9\"")
		e=$(errof "$q")
		check "X.509: the source refuses a certificate for another host: $e" cond '[ "$(jget "$q" status)" = failed ] && echo "$e" | grep -q "certificate"'
		mig "$TMP/xsock" "tcp:$B:5103" >/dev/null
		check "X.509 migration: source quits after the destination runs" wait_exit "$XSPID" 10
		srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/xsrc")
		dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*/\1/p' "$TMP/xdst")
		check "X.509 migration: checksums match ($srcsum), $(sed -n 's/.*migration from [^:]*:[0-9]*: //p' "$TMP/xdst")" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ] && grep -q "migration from $A:.*TLS1.3.*X.509" "$TMP/xdst"'
	else
		fail "X.509 pair up"
	fi
fi

bed_cleanup
check "no namespace or tsvmm left" cond '! ip netns list | grep -q "^$BED_PREFIX" && ! pgrep -f "$TMP" >/dev/null'
finish
