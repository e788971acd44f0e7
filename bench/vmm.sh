#!/bin/sh
# tsvmm micro-benchmarks (numbers go to bench/vmm.md by hand):
#   boot latency, stop/cont -> guest TSC gap accuracy, dirty-log counts, fill throughput.
# usage: bench/vmm.sh [BUILD]   (needs /dev/kvm)
B=${1:-build}
T=$B/bin/tsvmm
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$TMP"' EXIT
json() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" | head -n 1; }
start() { # start ARGS...: a VM with a control socket
	"$T" run --control "$TMP/s" --serial /dev/null "$@" 2>"$TMP/err" &
	PID=$!
	while [ ! -S "$TMP/s" ]; do sleep 0.05; done
	sleep 0.3
}
stop_vm() { "$T" ctl "$TMP/s" '{"execute": "quit"}' >/dev/null; wait $PID; PID=; }

echo "## boot (tsvmm run --mem M --duration 0.01)"
for m in 64M 1G 4G; do
	s=$(date +%s%N)
	"$T" run --mem $m --duration 0.01 --serial /dev/null 2>"$TMP/e"
	e=$(date +%s%N)
	echo "mem $m: process wall $(( (e - s) / 1000000 )) ms, $(grep -o 'built in [0-9]* us' "$TMP/e"), vCPU start to $(grep -o 'ring 3 in [0-9]* us' "$TMP/e")"
done

echo "## stop/cont: guest-seen TSC gap minus VMM-measured pause"
start --mem 64M --gap-ns 10000000
for d in 0.1 0.5 1 2; do
	for i in 1 2 3; do
		"$T" ctl "$TMP/s" '{"execute": "stop"}' >/dev/null
		sleep $d
		"$T" ctl "$TMP/s" '{"execute": "cont"}' >/dev/null
		sleep 0.2
		r=$("$T" ctl "$TMP/s" '{"execute": "query-status"}')
		p=$(echo "$r" | json last_pause_ns)
		g=$(echo "$r" | json last_gap_ns)
		echo "pause $d s: VMM $p ns, guest gap $g ns, diff $(( (g - p) / 1000 )) us"
	done
done
stop_vm

echo "## dirty log: pages reported in 1 s vs the guest's dirty rate (wss 32768 pages)"
for rate in 100 1000 10000 30000; do
	start --mem 256M --wss 32768 --dirty-rate $rate
	r=$("$T" ctl "$TMP/s" '{"execute": "x-dirty-log-sample", "arguments": {"ms": 1000}}')
	echo "rate $rate/s: $(echo "$r" | json wss_pages) working-set pages, $(echo "$r" | json other_pages) others"
	stop_vm
done

echo "## fill: random pages written by the guest in ring 3"
for m in 256M 1G; do
	"$T" run --mem $m --profile random=1 --duration 0.01 --serial /dev/null 2>"$TMP/e"
	grep -o 'fill [0-9]* pages in [0-9]* ms' "$TMP/e" | sed "s/^/mem $m: /"
done
echo "## ring-3 time loop: TSC reads per 100 ms sample"
"$T" run --mem 64M --duration 1 --serial /dev/null --report "$TMP/r" 2>/dev/null
awk '$2 == 3 { n++; s += $6 } END { printf "%.1f M reads/s, %.1f ns per loop\n", s / n * 10 / 1e6, 1e9 / (s / n * 10) }' "$TMP/r"
