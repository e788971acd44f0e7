#!/bin/sh
# tsvmm evacuate end to end: three 64 MiB guests in namespace "a" move to three incoming
# tsvmm in "b" (veth, 200 Mbit/s HTB on a's egress) under a 160 Mbit/s budget, once with the
# controller and once sequentially. Checks: every VM completes, the destination guests run
# and keep dirtying, the table and totals are printed, the measured mean rate stays within
# the budget, --simulate prints the three policies. The migrations run over TLS 1.3 with a
# pre-shared key that evacuate passes to the sources (they have no credentials of their own;
# the destinations have the key). Needs /dev/kvm, root and ip netns.
. tests/integration/lib.sh
kvm_bed_setup # /dev/kvm, root, ip netns, $BIN/tsvmm (else skip); V, TMP, cleanup traps

A=10.81.0.1
B=10.81.0.2
rc=0
{ bed_ns_add a && bed_ns_add b && bed_link a veth0 $A b veth0 $B; } || rc=1
bed_exec a tc qdisc replace dev veth0 root tbf rate 200mbit burst 256kb latency 50ms || rc=1
check "namespaces a, b joined by a 200 Mbit/s veth" [ $rc -eq 0 ]

. testbeds/migrate/lib.sh # ctl, jget, wait_guest
cond() { eval "$1"; }
(umask 077 && echo "evac:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$TMP/psk")

# run_evac TAG POLICY: 3 pairs, evacuate, leaves $TMP/TAG.out
run_evac() {
	args=""
	up=0
	for i in 0 1 2; do
		port=$((4700 + i))
		g="--mem 64M --profile zero=0.5,dup=0.2,random=0.3 --wss 1024 --dirty-rate $((500 + 1500 * i)) --sample-ms 50"
		# shellcheck disable=SC2086
		bed_bg b "$TMP/$1.d$i" "$V" run $g --tls-psk "$TMP/psk" --control "$TMP/$1.dsock$i" --incoming "$B:$port"
		# shellcheck disable=SC2086
		bed_bg a "$TMP/$1.s$i" "$V" run $g --control "$TMP/$1.ssock$i"
		bed_wait_for "$TMP/$1.d$i" "waiting for a migration" 5 && wait_guest "$TMP/$1.ssock$i" && up=$((up + 1))
		args="$args $TMP/$1.ssock$i=$B:$port,$TMP/$1.dsock$i"
	done
	check "$1: 3 source and 3 incoming VMs up" [ $up -eq 3 ]
	# shellcheck disable=SC2086
	bed_exec a timeout 60 "$V" evacuate --tls-psk "$TMP/psk" --budget 160Mbit --policy "$2" --mode all $args >"$TMP/$1.out" 2>&1
	erc=$?
	cat "$TMP/$1.out" | sed 's/^/   /'
	check "$1: evacuate exits 0" [ $erc -eq 0 ]
	check "$1: 3 VMs completed" [ "$(grep -c ' completed$' "$TMP/$1.out")" -eq 3 ]
	check "$1: 3 destinations received over TLS 1.3 with the key" [ "$(cat "$TMP/$1".d? | grep -c "migration from .*TLS1.3.*PSK identity 'evac'")" -eq 3 ]
	check "$1: totals line" grep -q "^total: policy" "$TMP/$1.out"
	rate=$(sed -n 's/.*mean rate \([0-9.]*\) Mbit.*/\1/p' "$TMP/$1.out")
	check "$1: mean rate $rate Mbit/s within the 160 Mbit/s budget" awk -v r="$rate" 'BEGIN { exit !(r > 0 && r <= 160 * 1.05) }'
	runs=0
	for i in 0 1 2; do
		s1=$(ctl "$TMP/$1.dsock$i" '{"execute":"query-status"}')
		sleep 0.15
		s2=$(ctl "$TMP/$1.dsock$i" '{"execute":"query-status"}')
		[ "$(jget "$s2" status)" = running ] && [ "$(jget "$s2" dirtied)" -gt "$(jget "$s1" dirtied)" ] && runs=$((runs + 1))
	done
	check "$1: 3 destination guests run and dirty memory" [ $runs -eq 3 ]
	for i in 0 1 2; do
		ctl "$TMP/$1.dsock$i" '{"execute":"quit"}' >/dev/null
	done
	sleep 0.3
}

run_evac ctl controller
run_evac seq sequential
# X.509 through evacuate's relay: the source connects to 127.0.0.1, evacuate names the
# destination (tls-hostname) so that the certificate for DST_ADDR verifies
if command -v openssl >/dev/null && mkcerts "$TMP" x $B; then
	g="--mem 64M --profile zero=0.5,random=0.5 --wss 256 --dirty-rate 500 --sample-ms 50"
	# shellcheck disable=SC2086
	bed_bg b "$TMP/x.d" "$V" run $g --tls-cert "$TMP/x-srv.pem" --tls-key "$TMP/x-srv.key" --tls-ca "$TMP/x-ca.pem" --control "$TMP/x.dsock" --incoming "$B:4710"
	# shellcheck disable=SC2086
	bed_bg a "$TMP/x.s" "$V" run $g --control "$TMP/x.ssock"
	bed_wait_for "$TMP/x.d" "waiting for a migration" 5 && wait_guest "$TMP/x.ssock"
	bed_exec a timeout 60 "$V" evacuate --tls-cert "$TMP/x-cli.pem" --tls-key "$TMP/x-cli.key" --tls-ca "$TMP/x-ca.pem" \
		--budget 160Mbit "$TMP/x.ssock=$B:4710,$TMP/x.dsock" >"$TMP/x.out" 2>&1
	erc=$?
	check "X.509 evacuate through the relay: exit $erc, completed, the destination saw the certificate" cond '[ $erc -eq 0 ] && grep -q " completed$" "$TMP/x.out" && grep -q "migration from .*TLS1.3.*X.509" "$TMP/x.d"'
	ctl "$TMP/x.dsock" '{"execute":"quit"}' >/dev/null
else
	echo "   SKIP: openssl cannot make test certificates"
fi
check "both runs end with a score" [ "$(cat "$TMP/ctl.out" "$TMP/seq.out" | grep -c "score (makespan + mean duration)")" -eq 2 ]

out=$("$V" evacuate --simulate wan)
check "--simulate wan prints 3 policies" [ "$(echo "$out" | grep -c '^wan ')" -eq 3 ]
"$V" evacuate --policy nope x=1.2.3.4:5 >/dev/null 2>&1
check "bad policy: exit 2" [ $? -eq 2 ]
"$V" evacuate --budget 1G /nonexistent.sock=10.0.0.1:1 >/dev/null 2>&1
check "missing control socket: exit 1" [ $? -eq 1 ]
out=$("$V" evacuate --budget 1G --tls-psk "$TMP/nokey" x.sock=10.0.0.1:1 2>&1)
rc=$?
check "missing key file: exit 2, named ($out)" cond '[ $rc -eq 2 ] && echo "$out" | grep -q "$TMP/nokey: No such file"'
out=$("$V" evacuate --budget 1G --tls-psk "$TMP/psk" --migrate-plaintext x.sock=10.0.0.1:1 2>&1)
check "--tls-psk with --migrate-plaintext: refused" cond 'echo "$out" | grep -q contradicts'

bed_cleanup
check "namespaces removed" [ -z "$(ip netns list | grep "^$BED_PREFIX")" ]
finish
