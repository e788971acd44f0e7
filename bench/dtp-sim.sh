#!/bin/sh
# dtp-sim bench: worst per-hop and network-wide offset of plain DTP (and of --enhance LIST when
# given) on line D = 1..6 and fat-tree k = 4 (k = 8 with K8=1), idle and loaded, over SEEDS
# seeded runs of DURATION each; then the simulator's speed and peak memory on the k = 8 case.
#   bench/dtp-sim.sh [BUILD [ENHANCE]]     env: DURATION (200ms) SEEDS (3) LOAD (0.7) K8 (0)
# Prints a markdown table: theory (4 ticks per hop, 4TD) against the measured worst.
set -u
cd "$(dirname "$0")/.." || exit 2
build=${1:-build}
enh=${2:-}
SIM=$build/bin/dtp-sim
[ -x "$SIM" ] || { echo "dtp-sim-bench: $SIM not built" >&2; exit 2; }
dur=${DURATION:-200ms}
seeds=${SEEDS:-3}
load=${LOAD:-0.7}
topos="line:1 line:2 line:3 line:4 line:5 line:6 fattree:4"
[ "${K8:-0}" = 1 ] && topos="$topos fattree:8"

# worst TOPO LOAD ENHANCE: "hop net bound violations" worst over the seeds
worst() {
	s=1
	while [ $s -le "$seeds" ]; do
		"$SIM" --quiet --summary json --topo "$1" --duration "$dur" --load "$2" --seed $s \
			--enhance "$3"
		s=$((s + 1))
	done | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
print(max(r["max_hop_offset_ticks"] for r in rows), max(r["max_offset_ticks"] for r in rows),
      rows[0]["bound_4TD_ticks"], sum(r["bound_violations"] for r in rows))'
}

echo "| topology | load | D | theory hop / 4TD [ticks] | plain hop / net [ticks] | violations |${enh:+ $enh hop / net | violations |}"
echo "|---|---|---|---|---|---|${enh:+---|---|}"
for t in $topos; do
	for l in 0 "$load"; do
		set -- $(worst "$t" "$l" none)
		row="| $t | $l | $(($3 / 4)) | 4 / $3 | $1 / $2 | $4 |"
		if [ -n "$enh" ]; then
			set -- $(worst "$t" "$l" "$enh")
			row="$row $1 / $2 | $4 |"
		fi
		echo "$row"
	done
done

echo
echo "speed: fattree:8, 1 s simulated, beacon 200 ticks, one run"
/usr/bin/time -v "$SIM" --quiet --summary json --topo fattree:8 --duration 1s --beacon 200 \
	--seed 7 ${enh:+--enhance "$enh"} >/tmp/dtp-sim-bench.$$ 2>/tmp/dtp-sim-bench.$$.time
python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1])); t = open(sys.argv[2]).read()
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
print("events %d, wall %.1f s, %.1f Mevents/s, peak RSS %.1f MiB, max hop %d, net %d (4TD %d)" % (
    d["events"], d["wall_s"], d["events_per_s"] / 1e6, rss / 1024, d["max_hop_offset_ticks"],
    d["max_offset_ticks"], d["bound_4TD_ticks"]))' /tmp/dtp-sim-bench.$$ /tmp/dtp-sim-bench.$$.time
rm -f /tmp/dtp-sim-bench.$$ /tmp/dtp-sim-bench.$$.time
