#!/bin/sh
# make demo: live-migrate a tsvmm VM between two network namespaces, plain pre-copy and then
# with every dedup technique, and print the migration report of each (tsvmm's own numbers).
#   testbeds/migrate/demo.sh [BUILD]      (root and /dev/kvm; skips with a reason otherwise)
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BIN=$BUILD/bin
V=$BIN/tsvmm
echo
echo "== live migration: a 256 MiB VM (40% zero, 20% duplicate, 10% disk-identical pages,"
echo "   dirtying 1000 pages/s) moves between two namespaces over veth, with checksums,"
echo "   over TLS 1.3 authenticated by a pre-shared key; a stray peer and a wrong key are refused"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/kvm ] || [ ! -x "$V" ]; then
	echo "   (skipped: needs root, /dev/kvm and $V)"
	exit 0
fi
. testbeds/netns.sh
TMP=$(mktemp -d)
trap 'bed_cleanup; rm -rf "$TMP"' EXIT
trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 143' INT TERM
head -c 32M /dev/urandom >"$TMP/disk.img"
GUEST="--mem 256M --disk $TMP/disk.img --profile zero=0.4,dup=0.2,disk=0.1,random=0.3 \
--dirty-rate 1000 --wss 4096"
bed_ns_add a && bed_ns_add b && bed_link a veth0 10.84.0.1 b veth0 10.84.0.2 || exit 1
# migration over TLS 1.3 with a pre-shared key (psktool's IDENTITY:HEXKEY format, mode 600)
(umask 077 && echo "demo:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$TMP/psk")
for mode in none all; do
	# shellcheck disable=SC2086
	bed_bg b "$TMP/$mode.dst" "$V" run $GUEST --tls-psk "$TMP/psk" --control "$TMP/$mode.d" --incoming 10.84.0.2:5000
	# shellcheck disable=SC2086
	bed_bg a "$TMP/$mode.src" "$V" run $GUEST --tls-psk "$TMP/psk" --control "$TMP/$mode.s"
	bed_wait_for "$TMP/$mode.dst" "waiting for a migration" 10 || exit 1
	sleep 2 # the guest fills its memory
	if [ "$mode" = none ]; then
		# hostile peers first: a stray connection, then a source with the wrong key; the
		# destination refuses both before writing any guest memory and keeps waiting
		(umask 077 && echo "demo:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$TMP/wrong")
		bed_exec a python3 -c 'import socket; s = socket.create_connection(("10.84.0.2", 5000)); s.sendall(b"GET / HTTP/1.0\r\n\r\n"); s.close()' 2>/dev/null
		"$V" ctl "$TMP/$mode.s" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:10.84.0.2:5000\", \"tls-psk\": \"$TMP/wrong\"}}" >/dev/null
		bed_wait_for "$TMP/$mode.src" "failed" 10
		_t=40
		while [ "$(grep -c 'refused' "$TMP/$mode.dst")" -lt 2 ] && [ $_t -gt 0 ]; do sleep 0.05; _t=$((_t - 1)); done
		grep -h 'refused' "$TMP/$mode.dst" | sed 's/^tsvmm: incoming: /   destination: /; s/ after 0 bytes//' | cut -c1-160
		grep -h 'failed' "$TMP/$mode.src" | sed 's/^tsvmm: /   source (wrong key): /; s/tcp:10.84.0.2:5000: TLS/TLS/' | cut -c1-160 | head -n 1
		echo "   (the source's guest runs on; the destination still waits for the real migration)"
		echo
	fi
	"$V" ctl "$TMP/$mode.s" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"$mode\"}}" >/dev/null
	[ "$mode" = none ] && printf '   %-6s %10s %12s %12s %8s  %s\n' mode "total ms" "downtime ms" \
		"MB on wire" passes "pages (destination's count)"
	skip=$(grep -c 'failed' "$TMP/$mode.src") # the refused attempt above
	"$V" ctl "$TMP/$mode.s" '{"execute":"migrate","arguments":{"uri":"tcp:10.84.0.2:5000"}}' >/dev/null
	_t=1200
	while ! grep -q 'completed' "$TMP/$mode.src" && [ "$(grep -c 'failed' "$TMP/$mode.src")" -le "$skip" ] &&
		[ $_t -gt 0 ]; do
		sleep 0.1
		_t=$((_t - 1))
	done
	bed_wait_for "$TMP/$mode.dst" "guest running" 10
	awk -v m="$mode" -v d="$TMP/$mode.dst" -v skip="$skip" '
	/migration to .* completed/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "downtime") dt = $(i + 1); if ($i == "total") tt = $(i + 1)
			if ($i == "passes,") ps = $(i - 1); if ($i == "bytes,") by = $(i - 1)
		}
		while ((getline l < d) > 0) if (l ~ /guest running/) { sub(/.*pages /, "", l); sub(/, disk mis.*/, "", l); pg = l }
		printf "   %-6s %10.1f %12.1f %12.1f %8s  %s\n", m, tt, dt, by / 1e6, ps, pg; ok = 1
	}
	/failed/ && ++nf > skip { print "   " m ": " $0; ok = 1 }
	END { if (!ok) print "   " m ": no result" }' "$TMP/$mode.src"
	grep -h "checksum .* matches" "$TMP/$mode.dst" | sed 's/^tsvmm: incoming: /          /'
	"$V" ctl "$TMP/$mode.d" '{"execute":"quit"}' >/dev/null 2>&1
	sleep 0.3
done
echo "   (downtime: source vCPU stop -> destination vCPU run. Switchover checksum: the source"
echo "    re-hashes all of its RAM after the stop, the destination the pages it wrote, both with"
echo "    device and vCPU state; the destination refuses to run on a mismatch)"
