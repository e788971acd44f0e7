#!/bin/sh
# tsvmm "checksum": "early" (issue 15 item 6): the switchover checksum from the hashes of the
# copies sent (no RAM read in the downtime), RAM re-read after RUNNING and verified at the
# destination (VERIFY / VERIFIED) while the source keeps its copy:
#   - a clean migration (storage flim, guest writing its disk): the switchover checksum
#     matches, the destination verifies the source's RAM as read after its stop, the source
#     quits only then, query-migrate reported checksum "early";
#   - the source drops every dirty log after pass 0 (TSVMM_MIG_FAULT=lose-dirty): stale pages
#     at the destination pass the early checksum (they are the copies sent) but VERIFY
#     catches them: both ends say so, the source stays paused with its copy;
# (a bad "checksum" value: test_migrate_storage.sh)
# Needs /dev/kvm (skips only where it is absent), root and ip netns.
. tests/integration/lib.sh
kvm_bed_setup

A=10.87.0.1
B=10.87.0.2
GUEST="--mem 64M --profile zero=0.5,random=0.5 --dirty-rate 2000 --wss 512 --sample-ms 50 \
--io write=4M,read=8M --migrate-plaintext"
rc=0
{ bed_ns_add a && bed_ns_add b && bed_link a veth0 $A b veth0 $B; } || rc=1
check "namespaces a, b joined by veth" [ $rc -eq 0 ]
. testbeds/migrate/lib.sh
cond() { eval "$1"; }
head -c 16M /dev/urandom >"$TMP/base.img"
t0=$(date +%s)

migrate() { # TAG PORT
	ctl "$TMP/$1.ssock" '{"execute":"migrate-set-parameters","arguments":{"mode":"zero","storage":"flim","checksum":"early","max-bandwidth":40000000}}' >/dev/null
	sleep 0.3
	ctl "$TMP/$1.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$2\"}}" >/dev/null
	sleep 0.3
	Q=$(ctl "$TMP/$1.ssock" '{"execute":"query-migrate"}')
}

echo "-- checksum early, a clean migration"
tag=early
if STORAGE_MOVE=0 storage_pair_start $tag 5601; then
	migrate $tag 5601
	check "early: query-migrate names the checksum mode" cond 'echo "$Q" | grep -q "\"checksum\": \"early\""'
	check "early: the source completes" wait_exit "$SPID" 20
	srcsum=$(sed -n 's/.*completed: .*checksum \([0-9a-f]*\).*/\1/p' "$TMP/$tag.src")
	dstsum=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*/\1/p' "$TMP/$tag.dst")
	check "early: the switchover checksums match ($srcsum)" cond '[ -n "$srcsum" ] && [ "$srcsum" = "$dstsum" ]'
	check "early: the destination verified the source's RAM after its stop" grep -q "checksum early: the source's RAM after its stop verified ($srcsum)" "$TMP/$tag.dst"
	check "early: the source saw it verified before quitting" grep -q 'checksum early: the destination verified' "$TMP/$tag.src"
	s2=$(ctl "$TMP/$tag.dsock" '{"execute":"query-status"}')
	check "early: the guest runs at the destination" [ "$(jget "$s2" status)" = running ]
else
	fail "early: both VMs up"
fi
storage_pair_stop $tag

echo "-- checksum early, the source loses its dirty logs (TSVMM_MIG_FAULT=lose-dirty)"
tag=lose
if SRC_ENV=TSVMM_MIG_FAULT=lose-dirty STORAGE_MOVE=0 storage_pair_start $tag 5602; then
	migrate $tag 5602
	q=$(wait_mig "$TMP/$tag.ssock" 400)
	err=$(echo "$q" | sed -n 's/.*"error": "\([^"]*\)".*/\1/p')
	check "lose: the source fails after the switchover: ${err%%;*}" cond '[ "$(jget "$q" status)" = failed ] && echo "$err" | grep -q "after the switchover: destination refused: after the switchover: the source.s RAM as read after its stop"'
	check "lose: the source names a page the dirty log missed" grep -q 'checksum early: page [0-9]* changed after its last copy' "$TMP/$tag.src"
	check "lose: the source stays paused with its copy" [ "$(jget "$(ctl "$TMP/$tag.ssock" '{"execute":"query-status"}')" status)" = paused ]
	check "lose: the destination says so" grep -q 'incoming: checksum early: after the switchover: the source.s RAM as read after its stop' "$TMP/$tag.dst"
else
	fail "lose: both VMs up"
fi
storage_pair_stop $tag

check "no sanitizer report in tsvmm's output" sh -c "! grep -l -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' '$TMP'/*.src '$TMP'/*.dst"
bed_cleanup
check "no namespace or tsvmm left" cond '! ip netns list | grep -q "^$BED_PREFIX" && ! pgrep -f "$TMP" >/dev/null'
echo "   duration $(($(date +%s) - t0)) s"
finish
