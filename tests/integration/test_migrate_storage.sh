#!/bin/sh
# tsvmm storage migration (issue 15) with the guest disk I/O workload running
# (--io write=4M,read=8M: "moderately I/O intensive", hot sets of 10 % / 20 % of the disk):
#   - the workload writes the disk at its rate (query-status io_written_blocks grows, the
#     image changes);
#   - migrate-disk alone (blocks with every RAM pass) and storage "precopy" (bulk copy and
#     disk-only dirty passes until the dirty set converges, then RAM pre-copy), both over a
#     capped link (max-bandwidth) so that the guest writes during the copy: the destination's
#     image at the switchover (TSVMM_MIG_DISK_COPY, taken before its vCPU runs) equals the
#     source's image after its stop (cmp: no guest write lost), the switchover checksum over
#     RAM and disk matches, and the guest runs on at the destination, still writing;
#   - a DUP reference whose announced hash its block does not match (injected at the source)
#     is refused by the destination, which never runs the guest; the source runs on;
#   - storage flim with mode "all" and a page-cache guest (--io ...,cache=300: each write is a
#     RAM page flushed to disk 300 ms later): dirty blocks equal to a RAM page the destination
#     received go as RAM references (counted in the source's statlog, copied from its RAM by
#     the destination, the same count), the checksums match and the end-state check passes;
#     and RAM pages equal to a block the destination's image holds go as BLOCK references (the
#     same counts at both ends); a RAM reference naming a page beyond the destination's RAM
#     (TSVMM_MIG_FAULT=bad-ram-ref) is refused by name, the guest never runs there, the source
#     runs on; so is a BLOCK reference beyond the disk (bad-block-ref);
#   - a bad "storage" or "checksum" value is refused by name.
#   - storage "flim" (dedup against the destination's template image: its hash index at the
#     start; hot-area scheduling; early switchover with post-copy): the template's blocks are
#     not sent, blocks moved within the image go as references, at least 24 of the disk's
#     32 MiB are not sent, one disk pass only, blocks follow the switchover (post-copy) and
#     their digest matches at the destination, and the destination's disk equals the
#     source's at its stop plus the guest's later writes (testbeds/migrate/storage-check.py);
#   - post-copy with the link cut after a few blocks (TSVMM_MIG_FAULT=postcopy-cut=N at the
#     source): the source reconnects, the destination says what it still lacks, the
#     post-copy completes with the digest and the end-state check; with "postcopy-resume": 0
#     the destination names the lost link and the blocks still missing, its guest waits on
#     them, it still quits cleanly; the source stays paused with its image and says why in
#     query-migrate;
# The link is shaped by tsync-netem (2 ms each way, 400 Mbit/s; no sch_netem here).
# Needs /dev/kvm (skips only where it is absent), root and ip netns.
. tests/integration/lib.sh
kvm_bed_setup # /dev/kvm, root, ip netns, $BIN/tsvmm (else skip); V, TMP, cleanup traps

A=10.84.0.1
B=10.84.0.2
GUEST="--mem 64M --profile zero=0.5,random=0.5 --dirty-rate 2000 --wss 512 --sample-ms 50 \
--io write=4M,read=8M --migrate-plaintext"

rc=0
{ bed_ns_add a && bed_ns_add b &&
	bed_relay_link a veth0 $A b veth0 $B m "--delay 2ms --rate 400mbit"; } || rc=1
for x in "a veth0" "b veth0" "m ra" "m rb"; do # tsync-netem forwards MTU-sized frames
	# shellcheck disable=SC2086
	set -- $x
	bed_exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1
done
check "namespaces a, b joined through tsync-netem (4 ms RTT)" [ $rc -eq 0 ]

. testbeds/migrate/lib.sh # ctl, jget, wait_guest, wait_mig, wait_exit
cond() { eval "$1"; }
# the VM template both hosts hold: 32 MiB of random blocks
head -c 32M /dev/urandom >"$TMP/base.img"
end_state() { # NAME TAG: the destination's disk = the source's at its stop + later guest writes
	ctl "$TMP/$2.dsock" '{"execute":"stop"}' >/dev/null
	chk=$(python3 testbeds/migrate/storage-check.py "$TMP/$2.src.img" "$TMP/$2.dst.img")
	check "$1: destination disk = source's at its stop + later guest writes: $chk" cond '[ "${chk%%:*}" = ok ]'
}
io_w() { jget "$(ctl "$1" '{"execute":"query-status"}')" io_written_blocks; }
t0=$(date +%s)

for storage in none precopy flim; do
	tag=st-$storage
	port=$((5300 + ${#storage}))
	echo "-- storage $storage, migrate-disk, guest writing 4 MB/s, link capped at 24 MB/s"
	if ! storage_pair_start $tag $port; then
		fail "$storage: both VMs up"
		storage_pair_stop $tag
		continue
	fi
	w1=$(io_w "$TMP/$tag.ssock")
	n1=$(date +%s%N)
	sleep 0.5
	w2=$(io_w "$TMP/$tag.ssock")
	ms=$((($(date +%s%N) - n1) / 1000000))
	# 1024 blocks/s by the guest's clock, over the wall time between the two queries (a
	# loaded host stretches it, and the counters reach query-status through the report ring,
	# drained every 20 ms or later under load, so one reading may lag): 40 .. 300 %
	check "$storage: the guest writes its disk ($w1 -> $w2 blocks in $ms ms)" cond '[ $(((w2 - w1) * 1000 / ms)) -ge 410 ] && [ $(((w2 - w1) * 1000 / ms)) -le 3072 ]'
	ctl "$TMP/$tag.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"zero\",\"migrate-disk\":true,\"storage\":\"$storage\",\"max-bandwidth\":24000000,\"statlog\":\"$TMP/$tag.statlog\"}}" >/dev/null
	r=$(ctl "$TMP/$tag.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$port\"}}")
	check "$storage: migrate accepted" [ "$r" = '{"return": {}}' ]
	sleep 0.5
	q=$(ctl "$TMP/$tag.ssock" '{"execute":"query-migrate"}')
	w3=$(io_w "$TMP/$tag.ssock")
	check "$storage: the guest writes during the copy ($w2 -> $w3)" cond '[ "${w3:-0}" -gt "$w2" ]'
	check "$storage: source quits after the destination runs" wait_exit "$SPID" 20
	srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/$tag.src")
	dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*disk blocks too.*/\1/p' "$TMP/$tag.dst")
	check "$storage: checksums over RAM and disk match ($srcsum)" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ]'
	[ $storage = flim ] || # flim: blocks follow the switchover (checked below)
		check "$storage: destination image at the switchover equals the source's after its stop (cmp)" cmp -s "$TMP/$tag.src.img" "$TMP/$tag.switch.img"
	s1=$(ctl "$TMP/$tag.dsock" '{"execute":"query-status"}')
	sleep 0.3
	s2=$(ctl "$TMP/$tag.dsock" '{"execute":"query-status"}')
	check "$storage: guest runs on b and keeps writing" cond '[ "$(jget "$s2" status)" = running ] && [ "$(jget "$s2" io_written_blocks)" -gt "$(jget "$s1" io_written_blocks)" ]'
	check "$storage: the destination's disk moves on after the switchover" sh -c "! cmp -s '$TMP/$tag.dst.img' '$TMP/$tag.switch.img'"
	eval "bytes_$storage=\$(sed -n 's/.*completed: .* \\([0-9]*\\) bytes, checksum.*/\\1/p' '$TMP/$tag.src')"
	if [ $storage != none ]; then
		p=$(echo "$q" | sed -n 's/.*"disk-blocks": {[^}]*"passes": \([0-9]*\).*/\1/p')
		st=$(echo "$q" | sed -n 's/.*"storage": "\([a-z]*\)".*/\1/p')
		check "$storage: query-migrate during the copy names the mode ($st) and its disk passes ($p)" cond '[ "$st" = $storage ] && [ -n "$p" ]'
		line=$(grep "storage $storage:" "$TMP/$tag.src")
		n=$(echo "$line" | sed -n 's/.*storage [a-z]*: \([0-9]*\) disk passes.*/\1/p')
		if [ $storage = flim ]; then # early switchover: the blocks left follow it
			check "flim: one disk-only pass before RAM (${n:-none})" [ "${n:-0}" -eq 1 ]
		else
			check "$storage: disk-only passes before RAM (${n:-none})" cond '[ "${n:-0}" -ge 2 ]'
		fi
	fi
	if [ $storage = flim ]; then
		held=$(echo "$line" | sed -n 's/.*dedup: \([0-9]*\) held.*/\1/p')
		ref=$(echo "$line" | sed -n 's/.*held, \([0-9]*\) by reference.*/\1/p')
		# 8192 blocks: all but the 256 moved and those the guest wrote are held
		check "flim: blocks the destination's template holds are not sent (${held:-?} of 8192)" cond '[ "${held:-0}" -ge 6000 ]'
		check "flim: the moved MiB goes as references to template blocks (${ref:-?} of 256)" cond '[ "${ref:-0}" -ge 200 ] && [ "${ref:-0}" -le 300 ]'
		dref=$(sed -n 's/.*(\([0-9]*\) copied from held blocks, .*/\1/p' "$TMP/$tag.dst")
		check "flim: the destination copied them from its image ($dref)" [ "${dref:-x}" = "$ref" ]
		# the same guest RAM goes either way: the disk's 32 MiB make the difference
		check "flim: at least 24 MiB fewer bytes than precopy ($bytes_flim vs $bytes_precopy)" cond '[ "$((bytes_precopy - bytes_flim))" -ge 25165824 ]'
		pc=$(sed -n 's/.*storage flim post-copy: \([0-9]*\) blocks.*/\1/p' "$TMP/$tag.src")
		dpc=$(sed -n 's/.*incoming post-copy: complete, \([0-9]*\) blocks.*digest [0-9a-f]* matches.*/\1/p' "$TMP/$tag.dst")
		check "flim: blocks followed the switchover and their digest matched (${pc:-none} sent, ${dpc:-none} checked)" cond '[ "${pc:-0}" -gt 0 ] && [ "$pc" = "$dpc" ]'
		end_state flim $tag
		ctl "$TMP/$tag.dsock" '{"execute":"cont"}' >/dev/null
		n1=$(grep -c 'storage flim: bytes full [0-9]* .*guest I/O during the migration read [0-9.]* MB/s' "$TMP/$tag.statlog")
		n2=$(grep -c "post-copy done: $pc blocks missing at the switchover.*misses [0-9]*, prefetch hits [0-9]* (rate [0-9.]*).*miss wait p50 [0-9.]* ms p99" "$TMP/$tag.statlog")
		check "flim: the statlog notes bytes by category, guest I/O and the post-copy metrics" [ "$n1$n2" = 11 ]
	fi
	storage_pair_stop $tag
done

echo "-- flim: a DUP reference announcing content its block does not hold (TSVMM_MIG_FAULT=bad-disk-ref)"
tag=badref
if storage_pair_start $tag 5310; then
	ctl "$TMP/$tag.ssock" '{"execute":"quit"}' >/dev/null # restart the source with the fault
	wait_exit "$SPID" 5 || bed_stop "$SPID"
	# shellcheck disable=SC2086
	bed_bg a "$TMP/$tag.src2" env TSVMM_MIG_FAULT=bad-disk-ref "$V" run $GUEST --disk "$TMP/$tag.src.img" \
		--control "$TMP/$tag.ssock2" --serial "$TMP/$tag.sser"
	SPID=$BED_LASTPID
	wait_guest "$TMP/$tag.ssock2" || true
	ctl "$TMP/$tag.ssock2" '{"execute":"migrate-set-parameters","arguments":{"mode":"zero","storage":"flim"}}' >/dev/null
	ctl "$TMP/$tag.ssock2" '{"execute":"migrate","arguments":{"uri":"tcp:'$B':5310"}}' >/dev/null
	q=$(wait_mig "$TMP/$tag.ssock2")
	err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
	check "bad-disk-ref: refused by the destination: ${err%%: source*}" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q "does not hold the content announced"'
	check "bad-disk-ref: destination never ran the guest" sh -c "! grep -q 'guest running' '$TMP/$tag.dst'"
	check "bad-disk-ref: source runs on" [ "$(jget "$(ctl "$TMP/$tag.ssock2" '{"execute":"query-status"}')" status)" = running ]
	ctl "$TMP/$tag.ssock2" '{"execute":"quit"}' >/dev/null
else
	fail "bad-disk-ref: both VMs up"
fi
storage_pair_stop $tag

echo "-- flim with dup and a page-cache guest (cache=300: blocks written from RAM pages 300 ms later)"
# the guest's writes wait 300 ms in RAM pages before they reach the disk (a page cache's
# writeback); spread over the disk (write-share 0.2) so that most are sent before the
# switchover: a dirty block whose content the destination already received as a RAM page
# goes as a RAM reference, verified by hash at the destination
GUEST_PLAIN=$GUEST
GUEST="$GUEST_PLAIN --io write=4M,read=8M,write-share=0.2,cache=300"
tag=ramref
if storage_pair_start $tag 5313; then
	sleep 1
	ctl "$TMP/$tag.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"all\",\"storage\":\"flim\",\"max-bandwidth\":24000000,\"statlog\":\"$TMP/$tag.statlog\"}}" >/dev/null
	ctl "$TMP/$tag.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:5313\"}}" >/dev/null
	check "ramref: the source completes" wait_exit "$SPID" 20
	ram=$(sed -n 's/.*storage flim: bytes full .*from RAM pages \([0-9]*\) blocks.*/\1/p' "$TMP/$tag.statlog")
	dram=$(sed -n 's/.*copied from held blocks, \([0-9]*\) from RAM pages).*/\1/p' "$TMP/$tag.dst")
	check "ramref: blocks went as RAM references (${ram:-?}) and the destination copied them from its RAM (${dram:-?})" cond '[ "${ram:-0}" -gt 0 ] && [ "$ram" = "$dram" ]'
	# and back: a cache page sent after its block went as a BLOCK reference to that block
	blk=$(sed -n 's/.*storage flim: bytes full .*RAM pages from blocks \([0-9]*\),.*/\1/p' "$TMP/$tag.statlog")
	dblk=$(sed -n 's/.*guest running.* zstd [0-9]* block \([0-9]*\),.*/\1/p' "$TMP/$tag.dst")
	check "ramref: RAM pages went as BLOCK references (${blk:-?}), the destination read them from its image (${dblk:-?})" cond '[ "${blk:-0}" -gt 0 ] && [ "$blk" = "$dblk" ]'
	srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/$tag.src")
	dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*disk blocks too.*/\1/p' "$TMP/$tag.dst")
	check "ramref: checksums over RAM and disk match ($srcsum)" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ]'
	end_state ramref $tag
else
	fail "ramref: both VMs up"
fi
storage_pair_stop $tag

# bad_ref FAULT PORT PATTERN: a flim migration from a source with that fault is refused by the
# destination with an error matching PATTERN, the guest never runs there, the source runs on
bad_ref() {
	tag=$1
	if SRC_ENV=TSVMM_MIG_FAULT=$1 storage_pair_start $tag $2; then
		sleep 1
		ctl "$TMP/$tag.ssock" '{"execute":"migrate-set-parameters","arguments":{"mode":"all","storage":"flim","max-bandwidth":24000000}}' >/dev/null
		ctl "$TMP/$tag.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$2\"}}" >/dev/null
		q=$(wait_mig "$TMP/$tag.ssock")
		err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
		check "$1: refused by the destination: ${err%%: source*}" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q "$3"'
		check "$1: destination never ran the guest" sh -c "! grep -q 'guest running' '$TMP/$tag.dst'"
		check "$1: source runs on" [ "$(jget "$(ctl "$TMP/$tag.ssock" '{"execute":"query-status"}')" status)" = running ]
	else
		fail "$1: both VMs up"
	fi
	storage_pair_stop $tag
}
echo "-- flim: a RAM reference naming a page beyond the destination's RAM (TSVMM_MIG_FAULT=bad-ram-ref)"
bad_ref bad-ram-ref 5314 "RAM reference beyond RAM"
echo "-- flim: a BLOCK reference naming a block beyond the destination's disk (bad-block-ref)"
bad_ref bad-block-ref 5315 "BLOCK reference beyond the disk"
GUEST=$GUEST_PLAIN

echo "-- flim post-copy, the link cut after 5 blocks (TSVMM_MIG_FAULT=postcopy-cut=5): resumed"
# cut_migrate TAG PORT EXTRA_PARAMS: a flim migration whose source cuts the link after 5
# post-copy blocks
cut_migrate() {
	SRC_ENV=TSVMM_MIG_FAULT=postcopy-cut=5 storage_pair_start "$1" "$2" || return 1
	sleep 0.5
	ctl "$TMP/$1.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"zero\",\"storage\":\"flim\",\"max-bandwidth\":24000000$3}}" >/dev/null
	ctl "$TMP/$1.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$2\"}}" >/dev/null
}
tag=resume
if cut_migrate $tag 5312 ""; then
	check "resume: the source completes" wait_exit "$SPID" 20
	again=$(sed -n 's/.*post-copy: reconnected after [0-9.]* ms, \([0-9]*\) blocks sent again.*/\1/p' "$TMP/$tag.src")
	check "resume: the source reconnected after the cut (${again:-no} blocks sent again)" [ -n "$again" ]
	check "resume: the destination took the reconnect" grep -q 'incoming post-copy: the source reconnected from' "$TMP/$tag.dst"
	check "resume: post-copy completed, digest matched" grep -q 'incoming post-copy: complete, .*digest [0-9a-f]* matches' "$TMP/$tag.dst"
	end_state resume $tag
else
	fail "resume: both VMs up"
fi
storage_pair_stop $tag

echo "-- flim post-copy, the link cut after 5 blocks, no reconnect (postcopy-resume 0)"
tag='cut'
if cut_migrate $tag 5311 ',"postcopy-resume":0'; then
	q=$(wait_mig "$TMP/$tag.ssock" 400)
	err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
	check "cut: the source names the post-copy failure: ${err%%;*}" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q "post-copy: link cut.*stays paused and keeps its image"'
	m=$(echo "$q" | sed -n 's/.*"postcopy": {"state": "link-lost", "missing": \([0-9]*\).*/\1/p')
	check "cut: query-migrate reports the post-copy state and the blocks missing (${m:-none})" cond '[ "${m:-0}" -gt 0 ]'
	check "cut: the source stays paused (the destination runs the guest)" [ "$(jget "$(ctl "$TMP/$tag.ssock" '{"execute":"query-status"}')" status)" = paused ]
	bed_wait_for "$TMP/$tag.dst" "incoming post-copy: link to the source lost" 5 || true
	line=$(grep 'incoming post-copy: link to the source lost' "$TMP/$tag.dst")
	left=$(echo "$line" | sed -n 's/.*; \([0-9]*\) of [0-9]* blocks still missing: guest reads of them wait.*waiting for the source to reconnect.*/\1/p')
	check "cut: the destination names the lost link and the blocks still missing (${left:-?})" cond '[ "${left:-0}" -gt 0 ]'
	# the guest reads a missing block sooner or later: its vCPU then waits (samples stop)
	waits=0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		a1=$(jget "$(ctl "$TMP/$tag.dsock" '{"execute":"query-status"}')" samples)
		sleep 0.3
		a2=$(jget "$(ctl "$TMP/$tag.dsock" '{"execute":"query-status"}')" samples)
		[ -n "$a1" ] && [ "$a1" = "$a2" ] && { waits=1; break; }
	done
	check "cut: the destination's guest waits on a missing block (samples stay at ${a2:-?})" [ $waits -eq 1 ]
	ctl "$TMP/$tag.dsock" '{"execute":"quit"}' >/dev/null
	check "cut: the destination still quits (the waiting read is failed)" wait_exit "$DPID" 5
else
	fail "cut: both VMs up"
fi
storage_pair_stop $tag

echo "-- a bad storage mode"
head -c 4M /dev/zero >"$TMP/bad.img"
bed_bg a "$TMP/bad.src" "$V" run --mem 64M --disk "$TMP/bad.img" --control "$TMP/bad.ssock" --migrate-plaintext
BPID=$BED_LASTPID
wait_guest "$TMP/bad.ssock" 0 || true
r=$(ctl "$TMP/bad.ssock" '{"execute":"migrate-set-parameters","arguments":{"storage":"flimsy"}}')
check "storage flimsy: refused ($r)" cond 'echo "$r" | grep -q "\"storage\\\\\" must be none, precopy or flim"'
r=$(ctl "$TMP/bad.ssock" '{"execute":"migrate-set-parameters","arguments":{"checksum":"late"}}')
check "checksum late: refused ($r)" cond 'echo "$r" | grep -q "\"checksum\\\\\" must be stop or early"'
ctl "$TMP/bad.ssock" '{"execute":"quit"}' >/dev/null
wait_exit "$BPID" 5 || bed_stop "$BPID"

check "no sanitizer report in tsvmm's output" sh -c "! grep -l -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' '$TMP'/*.src '$TMP'/*.dst"
bed_cleanup
check "no namespace or tsvmm left" cond '! ip netns list | grep -q "^$BED_PREFIX" && ! pgrep -f "$TMP" >/dev/null'
echo "   duration $(($(date +%s) - t0)) s"
finish
