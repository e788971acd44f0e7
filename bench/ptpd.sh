#!/bin/sh
# ptpd-wl benchmarks (BENCHMARKS.md): on the veth bench (bench/ptp-slave.sh) a ptp4l
# grandmaster feeds a ptpd-wl slave on a vclock (2 ms / +80 ppm start) and a ptp4l slave
# (free_running) over identical links, in the same run. Per servo: ptpd-wl's true-error RMS,
# p99, max (judge, after the settle time), time to lock, beside the offset RMS ptp4l reports;
# CPU and RSS of both slaves. Then the same with netem (delay 200us +-50us, 1% loss).
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-${BUILD:-build}}
export BUILD
DUR=${PTPD_BENCH_DURATION:-90}
SETTLE=${PTPD_BENCH_SETTLE:-45}
kv() { echo "$2" | tr " " "\n" | sed -n "s/^$1=//p" | head -n 1; }
row() { # label servo args...
	label=$1
	servo=$2
	shift 2
	echo "\$ bench/ptp-slave.sh --servo $servo --duration $DUR --settle $SETTLE $*" >&2
	out=$(bench/ptp-slave.sh --servo "$servo" --duration "$DUR" --settle "$SETTLE" "$@")
	echo "$out" | sed 's/^/# /' >&2
	j=$(echo "$out" | grep '^judge')
	p=$(echo "$out" | grep '^ptp4l_reported')
	c1=$(echo "$out" | grep '^ptpd_cpu')
	c2=$(echo "$out" | grep '^ptp4l_cpu')
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s/%s | %s/%s |\n' "$label" "$servo" \
		"$(kv rms_ns "$j")" "$(kv p99_ns "$j")" "$(kv max_ns "$j")" "$(kv mean_ns "$j")" \
		"$(kv lock_s "$j")" "$(kv rms "$p")" "$(kv cpu_s "$c1")" "$(kv cpu_s "$c2")" \
		"$(kv rss_kb "$c1")" "$(kv rss_kb "$c2")"
}
echo "| link | servo | ptpd-wl true RMS (ns) | p99 | max | mean | lock (s) | ptp4l reported offset RMS (ns) | CPU s ptpd-wl/ptp4l | RSS kB ptpd-wl/ptp4l |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for s in pi linreg kalman; do
	row "veth UDPv4 E2E" "$s"
done
row "veth L2 P2P" kalman --transport L2 --delay P2P
. testbeds/netns.sh
if [ -n "$PTPD_BENCH_NO_NETEM" ]; then
	:
elif ! bed_has_netem; then
	# no sch_netem in this kernel: the same impairment from tsync-netem in a middle namespace
	for s in pi kalman; do
		row "tsync-netem 200us+-50us 1% loss" "$s" --relay "--delay 200us --jitter 50us --loss 1%"
	done
else
	for s in pi kalman; do
		row "netem 200us+-50us 1% loss" "$s" --netem "delay 200us 50us loss 1%"
	done
fi
