#!/bin/sh
# tsvmm live-migration dedup-mode bench: one guest per run migrates between two network namespaces
# (veth) with each dedup mode; prints one table row per run (numbers quoted in
# bench/migrate.md). Needs root and /dev/kvm.
#   bench/migrate-modes.sh [BUILD] [MEM] [DIRTY_RATE] [RUNS]
BUILD=${1:-build}
MEM=${2:-128M}
RATE=${3:-5000}
RUNS=${4:-3}
BIN=$BUILD/bin
V=$BIN/tsvmm
[ -c /dev/kvm ] || { echo "bench-migrate: no /dev/kvm"; exit 0; }
. testbeds/netns.sh
TMP=$(mktemp -d)
trap 'bed_cleanup; rm -rf "$TMP"' EXIT INT TERM
head -c 16M /dev/urandom >"$TMP/disk.img"
GUEST="--mem $MEM --disk $TMP/disk.img --profile zero=0.4,dup=0.2,disk=0.2,random=0.2 \
--dirty-rate $RATE --wss 1024 --sample-ms 50"
bed_ns_add a && bed_ns_add b && bed_link a veth0 10.81.0.1 b veth0 10.81.0.2 || exit 1
. testbeds/migrate/lib.sh # ctl, jget
col() { awk -v c="$2" '/^# columns:/ { for (i = 3; i <= NF; i++) if ($i == c) k = i - 2 }
	!/^#/ && k { v = $k } END { print v + 0 }' "$1"; }
echo "guest: $GUEST"
printf '%-9s %9s %9s %8s %6s %11s %7s %6s %6s %6s %6s %9s %9s\n' mode downtime total setup \
	passes bytes zero dup disk comp full bw[MB/s] gap[ms]
port=5300
for run in $(seq "$RUNS"); do
	for mode in none zero dup disk compress all; do
		port=$((port + 1))
		t=$TMP/$mode.$run
		# shellcheck disable=SC2086
		bed_bg b "$t.dst" "$V" run $GUEST --migrate-plaintext --control "$t.dsock" --serial /dev/null \
			--incoming 10.81.0.2:$port
		D=$BED_LASTPID
		# shellcheck disable=SC2086
		bed_bg a "$t.src" "$V" run $GUEST --migrate-plaintext --control "$t.ssock" --serial /dev/null
		S=$BED_LASTPID
		bed_wait_for "$t.dst" "waiting for a migration" 5 || continue
		until [ "$(jget "$(ctl "$t.ssock" '{"execute":"query-status"}')" samples)" -gt 10 ] 2>/dev/null; do
			sleep 0.05
		done
		ctl "$t.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"$mode\",\"statlog\":\"$t.statlog\"}}" >/dev/null
		ctl "$t.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:10.81.0.2:$port\"}}" >/dev/null
		n=200
		while bed_alive "$S" && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
		sleep 0.3
		gap=$(jget "$(ctl "$t.dsock" '{"execute":"query-status"}')" max_gap_ns)
		ctl "$t.dsock" '{"execute":"quit"}' >/dev/null
		bed_stop "$D" "$S"
		note=$(grep '^# completed' "$t.statlog")
		[ -n "$note" ] || { echo "$mode: failed: $(grep -h 'failed' "$t.src" "$t.dst")"; continue; }
		num() { echo "$note" | sed -n "s/.*$1 \([0-9.]*\).*/\1/p"; }
		bw=$(awk '!/^#/ && $2 == 0 { printf "%.0f", $5 / 1e6 }' "$t.statlog")
		printf '%-9s %9s %9s %8s %6s %11s %7s %6s %6s %6s %6s %9s %9.1f\n' $mode \
			"$(num downtime)" "$(num total)" "$(num setup)" "$(num passes)" "$(num bytes)" \
			"$(col "$t.statlog" zero)" "$(col "$t.statlog" dup)" "$(col "$t.statlog" disk)" \
			"$(col "$t.statlog" compressed)" "$(col "$t.statlog" full)" "$bw" \
			"$(awk -v g="$gap" 'BEGIN { print g / 1e6 }')"
	done
done
