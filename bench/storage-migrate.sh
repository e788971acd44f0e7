#!/bin/sh
# Storage migration bench (issue 15): precopy vs flim for one VM whose disk is built from a
# template both hosts hold, with the guest's moderate I/O workload (write=4M,read=8M: 4 MB/s
# written, 8 MB/s read, hot sets of 10 % / 20 % of the disk) running throughout.
#   [CHECKSUM=stop|early] bench/storage-migrate.sh [--quick] [BUILD]   (root, /dev/kvm)
# CHECKSUM (default stop): the "checksum" parameter of every run (early: no RAM or disk
# read in the downtime, verified after RUNNING).
# PAGECACHE=1: the guest writes through a page cache (--io ...,write-share=0.2,cache=300: each
# write is a RAM page flushed to disk 300 ms later, spread over the disk) and each link also
# runs flim with "dup" on as well, without ("ram-dedup": false, flim-noram) and with the
# references between disk and RAM (flim-dup: a dirty block equal to a RAM page the
# destination received goes as a RAM entry, a RAM page equal to a block its image holds as a
# BLOCK entry), and prints
#   storage LINK page cache: flim-dup/flim-noram bytes xB time xT, N RAM + M BLOCK entries
# Links through tsync-netem (user-space relay; this kernel has no sch_netem):
#   wan  100 Mbit/s, 10 ms each way (20 ms RTT); max-bandwidth 11.5 MB/s (just under the link)
#   1g   1 Gbit/s, 1 ms each way (2 ms RTT); max-bandwidth 60 MB/s (the relay's CPU limit here)
# Modes per link: precopy; flim (dedup, hot-area scheduling, early switchover, post-copy with
# prefetch in hot-area order); flim-od (the same with on-demand fetching alone for 2 s, then
# the rest in block order: the baseline for the post-copy misses).
# Sizes (a shared 2-core machine): RAM 128 MiB, disk 256 MiB (--quick: 64 MiB, wan only).
# Each flim run ends with testbeds/migrate/storage-check.py: the destination's disk must equal
# the source's at its stop plus the guest's later writes. One summary line per link, last:
#   storage LINK: flim/precopy time xT bytes xB misses(prefetch)/misses(on-demand) xM downtime
#   flim D1 ms precopy D2 ms checksum ok|MISMATCH
cd "$(dirname "$0")/.." || exit 2
QUICK=0
[ "$1" = --quick ] && { QUICK=1; shift; }
BUILD=${1:-${BUILD:-build}}
BIN=$BUILD/bin
V=$BIN/tsvmm
. testbeds/netns.sh
TMP=$(mktemp -d)
trap 'bed_cleanup; rm -rf "$TMP"' EXIT
trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 130' INT TERM
[ -c /dev/kvm ] && [ "$(id -u)" -eq 0 ] || { echo "needs root and /dev/kvm"; exit 1; }
. testbeds/migrate/lib.sh
A=10.86.0.1 B=10.86.0.2
if [ $QUICK = 1 ]; then DISK=64 LINKS=wan; else DISK=256 LINKS="wan 1g"; fi
IO=write=4M,read=8M
[ "${PAGECACHE:-0}" = 1 ] && IO=$IO,write-share=0.2,cache=300
GUEST="--mem 128M --profile zero=0.5,random=0.5 --dirty-rate 2000 --wss 512 --io $IO --migrate-plaintext"
head -c "${DISK}M" /dev/urandom >"$TMP/base.img"
PORT=5500

link() { # wan | 1g
	bed_cleanup
	bed_ns_add a && bed_ns_add b || exit 1
	case $1 in
	wan) args="--delay 10ms --rate 100mbit" BW=11500000 RTT=20 ;;
	1g) args="--delay 1ms --rate 1gbit" BW=60000000 RTT=2 ;;
	esac
	bed_relay_link a veth0 $A b veth0 $B m "$args" || exit 1
	for x in "a veth0" "b veth0" "m ra" "m rb"; do
		# shellcheck disable=SC2086
		set -- $x
		bed_exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1
	done
}

# run LINK TAG STORAGE EXTRA_PARAMS: one migration (mode zero); sets tot dn by ck pc (post-copy
# line), rb (blocks sent as RAM references), ok
run() {
	PORT=$((PORT + 1))
	t=$2
	cp "$TMP/base.img" "$TMP/$t.src.img"
	cp "$TMP/base.img" "$TMP/$t.dst.img"
	# shellcheck disable=SC2086
	bed_bg b "$TMP/$t.dst" "$V" run $GUEST --disk "$TMP/$t.dst.img" --control "$TMP/$t.dsock" \
		--serial /dev/null --incoming "$B:$PORT"
	d=$BED_LASTPID
	# shellcheck disable=SC2086
	bed_bg a "$TMP/$t.src" "$V" run $GUEST --disk "$TMP/$t.src.img" --control "$TMP/$t.ssock" \
		--serial /dev/null
	s=$BED_LASTPID
	tot='' dn='' by='' pc='' ok=MISMATCH
	if bed_wait_for "$TMP/$t.dst" "waiting for a migration" 5 && wait_guest "$TMP/$t.ssock" 2 30; then
		sleep 2 # the source's own writes (and reads) on top of the template
		ctl "$TMP/$t.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"zero\",\"storage\":\"$3\",\"max-bandwidth\":$BW,\"downtime-limit\":300,\"statlog\":\"$TMP/$t.statlog\",\"checksum\":\"${CHECKSUM:-stop}\"$4}}" >/dev/null
		ctl "$TMP/$t.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$PORT\"}}" >/dev/null
		wait_exit "$s" 600 || echo "storage-migrate: $t: the source did not finish" >&2
	fi
	l=$(grep -h 'completed: downtime' "$TMP/$t.src")
	tot=$(echo "$l" | sed -n 's/.*total \([0-9.]*\) ms.*/\1/p')
	dn=$(echo "$l" | sed -n 's/.*downtime \([0-9.]*\) ms.*/\1/p')
	by=$(echo "$l" | sed -n 's/.* \([0-9]*\) bytes.*/\1/p')
	sck=$(echo "$l" | sed -n 's/.*checksum \([0-9a-f]*\).*/\1/p')
	dck=$(sed -n 's/.*checksum \([0-9a-f]*\) matches.*/\1/p' "$TMP/$t.dst")
	pc=$(grep -h 'storage flim post-copy:' "$TMP/$t.src" | sed 's/.*post-copy: //')
	ctl "$TMP/$t.dsock" '{"execute":"stop"}' >/dev/null
	chk=$(python3 testbeds/migrate/storage-check.py "$TMP/$t.src.img" "$TMP/$t.dst.img")
	if [ -n "$sck" ] && [ "$sck" = "$dck" ] && [ "${chk%%:*}" = ok ]; then
		[ "$3" = precopy ] || grep -q 'incoming post-copy: complete.*matches' "$TMP/$t.dst" ||
			[ -z "$pc" ] && ok=ok
	fi
	echo "  $1 $t: total ${tot:-fail} ms, downtime ${dn:-fail} ms, ${by:-?} bytes, checksum $ok ($chk)"
	[ -n "$pc" ] && echo "    post-copy: $pc"
	grep -h "storage $3:" "$TMP/$t.src" | sed 's/.*storage/    storage/'
	# bytes by category, dedup (held, by reference, from RAM pages) over the whole migration
	n=$(sed -n 's/.*\(storage [a-z]*: bytes full .*dup pages [0-9]*\);.*/\1/p' "$TMP/$t.statlog" 2>/dev/null | head -n 1)
	[ -n "$n" ] && echo "    $n"
	rb=$(echo "$n" | sed -n 's/.*from RAM pages \([0-9]*\) blocks.*/\1/p')
	bb=$(echo "$n" | sed -n 's/.*RAM pages from blocks \([0-9]*\),.*/\1/p')
	# where the downtime went (the statlog's closing note)
	sed -n 's/.*completed: setup [^,]*, total [^,]*, \(downtime .*\), bytes [0-9]*, \(final pass .*\), checksum [0-9a-f]*$/    \1, \2/p' "$TMP/$t.statlog" 2>/dev/null | head -n 1
	ctl "$TMP/$t.dsock" '{"execute":"quit"}' >/dev/null
	wait_exit "$d" 5 || bed_stop "$d"
	bed_stop "$s" 2>/dev/null
}

num() { echo "$1" | sed -n "s/.*[ (]\([0-9]*\) $2.*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.3f", a / b; else printf "n/a" }'; }

SUMMARY=
for L in $LINKS; do
	link "$L"
	echo "== link $L (RTT $RTT ms), disk $DISK MiB, RAM 128 MiB, I/O $IO, checksum ${CHECKSUM:-stop}"
	run "$L" "$L-precopy" precopy ""
	pt=$tot pd=$dn pb=$by pok=$ok
	run "$L" "$L-flim" flim ""
	ft=$tot fd=$dn fb=$by fok=$ok fpc=$pc
	run "$L" "$L-flimod" flim ",\"postcopy-prefetch\":false"
	ook=$ok opc=$pc
	fm=$(num "$fpc" misses) om=$(num "$opc" misses)
	p50=$(echo "$fpc" | sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p')
	echo "  $L: post-copy misses $fm with prefetch + hot-area, $om on demand alone; miss wait p50 ${p50:-?} ms (RTT $RTT ms, ratio $(ratio "$p50" "$RTT"))"
	c=MISMATCH
	[ "$pok$fok$ook" = okokok ] && c=ok
	if [ "${PAGECACHE:-0}" = 1 ]; then
		run "$L" "$L-flimnoram" flim ',"dup":true,"ram-dedup":false'
		[ "$ok" = ok ] || c=MISMATCH
		nb=$by nt=$tot
		run "$L" "$L-flimdup" flim ',"dup":true'
		[ "$ok" = ok ] || c=MISMATCH
		PCLINE="$PCLINE
storage $L page cache: flim-dup/flim-noram bytes $(ratio "$by" "$nb")x time $(ratio "$tot" "$nt")x, ${rb:-?} RAM + ${bb:-?} BLOCK entries"
	fi
	SUMMARY="$SUMMARY
storage $L: flim/precopy time $(ratio "$ft" "$pt")x bytes $(ratio "$fb" "$pb")x misses(prefetch)/misses(on-demand) $(ratio "$fm" "$om")x downtime flim ${fd:-fail} ms precopy ${pd:-fail} ms checksum $c"
done
echo "$PCLINE$SUMMARY" | sed '/^$/d'
