#!/bin/sh
# What TLS costs a migration: the same guest migrates over the 1g link of
# bench/migrate-compare.sh (veth, TBF 1 Gbit/s on both egresses) in plaintext
# (--migrate-plaintext) and over TLS 1.3 with a pre-shared key, runs interleaved
# (plain, tls, plain, tls ...) so that host load hits both alike. Prints one row per run and
# the medians (numbers go to bench/migrate.md by hand).
#   [LINK=10g] bench/migrate-tls.sh [BUILD] [RUNS=5] [MEM=256M] [MODES="none all"]
# Throughput: pass 0 (every page once) bytes / its time from the source's statlog; total and
# downtime from the source's completion line. Needs root and /dev/kvm.
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
RUNS=${2:-5}
MEM=${3:-256M}
MODES=${4:-none all}
LINK=${LINK:-1g} # 1g, or 10g: unshaped veth (where the CPU, not the link, sets the pace)
V=$BUILD/bin/tsvmm
[ -c /dev/kvm ] && [ "$(id -u)" -eq 0 ] && [ -x "$V" ] || { echo "needs root, /dev/kvm, $V"; exit 1; }
. testbeds/netns.sh
TMP=$(mktemp -d)
trap 'bed_cleanup; rm -rf "$TMP"' EXIT
trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 143' INT TERM
. testbeds/migrate/lib.sh # ctl, wait_guest, wait_exit
A=10.88.0.1
B=10.88.0.2
head -c 32M /dev/urandom >"$TMP/disk.img"
(umask 077 && echo "bench:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$TMP/psk")
G="--mem $MEM --disk $TMP/disk.img --profile zero=0.4,dup=0.2,disk=0.1,random=0.3 --wss 4096 --dirty-rate 1000 --serial /dev/null"
bed_ns_add a && bed_ns_add b && bed_link a veth0 $A b veth0 $B || exit 1
if [ "$LINK" = 1g ]; then
	bed_exec a tc qdisc replace dev veth0 root tbf rate 1gbit burst 1mb latency 50ms || exit 1
	bed_exec b tc qdisc replace dev veth0 root tbf rate 1gbit burst 1mb latency 50ms || exit 1
fi
PORT=5400

# one MODE CRED: a migration; prints "total_ms downtime_ms pass0_MB/s bytes setup_ms" or "fail"
one() {
	PORT=$((PORT + 1))
	t=$TMP/r$PORT
	# shellcheck disable=SC2086
	bed_bg b "$t.dst" "$V" run $G $2 --control "$t.dsock" --incoming "$B:$PORT"
	d=$BED_LASTPID
	# shellcheck disable=SC2086
	bed_bg a "$t.src" "$V" run $G $2 --control "$t.ssock"
	s=$BED_LASTPID
	if bed_wait_for "$t.dst" "waiting for a migration" 5 && wait_guest "$t.ssock" 5 30; then
		ctl "$t.ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"$1\",\"statlog\":\"$t.statlog\"}}" >/dev/null
		ctl "$t.ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$PORT\"}}" >/dev/null
		wait_exit "$s" 120
	fi
	l=$(grep 'completed: downtime' "$t.src")
	if [ -z "$l" ]; then
		echo fail
	else
		bw=$(awk '/^# columns:/ { for (i = 3; i <= NF; i++) { if ($i == "pass") cp = i - 2; if ($i == "bw[B/s]") cw = i - 2 } }
			!/^#/ && cp && $cp == 0 { printf "%.1f", $cw / 1e6; exit }' "$t.statlog")
		echo "$(echo "$l" | sed -n 's/.*total \([0-9.]*\) ms.*/\1/p')" \
			"$(echo "$l" | sed -n 's/.*downtime \([0-9.]*\) ms.*/\1/p')" "$bw" \
			"$(echo "$l" | sed -n 's/.* \([0-9]*\) bytes.*/\1/p')" \
			"$(sed -n 's/^# completed: setup \([0-9.]*\) ms.*/\1/p' "$t.statlog")"
	fi
	bed_stop "$s" "$d"
}

printf '%-5s %-6s %-4s %9s %9s %11s %11s %9s\n' mode tls run total_ms down_ms pass0_MB/s bytes setup_ms
for mode in $MODES; do
	for run in $(seq "$RUNS"); do
		for tls in plain psk; do
			[ $tls = plain ] && cred=--migrate-plaintext || cred="--tls-psk $TMP/psk"
			r=$(one "$mode" "$cred")
			# shellcheck disable=SC2086
			printf '%-5s %-6s %-4s %9s %9s %11s %11s %9s\n' "$mode" $tls "$run" $r | tee -a "$TMP/rows"
		done
	done
done
echo
echo "medians over $RUNS runs ($MEM guest, link $LINK):"
printf '%-5s %-6s %9s %9s %11s %9s\n' mode tls total_ms down_ms pass0_MB/s setup_ms
for mode in $MODES; do
	for tls in plain psk; do
		med() { awk -v m="$mode" -v t="$tls" -v c="$1" '$1 == m && $2 == t && $4 != "fail" { print $c }' "$TMP/rows" | sort -n |
			awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "-" }'; }
		printf '%-5s %-6s %9s %9s %11s %9s\n' "$mode" $tls "$(med 4)" "$(med 5)" "$(med 6)" "$(med 8)"
	done
done
