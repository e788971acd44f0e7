#!/bin/sh
# tsvmm migrate-disk: the disk image moves with the VM (a DISK region in the migration
# stream, migrate-set-parameters {"migrate-disk": true}; off by default). The source and the
# destination have disk images of the same size and different content; after the migration
# the destination's image equals the source's (cmp) and the switchover checksum (which then
# covers every disk block) matches. Also: off by default the destination's image is left
# alone; a block written wrong at the destination (injected fault) is refused by the
# checksum; a destination without a disk, or with a disk of another size, refuses clearly
# and the source runs on.
# Needs /dev/kvm (skips only where it is absent), root and ip netns.
. tests/integration/lib.sh
kvm_bed_setup # /dev/kvm, root, ip netns, $BIN/tsvmm (else skip); V, TMP, cleanup traps

A=10.83.0.1
B=10.83.0.2
# the source's disk: random blocks, then zeros (ZERO runs), then random again
{ head -c 3M /dev/urandom; head -c 2M /dev/zero; head -c 3M /dev/urandom; } >"$TMP/src.img"
GUEST="--mem 64M --profile zero=0.4,dup=0.2,disk=0.2,random=0.2 --dirty-rate 2000 --wss 512 \
--sample-ms 50 --migrate-plaintext"

rc=0
{ bed_ns_add a && bed_ns_add b && bed_link a veth0 $A b veth0 $B; } || rc=1
check "namespaces a, b joined by veth" [ $rc -eq 0 ]

. testbeds/migrate/lib.sh # ctl, jget, wait_guest, wait_mig, wait_exit
cond() { eval "$1"; }
# start_pair TAG PORT "DEST DISK ARGS": destination in b (incoming) with its own disk args,
# source in a on $TMP/src.img; both get TSVMM_MIG_FAULT=$FAULT
start_pair() {
	# shellcheck disable=SC2086
	bed_bg b "$TMP/$1.dst" env TSVMM_MIG_FAULT="${FAULT:-}" "$V" run $GUEST $3 --control "$TMP/$1.dsock" \
		--serial "$TMP/$1.dser" --incoming "$B:$2"
	DPID=$BED_LASTPID
	# shellcheck disable=SC2086
	bed_bg a "$TMP/$1.src" "$V" run $GUEST --disk "$TMP/src.img" --control "$TMP/$1.ssock" --serial "$TMP/$1.sser"
	SPID=$BED_LASTPID
	bed_wait_for "$TMP/$1.dst" "waiting for a migration" 5 && wait_guest "$TMP/$1.ssock"
}
# newdisk NAME [SIZE=8M]: a disk image of random content for a destination
newdisk() { head -c "${2:-8M}" /dev/urandom >"$TMP/$1.img"; }
# migrate TAG PORT PARAMS: set the parameters, start the migration
migrate() {
	ctl "$TMP/$1.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":$3}" >/dev/null
	ctl "$TMP/$1.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$2\"}}"
}
stop_pair() {
	ctl "$TMP/$1.dsock" '{"execute":"quit"}' >/dev/null
	ctl "$TMP/$1.ssock" '{"execute":"quit"}' >/dev/null
	wait_exit "$DPID" 5 || bed_stop "$DPID"
	wait_exit "$SPID" 5 || bed_stop "$SPID"
}
t0=$(date +%s)

for mode in none all; do
	tag=copy-$mode
	port=$((5200 + ${#mode}))
	echo "-- migrate-disk, mode $mode: the destination's different disk becomes the source's"
	newdisk $tag
	check "$mode: the disks differ before" sh -c "! cmp -s '$TMP/src.img' '$TMP/$tag.img'"
	if ! start_pair $tag $port "--disk $TMP/$tag.img"; then
		fail "$mode: both VMs up"
		stop_pair $tag
		continue
	fi
	r=$(migrate $tag $port "{\"mode\":\"$mode\",\"migrate-disk\":true}")
	check "$mode: migrate accepted" [ "$r" = '{"return": {}}' ]
	check "$mode: source quits after the destination runs" wait_exit "$SPID" 15
	srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/$tag.src")
	dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*disk blocks too.*/\1/p' "$TMP/$tag.dst")
	check "$mode: checksums over RAM and disk match ($srcsum)" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ]'
	n=$(sed -n 's/.*disk blocks written \([0-9]*\).*/\1/p' "$TMP/$tag.dst")
	check "$mode: every block written at the destination ($n of 2048)" cond '[ "${n:-0}" -ge 2048 ]'
	check "$mode: destination image equals the source's (cmp)" cmp -s "$TMP/src.img" "$TMP/$tag.img"
	s1=$(ctl "$TMP/$tag.dsock" '{"execute":"query-status"}')
	sleep 0.3
	s2=$(ctl "$TMP/$tag.dsock" '{"execute":"query-status"}')
	check "$mode: guest runs on b" cond '[ "$(jget "$s2" status)" = running ] && [ "$(jget "$s2" samples)" -gt "$(jget "$s1" samples)" ]'
	stop_pair $tag
done

echo "-- off by default: the destination's disk is left alone"
newdisk off
cp "$TMP/off.img" "$TMP/off.orig"
if start_pair off 5210 "--disk $TMP/off.img"; then
	migrate off 5210 '{"mode":"zero"}' >/dev/null
	check "off: source quits after the destination runs" wait_exit "$SPID" 15
	check "off: destination image untouched" cmp -s "$TMP/off.img" "$TMP/off.orig"
	check "off: no disk blocks in the checksum" sh -c "grep -q 'checksum .* matches' '$TMP/off.dst' && ! grep -q 'disk blocks too' '$TMP/off.dst'"
else
	fail "off: both VMs up"
fi
stop_pair off

echo "-- fault: a disk block written wrong at the destination (dst-block=700)"
newdisk fault
if FAULT=dst-block=700 start_pair fault 5220 "--disk $TMP/fault.img"; then
	migrate fault 5220 '{"mode":"zero","migrate-disk":true}' >/dev/null
	q=$(wait_mig "$TMP/fault.ssock")
	err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
	check "dst-block: refused by the checksum: ${err%%: source*}" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q "checksum mismatch"'
	check "dst-block: destination never ran the guest" sh -c "! grep -q 'guest running' '$TMP/fault.dst'"
	check "dst-block: source runs on" [ "$(jget "$(ctl "$TMP/fault.ssock" '{"execute":"query-status"}')" status)" = running ]
else
	fail "dst-block: both VMs up"
fi
stop_pair fault

# refused TAG PORT "DEST DISK ARGS" PATTERN DESC
refused() {
	if start_pair "$1" "$2" "$3"; then
		migrate "$1" "$2" '{"mode":"none","migrate-disk":true}' >/dev/null
		q=$(wait_mig "$TMP/$1.ssock")
		err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
		check "$5: refused: $err" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q "$4"'
		check "$5: source runs on" [ "$(jget "$(ctl "$TMP/$1.ssock" '{"execute":"query-status"}')" status)" = running ]
	else
		fail "$5: both VMs up"
	fi
	stop_pair "$1"
}
echo "-- a destination without a disk"
refused nodisk 5230 "--profile zero=0.5,random=0.5" "no --disk" "no disk"
echo "-- a destination disk of another size"
newdisk small 4M
refused small 5240 "--disk $TMP/small.img" "the source's disk" "disk size"
check "disk size: the smaller image untouched (4 MiB)" [ "$(stat -c %s "$TMP/small.img")" -eq 4194304 ]

check "no sanitizer report in tsvmm's output" sh -c "! grep -l -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' '$TMP'/*.src '$TMP'/*.dst"
bed_cleanup
check "no namespace or tsvmm left" cond '! ip netns list | grep -q "^$BED_PREFIX" && ! pgrep -f "$TMP" >/dev/null'
echo "   duration $(($(date +%s) - t0)) s"
finish
