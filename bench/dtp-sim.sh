#!/bin/sh
# dtp-sim bench: worst per-hop and network-wide offset of plain DTP (and of --enhance LIST when
# given) on line D = 1..6 and fat-tree k = 4 (k = 8 with K8=1), idle and loaded, over SEEDS
# seeded runs of DURATION each; then the simulator's speed and peak memory on the k = 8 case.
#   bench/dtp-sim.sh [BUILD [ENHANCE]]     env: DURATION (200ms) SEEDS (3) LOAD (0.7) K8 (0)
#                                          BEACON (200) WARMUP (0: offsets from steady on)
#                                          SPEED (1: the k = 8 speed run; 0 skips it)
# Prints a markdown table: theory (4 ticks per hop, 4TD) against the measured worst; with an
# ENHANCE list, its worst beside it, the ratio enhanced / plain network-wide and, when the list
# has bound, the largest per-node self bound and its violations.
set -u
cd "$(dirname "$0")/.." || exit 2
build=${1:-build}
enh=${2:-}
SIM=$build/bin/dtp-sim
[ -x "$SIM" ] || { echo "dtp-sim-bench: $SIM not built" >&2; exit 2; }
dur=${DURATION:-200ms}
seeds=${SEEDS:-3}
load=${LOAD:-0.7}
beacon=${BEACON:-200}
warmup=${WARMUP:-0}
topos="line:1 line:2 line:3 line:4 line:5 line:6 fattree:4"
[ "${K8:-0}" = 1 ] && topos="$topos fattree:8"

# worst TOPO LOAD ENHANCE: "hop net bound violations" worst over the seeds
worst() {
	s=1
	while [ $s -le "$seeds" ]; do
		"$SIM" --quiet --summary json --topo "$1" --duration "$dur" --load "$2" --seed $s \
			--beacon "$beacon" --warmup "$warmup" --enhance "$3"
		s=$((s + 1))
	done | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
print(max(r["max_hop_offset_ticks"] for r in rows), max(r["max_offset_ticks"] for r in rows),
      rows[0]["bound_4TD_ticks"], sum(r["bound_violations"] for r in rows),
      max(r["self_bound_ticks"] for r in rows), max(r["self_error_ticks"] for r in rows),
      sum(r["self_violations"] for r in rows))'
}

case ",$enh," in *,bound,*) bound=1 ;; *) bound=0 ;; esac
echo "beacon interval $beacon ticks, $dur per run, worst of $seeds seeds${enh:+, enhanced: $enh}"
echo
hdr="| topology | load | D | theory hop / 4TD [ticks] | plain hop / net [ticks] | violations |"
sep="|---|---|---|---|---|---|"
[ -n "$enh" ] && hdr="$hdr enhanced hop / net | violations | net enhanced / plain |" && sep="$sep---|---|---|"
[ $bound = 1 ] && hdr="$hdr own error / self bound (max) | self violations |" && sep="$sep---|---|"
echo "$hdr"
echo "$sep"
for t in $topos; do
	for l in 0 "$load"; do
		set -- $(worst "$t" "$l" none)
		row="| $t | $l | $(($3 / 4)) | 4 / $3 | $1 / $2 | $4 |"
		pnet=$2
		if [ -n "$enh" ]; then
			set -- $(worst "$t" "$l" "$enh")
			row="$row $1 / $2 | $4 | $(python3 -c "print('%.2f' % ($2 / max($pnet, 1)))") |"
			[ $bound = 1 ] && row="$row $6 / $5 | $7 |"
		fi
		echo "$row"
	done
done

[ "${SPEED:-1}" = 1 ] || exit 0
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
