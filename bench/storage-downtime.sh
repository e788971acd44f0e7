#!/bin/sh
# Downtime against RAM size (issue 15 item 6): "checksum": "stop" (the source re-reads all
# of its RAM after the stop) vs "early" (the switchover checksum from the hashes of the copies
# sent; RAM re-read and verified after RUNNING), at 256 MiB, 1 GiB and 4 GiB of RAM, on a
# 1 Gbit/s link (TBF on veth), mostly zero memory (zero=0.9,random=0.1), dirtying 2000 pages/s
# over 512 pages, no disk.
#   bench/storage-downtime.sh [BUILD]          (root, /dev/kvm)
# One line per size and mode, then per mode: downtime(4 GiB)/downtime(256 MiB).
cd "$(dirname "$0")/.." || exit 2
BUILD=${1:-${BUILD:-build}}
BIN=$BUILD/bin
V=$BIN/tsvmm
. testbeds/netns.sh
TMP=$(mktemp -d)
trap 'bed_cleanup; rm -rf "$TMP"' EXIT
trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 130' INT TERM
[ -c /dev/kvm ] && [ "$(id -u)" -eq 0 ] || { echo "needs root and /dev/kvm"; exit 1; }
. testbeds/migrate/lib.sh
A=10.88.0.1 B=10.88.0.2
bed_ns_add a && bed_ns_add b && bed_link a veth0 $A b veth0 $B || exit 1
bed_exec a tc qdisc replace dev veth0 root tbf rate 1gbit burst 1mb latency 50ms
bed_exec b tc qdisc replace dev veth0 root tbf rate 1gbit burst 1mb latency 50ms
PORT=5700
for mem in 256M 1G 4G; do
	for ck in stop early; do
		PORT=$((PORT + 1)) t=$mem-$ck
		g="--mem $mem --profile zero=0.9,random=0.1 --dirty-rate 2000 --wss 512 --migrate-plaintext"
		# shellcheck disable=SC2086
		bed_bg b "$TMP/$t.dst" "$V" run $g --control "$TMP/$t.dsock" --serial /dev/null --incoming "$B:$PORT"
		d=$BED_LASTPID
		# shellcheck disable=SC2086
		bed_bg a "$TMP/$t.src" "$V" run $g --control "$TMP/$t.ssock" --serial /dev/null
		s=$BED_LASTPID
		if bed_wait_for "$TMP/$t.dst" "waiting for a migration" 10 && wait_guest "$TMP/$t.ssock" 2 60; then
			ctl "$TMP/$t.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"zero\",\"checksum\":\"$ck\",\"downtime-limit\":50,\"statlog\":\"$TMP/$t.statlog\"}}" >/dev/null
			ctl "$TMP/$t.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$PORT\"}}" >/dev/null
			wait_exit "$s" 300 || echo "storage-downtime: $t did not finish" >&2
		fi
		dn=$(sed -n 's/.*completed: downtime \([0-9.]*\) ms.*/\1/p' "$TMP/$t.src")
		why=$(sed -n 's/.*completed: setup [^,]*, total [^,]*, downtime [^,]*, \(passes .*\), bytes [0-9]*, \(final pass .*\), checksum [0-9a-f]*$/\1, \2/p' "$TMP/$t.statlog" 2>/dev/null | head -n 1)
		ver=$(sed -n 's/.*checksum early: the destination verified .*(\([0-9.]*\) ms after RUNNING).*/\1/p' "$TMP/$t.src")
		echo "ram $mem checksum $ck: downtime ${dn:-fail} ms${ver:+, verified $ver ms after RUNNING} ($why)"
		eval "dn_${ck}_$mem=\${dn:-0}"
		ctl "$TMP/$t.dsock" '{"execute":"quit"}' >/dev/null
		wait_exit "$d" 10 || bed_stop "$d"
		bed_stop "$s" 2>/dev/null
	done
done
for ck in stop early; do
	a=0 b=0
	eval "a=\$dn_${ck}_256M b=\$dn_${ck}_4G"
	echo "checksum $ck: downtime 4 GiB / 256 MiB = $(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }')x"
done
