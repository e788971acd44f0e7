#!/bin/sh
# Storage migration bench (issue 15): precopy vs flim for one VM whose disk is built from a
# template both hosts hold, with the guest's moderate I/O workload (write=4M,read=8M: 4 MB/s
# written, 8 MB/s read, hot sets of 10 % / 20 % of the disk) running throughout.
#   [CHECKSUM=stop|early] bench/storage-migrate.sh [--quick] [--qemu] [BUILD]   (root, /dev/kvm)
# CHECKSUM (default stop): the "checksum" parameter of every run (early: no RAM or disk
# read in the downtime, verified after RUNNING).
# PAGECACHE=1: the guest writes through a page cache (--io ...,write-share=0.2,cache=300: each
# write is a RAM page flushed to disk 300 ms later, spread over the disk) and each link also
# runs flim with "dup" on as well, without ("ram-dedup": false, flim-noram) and with the
# references between disk and RAM (flim-dup: a dirty block equal to a RAM page the
# destination received goes as a RAM entry, a RAM page equal to a block its image holds as a
# BLOCK entry), and prints
#   storage LINK page cache: flim-dup/flim-noram bytes xB time xT, N RAM + M BLOCK entries
# BLOCKSIZES="65536 262144": each link also runs flim and precopy (BS_MODES="flim precopy")
# at these block sizes ("block-size"; the runs above use 4096) and prints, per size,
#   storage LINK block-size N: flim time T ms, B bytes, M misses; vs 4096: time xT bytes xB
#   storage LINK block-size N: precopy time T ms, B bytes; vs 4096: time xT bytes xB
# (vs 4096: against the same link's flim / precopy row at 4096)
# (at a size other than 4096 there is no dedup between disk blocks and RAM pages; the block
# device still counts misses per 4 KiB guest read, and a miss fetches the whole block).
# Links through tsync-netem (user-space relay; this kernel has no sch_netem):
#   wan  100 Mbit/s, 10 ms each way (20 ms RTT); max-bandwidth 11.5 MB/s (just under the link)
#   1g   1 Gbit/s, 1 ms each way (2 ms RTT); max-bandwidth 60 MB/s (the relay's CPU limit here)
# Modes per link: precopy; flim (dedup, hot-area scheduling, early switchover, post-copy with
# prefetch in hot-area order); flim-od (the same with on-demand fetching alone for 2 s, then
# the rest in block order: the baseline for the post-copy misses).
# Sizes (a shared 2-core machine): RAM 128 MiB, disk 256 MiB (--quick: 64 MiB, wan only);
# the full run also moves a 1 GiB disk over the 1g link (precopy and flim: BIG=1, the default
# without --quick; BIG=0 skips it) and prints
#   storage 1g disk 1 GiB: flim/precopy time xT bytes xB downtime flim D1 ms precopy D2 ms ...
# LINKS="..." overrides the links of the main rows (LINKS= runs none of them).
# --qemu: on the wan link, also the disk idle (no guest I/O; the source's disk is the template
# with 1 MiB of its own changes), tsvmm precopy and flim beside QEMU 7.2 (the multiboot build
# of the same guest payload, same RAM size and dirtying; testbeds/migrate/qemu.sh) carrying
# the same image as a virtio-blk drive with its block migration: "blk" (migrate -b: the
# whole disk) and "blk"+"inc" (migrate -i: the source's qcow2 overlay on the template, the
# destination's an empty overlay on its copy of the template: only the overlay's clusters).
# Per row: total time, downtime, bytes (tsvmm: its stream; and for every row the bytes into
# the destination's veth, TCP/IP headers included: QEMU 7.2's query-migrate counts only RAM
# bytes once a block migration completed), and the destination's disk against the source's
# (tsvmm: storage-check.py and the switchover checksum; QEMU: qemu-img compare). QEMU's guest
# payload cannot drive a disk (its block device is tsvmm's), so QEMU has no I/O rows; it
# does not dedup against the template's blocks the source did not change, it has no
# post-copy for the disk in 7.2's block migration, and no switchover checksum.
# Two more QEMU rows (QEMU_MODES, default "blk inc mirror mirror-top"), storage migration
# without block migration (testbeds/migrate/qemu.sh QEMU_MIRROR): the destination exports its
# drive over NBD (writable), the source runs blockdev-mirror to it over the same link until
# the job is ready, then migrates RAM with pause-before-switchover and, the source stopped,
# cancels the ready job (which writes its last dirty blocks first), then lets the switch go on:
# "mirror" (raw images, sync full: the whole disk) and "mirror-top" (the qcow2 overlays of
# "inc", sync top: the source's overlay clusters only). Their total is the whole move: mirror
# start to ready, plus query-migrate's total (its downtime includes the cancel;
# QEMU_MIRROR_CANCEL=after: the cancel after the migration, added).
# Each flim run ends with testbeds/migrate/storage-check.py: the destination's disk must equal
# the source's at its stop plus the guest's later writes. One summary line per link, last:
#   storage LINK: flim/precopy time xT bytes xB misses(prefetch)/misses(on-demand) xM downtime
#   flim D1 ms precopy D2 ms checksum ok|MISMATCH
cd "$(dirname "$0")/.." || exit 2
QUICK=0 QEMU=0
while :; do
	case $1 in
	--quick) QUICK=1 ;;
	--qemu) QEMU=1 ;;
	*) break ;;
	esac
	shift
done
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
if [ $QUICK = 1 ]; then DISK=64 LINKS=${LINKS-wan} BIG=${BIG:-0}; else DISK=256 LINKS=${LINKS-wan 1g} BIG=${BIG:-1}; fi
IO=write=4M,read=8M
[ "${PAGECACHE:-0}" = 1 ] && IO=$IO,write-share=0.2,cache=300
GUEST="--mem 128M --profile zero=0.5,random=0.5 --dirty-rate 2000 --wss 512 --io $IO --migrate-plaintext"
head -c "${DISK}M" /dev/urandom >"$TMP/base.img"
BASEIMG=$TMP/base.img # the template both hosts hold
SRCIMG=$BASEIMG       # the source's disk before the guest's own writes
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
	cp "$SRCIMG" "$TMP/$t.src.img"
	cp "$BASEIMG" "$TMP/$t.dst.img"
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
	[ "$DISK" -le 256 ] || rm -f "$TMP/$t.src.img" "$TMP/$t.dst.img" # a big disk: room
}

num() { echo "$1" | sed -n "s/.*[ (]\([0-9]*\) $2.*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.3f", a / b; else printf "n/a" }'; }

rxb() { bed_exec b cat /sys/class/net/veth0/statistics/rx_bytes; } # bytes into the destination
# qemu_rows LINK: the disk idle, tsvmm precopy and flim, QEMU 7.2 blk and blk+inc
qemu_rows() {
	. testbeds/migrate/qemu.sh
	g=$GUEST SRCIMG=$TMP/idle.src.img
	cp "$TMP/base.img" "$SRCIMG" # the source's own change: 1 MiB at 0 copied from 8 MiB on
	dd if="$TMP/base.img" of="$SRCIMG" bs=1M skip=8 count=1 conv=notrunc 2>/dev/null
	GUEST=$(echo "$g" | sed 's/--io [^ ]*//')
	echo "== link $1 (RTT $RTT ms), disk $DISK MiB idle (the template + 1 MiB of the source's own), RAM 128 MiB: tsvmm vs QEMU 7.2"
	w0=$(rxb)
	run "$1" "$1-idle-precopy" precopy ""
	QLINE="storage $1 disk idle: tsvmm precopy total ${tot:-fail} ms downtime ${dn:-fail} ms ${by:-?} bytes (wire $(($(rxb) - w0))) checksum $ok"
	w0=$(rxb)
	run "$1" "$1-idle-flim" flim ""
	QLINE="$QLINE; flim total ${tot:-fail} ms downtime ${dn:-fail} ms ${by:-?} bytes (wire $(($(rxb) - w0))) checksum $ok"
	GUEST=$g SRCIMG=$TMP/base.img
	if ! why=$(BUILD=$BUILD qemu_available); then
		QLINE="$QLINE; QEMU skipped: $why"
		echo "  QEMU skipped: $why"
		return
	fi
	khz=$(BUILD=$BUILD BIN=$BIN qemu_tsc_khz)
	mkdir -p "$TMP/q"
	for m in ${QEMU_MODES:-blk inc mirror mirror-top}; do
		PORT=$((PORT + 1))
		rm -f "$TMP/q.src.img" "$TMP/q.dst.img"
		case $m in
		blk | mirror) # the whole image both ways; the destination's is overwritten
			cp "$TMP/idle.src.img" "$TMP/q.src.img" && cp "$TMP/base.img" "$TMP/q.dst.img"
			f=raw ;;
		inc | mirror-top) # the source's overlay holds its own clusters only; the destination's is empty
			qemu-img create -q -f qcow2 -b "$TMP/idle.src.img" -F raw "$TMP/q.src.img" &&
				qemu-img rebase -f qcow2 -b "$TMP/base.img" -F raw "$TMP/q.src.img" &&
				qemu-img create -q -f qcow2 -b "$TMP/base.img" -F raw "$TMP/q.dst.img"
			f=qcow2 ;;
		esac
		mir='' mig=''
		case $m in
		blk) mig=',"blk":true' ;;
		inc) mig=',"blk":true,"inc":true' ;;
		mirror) mir=full ;;
		mirror-top) mir=top ;;
		esac
		w0=$(rxb)
		r=$(BUILD=$BUILD BIN=$BIN QEMU_MIG_ARGS=$mig QEMU_MIRROR=$mir \
			QEMU_SRC_ARGS="-drive file=$TMP/q.src.img,format=$f,if=none,id=d0 -device virtio-blk-pci,drive=d0" \
			QEMU_DST_ARGS="-drive file=$TMP/q.dst.img,format=$f,if=none,id=d0 -device virtio-blk-pci,drive=d0" \
			qemu_migrate a b $B $PORT 128 "wss=512 rate=2000 tsc_khz=$khz zero=500 random=500" 300 "$TMP/q")
		qb=$(($(rxb) - w0)) # QEMU 7.2's query-migrate counts RAM bytes only after block migration
		cmpr=$(qemu-img compare -q -f $f -F $f "$TMP/q.src.img" "$TMP/q.dst.img" 2>&1 && echo identical || echo "MISMATCH")
		qt=$(echo "$r" | sed -n 's/.*total_ms=\([0-9]*\).*/\1/p')
		qd=$(echo "$r" | sed -n 's/.*downtime_ms=\([0-9]*\).*/\1/p')
		if [ -n "$mir" ] && [ -n "$qt" ]; then # mirror start to the job's end: the whole move
			mr=$(echo "$r" | sed -n 's/.*mirror_ready_ms=\([0-9]*\).*/\1/p')
			mc=$(echo "$r" | sed -n 's/.*cancel_ms=\([0-9]*\).*/\1/p')
			[ "${QEMU_MIRROR_CANCEL:-}" = after ] || mc=0 # else in query-migrate's total
			qt=$((${mr:-0} + qt + ${mc:-0}))
		fi
		echo "  $1 qemu-$m: $r; wire bytes $qb, qemu-img compare: $cmpr"
		QLINE="$QLINE; QEMU $m total ${qt:-fail} ms downtime ${qd:-fail} ms wire $qb bytes disk $cmpr"
	done
}

SUMMARY=
[ $QEMU = 1 ] && { link wan; qemu_rows wan; }
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
	for bs in ${BLOCKSIZES:-}; do
		for m in ${BS_MODES:-flim precopy}; do
			run "$L" "$L-$m$bs" "$m" ",\"block-size\":$bs"
			[ "$ok" = ok ] || c=MISMATCH
			if [ "$m" = flim ]; then
				BSLINE="$BSLINE
storage $L block-size $bs: flim time ${tot:-fail} ms, ${by:-?} bytes, $(num "$pc" misses) misses, downtime ${dn:-fail} ms; vs 4096: time $(ratio "$tot" "$ft")x bytes $(ratio "$by" "$fb")x checksum $ok"
			else
				BSLINE="$BSLINE
storage $L block-size $bs: precopy time ${tot:-fail} ms, ${by:-?} bytes, downtime ${dn:-fail} ms; vs 4096: time $(ratio "$tot" "$pt")x bytes $(ratio "$by" "$pb")x checksum $ok"
			fi
		done
	done
	SUMMARY="$SUMMARY
storage $L: flim/precopy time $(ratio "$ft" "$pt")x bytes $(ratio "$fb" "$pb")x misses(prefetch)/misses(on-demand) $(ratio "$fm" "$om")x downtime flim ${fd:-fail} ms precopy ${pd:-fail} ms checksum $c"
done
if [ "$BIG" = 1 ]; then # a 1 GiB disk on the 1 Gbit/s link: precopy vs flim
	link 1g
	DISK=1024
	head -c 1G /dev/urandom >"$TMP/base1g.img"
	BASEIMG=$TMP/base1g.img SRCIMG=$TMP/base1g.img
	echo "== link 1g (RTT $RTT ms), disk $DISK MiB, RAM 128 MiB, I/O $IO, checksum ${CHECKSUM:-stop}"
	run 1g 1g-1g-precopy precopy ""
	pt=$tot pd=$dn pb=$by pok=$ok
	run 1g 1g-1g-flim flim ""
	c=MISMATCH
	[ "$pok$ok" = okok ] && c=ok
	SUMMARY="$SUMMARY
storage 1g disk 1 GiB: flim/precopy time $(ratio "$tot" "$pt")x bytes $(ratio "$by" "$pb")x downtime flim ${dn:-fail} ms precopy ${pd:-fail} ms; precopy ${pt:-fail} ms flim ${tot:-fail} ms checksum $c"
fi
echo "${QLINE:-}$PCLINE$BSLINE$SUMMARY" | sed '/^$/d'
