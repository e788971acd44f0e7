#!/bin/sh
# tsvmm storage migration with a block size other than 4 KiB (issue 15, "block-size"):
#   - storage flim with "block-size": 65536 (the DISK region's block_size; dedup against the
#     destination's template by 64 KiB blocks, post-copy fetches 64 KiB blocks while the
#     block device waits per 4 KiB) with the guest writing its disk: query-migrate names the
#     block size, the switchover checksum over RAM and 64 KiB disk blocks matches, the
#     template's blocks are not sent, blocks follow the switchover and their digest matches,
#     and the destination's disk equals the source's at its stop plus the guest's later
#     writes (testbeds/migrate/storage-check.py, which compares 4 KiB blocks);
#   - storage precopy with the largest block (1 MiB, one FULL entry a record): the checksums
#     match and the destination's image at the switchover equals the source's after its stop;
#   - storage flim with the disk idle: nothing is left for post-copy, the migration completes
#     (the source once waited for a post-copy phase the destination never started);
#   - hostile REGION block sizes from the source (TSVMM_MIG_FAULT=region-block-size=N: the
#     DISK region declares N, the entries keep 4 KiB): 12288 is refused naming the field,
#     65536 with 4 KiB entries is refused naming the entry's length; the destination never
#     runs the guest and the source runs on;
#   - a block size that is not a power of two from 4 KiB to 1 MiB is refused by name, and a
#     disk whose size is not a multiple of the block size fails the migration by name.
# (more hostile REGION block sizes: tests/unit/vmm/migrate/test_migrate_blocksize.c and the
# migrate_stream fuzz target.) Needs /dev/kvm (skips only where it is absent), root, ip netns.
. tests/integration/lib.sh
kvm_bed_setup

A=10.88.0.1
B=10.88.0.2
GUEST="--mem 64M --profile zero=0.5,random=0.5 --dirty-rate 2000 --wss 512 --sample-ms 50 \
--io write=4M,read=8M --migrate-plaintext"
rc=0
{ bed_ns_add a && bed_ns_add b && bed_link a veth0 $A b veth0 $B; } || rc=1
check "namespaces a, b joined by veth" [ $rc -eq 0 ]
. testbeds/migrate/lib.sh
cond() { eval "$1"; }
head -c 32M /dev/urandom >"$TMP/base.img"
t0=$(date +%s)

migrate() { # TAG PORT STORAGE BLOCK_SIZE [EXTRA_PARAMS]
	ctl "$TMP/$1.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"zero\",\"storage\":\"$3\",\"block-size\":$4,\"max-bandwidth\":40000000$5}}" >/dev/null
	sleep 0.3
	ctl "$TMP/$1.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$2\"}}" >/dev/null
	sleep 0.3
	Q=$(ctl "$TMP/$1.ssock" '{"execute":"query-migrate"}')
}
sums_match() { # NAME TAG
	srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/$2.src")
	dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*disk blocks too.*/\1/p' "$TMP/$2.dst")
	check "$1: checksums over RAM and disk blocks match ($srcsum)" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ]'
}

echo "-- storage flim, block-size 64 KiB, guest writing 4 MB/s"
tag=flim64k
if storage_pair_start $tag 5701; then
	migrate $tag 5701 flim 65536
	bs=$(echo "$Q" | sed -n 's/.*"block-size": \([0-9]*\).*/\1/p')
	check "flim64k: query-migrate names the block size (${bs:-none})" [ "${bs:-0}" = 65536 ]
	total=$(echo "$Q" | sed -n 's/.*"disk-blocks": {"total": \([0-9]*\).*/\1/p')
	check "flim64k: the disk counts 512 blocks of 64 KiB (${total:-none})" [ "${total:-0}" = 512 ]
	check "flim64k: the source completes" wait_exit "$SPID" 30
	sums_match flim64k $tag
	line=$(grep "storage flim:" "$TMP/$tag.src")
	held=$(echo "$line" | sed -n 's/.*dedup: \([0-9]*\) held.*/\1/p')
	# 512 blocks: the 16 of the moved MiB and those the guest wrote are not held
	check "flim64k: 64 KiB blocks the template holds are not sent (${held:-?} of 512)" cond '[ "${held:-0}" -ge 300 ]'
	pc=$(sed -n 's/.*storage flim post-copy: \([0-9]*\) blocks.*/\1/p' "$TMP/$tag.src")
	dpc=$(sed -n 's/.*incoming post-copy: complete, \([0-9]*\) blocks.*digest [0-9a-f]* matches.*/\1/p' "$TMP/$tag.dst")
	check "flim64k: blocks followed the switchover, digest matched (${pc:-none} sent, ${dpc:-none} checked)" cond '[ "${pc:-0}" -gt 0 ] && [ "$pc" = "$dpc" ]'
	ctl "$TMP/$tag.dsock" '{"execute":"stop"}' >/dev/null
	chk=$(python3 testbeds/migrate/storage-check.py "$TMP/$tag.src.img" "$TMP/$tag.dst.img")
	check "flim64k: destination disk = source's at its stop + later guest writes: $chk" cond '[ "${chk%%:*}" = ok ]'
else
	fail "flim64k: both VMs up"
fi
storage_pair_stop $tag

echo "-- storage precopy, block-size 1 MiB, at most 4 passes"
# the guest's 1024 writes/s spread over 32 blocks of 1 MiB dirty most of them during each
# pass (0.8 s at 40 MB/s): the dirty set does not shrink, the pass cap ends the copy
tag=pre1m
if storage_pair_start $tag 5702; then
	migrate $tag 5702 precopy 1048576 ',"max-iterations":4'
	check "pre1m: the source completes" wait_exit "$SPID" 30
	echo "   $(grep -o "storage precopy: .*" "$TMP/$tag.src" | head -n 1)"
	echo "   $(grep -o "completed: .*" "$TMP/$tag.src" | head -n 1)"
	sums_match pre1m $tag
	check "pre1m: destination image at the switchover equals the source's after its stop (cmp)" cmp -s "$TMP/$tag.src.img" "$TMP/$tag.switch.img"
else
	fail "pre1m: both VMs up"
fi
storage_pair_stop $tag

echo "-- storage flim, the disk idle (no block left for post-copy), block-size 64 KiB"
# a source whose disk nobody writes: every block goes before the switchover; the source must
# not wait for a post-copy phase the destination does not start
GUEST_IO=$GUEST
GUEST=$(echo "$GUEST_IO" | sed 's/--io [^ ]*//')
tag=idle
if storage_pair_start $tag 5704; then
	migrate $tag 5704 flim 65536
	check "idle: the source completes" wait_exit "$SPID" 20
	sums_match idle $tag
	check "idle: no block followed the switchover" grep -q '0 blocks follow in post-copy' "$TMP/$tag.dst"
	check "idle: destination image at the switchover equals the source's (cmp)" cmp -s "$TMP/$tag.src.img" "$TMP/$tag.switch.img"
else
	fail "idle: both VMs up"
fi
storage_pair_stop $tag
GUEST=$GUEST_IO

# bad_region TAG PORT BLOCK_SIZE PATTERN: the source (block-size 4096) declares its DISK
# region with BLOCK_SIZE (TSVMM_MIG_FAULT=region-block-size=N): the destination refuses with
# an error matching PATTERN, never runs the guest; the source runs on
bad_region() {
	if SRC_ENV=TSVMM_MIG_FAULT=region-block-size=$3 storage_pair_start "$1" "$2"; then
		migrate "$1" "$2" precopy 4096
		q=$(wait_mig "$TMP/$1.ssock")
		err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
		check "$1: refused by the destination: ${err%%: source*}" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q "$4"'
		check "$1: destination never ran the guest" sh -c "! grep -q 'guest running' '$TMP/$1.dst'"
		check "$1: source runs on" [ "$(jget "$(ctl "$TMP/$1.ssock" '{"execute":"query-status"}')" status)" = running ]
	else
		fail "$1: both VMs up"
	fi
	storage_pair_stop "$1"
}
echo "-- a DISK region declaring block_size 12288 (TSVMM_MIG_FAULT=region-block-size=12288)"
bad_region bs12k 5705 12288 "REGION 1: block_size is not a power of two from 4096 to 1048576 (12288)"
echo "-- a DISK region declaring 64 KiB blocks whose entries carry 4 KiB (region-block-size=65536)"
bad_region bsmix 5706 65536 "DISK region 1 (65536-byte blocks): page entry at offset 0: bad data length for the kind (4096)"

echo "-- bad block sizes"
head -c 4M /dev/zero >"$TMP/odd.img"
head -c 64K /dev/zero >>"$TMP/odd.img" # 4 MiB + 64 KiB: not a multiple of 1 MiB
bed_bg a "$TMP/odd.src" "$V" run --mem 64M --disk "$TMP/odd.img" --control "$TMP/odd.ssock" --migrate-plaintext
BPID=$BED_LASTPID
wait_guest "$TMP/odd.ssock" 0 || true
r=$(ctl "$TMP/odd.ssock" '{"execute":"migrate-set-parameters","arguments":{"block-size":12288}}')
check "block-size 12288: refused ($r)" cond 'echo "$r" | grep -q "\"block-size\\\\\" must be a power of two from 4096 to 1048576"'
r=$(ctl "$TMP/odd.ssock" '{"execute":"migrate-set-parameters","arguments":{"block-size":2097152}}')
check "block-size 2 MiB: refused ($r)" cond 'echo "$r" | grep -q "\"block-size\\\\\" must be a power of two"'
ctl "$TMP/odd.ssock" '{"execute":"migrate-set-parameters","arguments":{"storage":"precopy","block-size":1048576}}' >/dev/null
ctl "$TMP/odd.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:5703\"}}" >/dev/null
q=$(wait_mig "$TMP/odd.ssock")
err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
check "a 4 MiB + 64 KiB disk at block-size 1 MiB: the migration fails by name (${err##*: })" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q "is not a non-zero multiple of the block-size 1048576"'
check "the source runs on" [ "$(jget "$(ctl "$TMP/odd.ssock" '{"execute":"query-status"}')" status)" = running ]
ctl "$TMP/odd.ssock" '{"execute":"quit"}' >/dev/null
wait_exit "$BPID" 5 || bed_stop "$BPID"

check "no sanitizer report in tsvmm's output" sh -c "! grep -l -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' '$TMP'/*.src '$TMP'/*.dst"
bed_cleanup
check "no namespace or tsvmm left" cond '! ip netns list | grep -q "^$BED_PREFIX" && ! pgrep -f "$TMP" >/dev/null'
echo "   duration $(($(date +%s) - t0)) s"
finish
