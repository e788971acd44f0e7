#!/bin/sh
# Storage migration bench (issue 15): modes none, precopy and flim for one VM whose disk is
# built from a template both hosts hold, with the guest's moderate I/O workload running.
#   bench/storage-migrate.sh [DISK_MIB [BW_BYTES_PER_S [IO]]]   (root, /dev/kvm)
# defaults: 128 MiB disk, 12500000 B/s (100 Mbit/s, via max-bandwidth), write=4M,read=8M.
# Prints each mode's completion line and its storage summary (time, bytes, downtime, dedup).
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
. tests/integration/lib.sh
kvm_bed_setup
. testbeds/migrate/lib.sh
A=10.85.0.1 B=10.85.0.2
DISK=${1:-128} BW=${2:-12500000} IO=${3:-write=4M,read=8M}
GUEST="--mem 128M --profile zero=0.5,random=0.5 --dirty-rate 2000 --wss 512 --io $IO --migrate-plaintext"
bed_ns_add a && bed_ns_add b && bed_link a veth0 $A b veth0 $B || exit 1
head -c "${DISK}M" /dev/urandom >"$TMP/base.img"
i=0
for storage in none precopy flim; do
	i=$((i + 1)) port=$((5400 + i)) tag=$storage
	cp "$TMP/base.img" "$TMP/$tag.src.img"
	cp "$TMP/base.img" "$TMP/$tag.dst.img"
	# shellcheck disable=SC2086 # GUEST is a list of options
	bed_bg b "$TMP/$tag.dst" "$V" run $GUEST --disk "$TMP/$tag.dst.img" \
		--control "$TMP/$tag.dsock" --serial /dev/null --incoming "$B:$port"
	DPID=$BED_LASTPID
	# shellcheck disable=SC2086
	bed_bg a "$TMP/$tag.src" "$V" run $GUEST --disk "$TMP/$tag.src.img" \
		--control "$TMP/$tag.ssock" --serial /dev/null
	SPID=$BED_LASTPID
	bed_wait_for "$TMP/$tag.dst" "waiting for a migration" 5 && wait_guest "$TMP/$tag.ssock" ||
		{ echo "storage-migrate: $storage: the VMs did not start" >&2; exit 1; }
	sleep 2 # the source's own writes on top of the template
	ctl "$TMP/$tag.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"zero\",\"migrate-disk\":true,\"storage\":\"$storage\",\"max-bandwidth\":$BW,\"downtime-limit\":300}}" >/dev/null
	ctl "$TMP/$tag.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$port\"}}" >/dev/null
	wait_exit "$SPID" 120
	echo "$storage: $(grep -h 'completed:' "$TMP/$tag.src" | sed 's/.*completed: //')"
	grep -h "storage $storage:" "$TMP/$tag.src"
	ctl "$TMP/$tag.dsock" '{"execute":"quit"}' >/dev/null
	wait_exit "$DPID" 5 || bed_stop "$DPID"
done
