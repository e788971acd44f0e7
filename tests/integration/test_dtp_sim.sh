#!/bin/sh
# dtp-sim: proofs by simulation (short seeded runs). Plain DTP never exceeds 4 ticks between
# neighbours nor 4TD across the network on line:6 and fattree:4, idle and loaded, through a link
# flap; negative cases that must show up: an overestimated delay (alpha 0) breaks the per-hop
# bound, a wild node drags every healthy node forward (jumps counted), a fast node drags the
# network's rate; the jump guard rejects the wild node's beacons. Then CLI errors and the statlog.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

SIM=$BIN/dtp-sim
[ -x "$SIM" ] || { fail "$SIM not built"; finish; exit 1; }
TMP=$(mktemp -d /tmp/dtp-sim.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM

# run NAME ARGS...: the JSON summary in $TMP/NAME.json
run() {
	name=$1
	shift
	"$SIM" --quiet --summary json "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"
}
# key NAME KEY: a value of the summary
key() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TMP/$1.json" "$2"; }
# holds NAME EXPR: a Python expression over the summary's keys is true
holds() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2], {}, d) else 1)' \
		"$TMP/$1.json" "$2" || { echo "    $1: $(cat "$TMP/$1.json")"; return 1; }
}
within_bounds="max_hop_offset_ticks <= 4 and max_offset_ticks <= bound_4TD_ticks and bound_violations == 0 and steady_samples > samples // 2"

for topo in "line:6 --flap 2@20ms+3ms" "fattree:4 --flap e1_0-a1_1@20ms+3ms"; do
	for load in 0 0.7; do
		for seed in 1 2; do
			n=$(echo "$topo-$load-$seed" | tr -c 'a-z0-9.\n' '_')
			run "$n" --topo $topo --duration 40ms --load $load --seed $seed
			check "$topo load $load seed $seed: <= 4 ticks per hop, <= 4TD ($(key "$n" max_hop_offset_ticks), $(key "$n" max_offset_ticks) of $(key "$n" bound_4TD_ticks))" holds "$n" "$within_bounds"
		done
	done
done
check "line:6: diameter 6, 4TD = 24 ticks" holds line_6___flap_2_20ms_3ms_0_1 "diameter_hops == 6 and bound_4TD_ticks == 24"
check "line:6: the partition while link 2 is down is not counted as steady" holds line_6___flap_2_20ms_3ms_0_1 "samples - steady_samples >= 300"
check "fattree:4: no partition, no jumps" holds fattree_4___flap_e1_0_a1_1_20ms_3ms_0_1 "jumps == 0"

# negative cases: the checks can fail
run alpha0 --topo fattree:4 --duration 20ms --alpha 0
check "an overestimated delay (alpha 0) breaks the per-hop bound" holds alpha0 "max_hop_offset_ticks > 4 and bound_violations > 0"
run wild --topo fattree:4 --duration 30ms --faulty c0:wild:100000@10ms
check "plain DTP: a wild node drags every healthy node (jumps $(key wild jumps))" holds wild "jumps >= 35 and rate_ppm > 1000"
run fast --topo fattree:4 --duration 30ms --faulty c0:fast:3000
check "plain DTP: a fast node drags the network's rate ($(key fast rate_ppm) ppm)" holds fast "rate_ppm > 2900"
run healthy --topo fattree:4 --duration 30ms
check "healthy network: rate within the oscillators' +-100 ppm, no jumps" holds healthy "abs(rate_ppm) <= 110 and jumps == 0"
run temp --topo fattree:4 --duration 30ms --load 0.7 --temp-step 5 --temp-every 10ms
check "temperature steps ($(key temp temp_steps), about 36 x 3 expected): DTP's bounds still hold" holds temp "60 <= temp_steps <= 160 and $within_bounds and jumps == 0"
check "temperature steps move the oscillators: the network follows the fastest ($(key temp rate_ppm) vs $(key healthy rate_ppm) ppm)" holds temp "abs(rate_ppm - $(key healthy rate_ppm)) > 1"
run guard --topo fattree:4 --duration 30ms --faulty c0:wild:100000@10ms --enhance guard
check "jump guard: the wild node's beacons are rejected ($(key guard rejected)), nobody jumps" holds guard "rejected > 0 and jumps == 0 and bound_violations == 0 and abs(rate_ppm) <= 110"
run enh --topo fattree:4 --duration 30ms --load 0.7 --flap e1_0-a1_1@10ms+3ms --enhance delay,guard
check "--enhance delay,guard keeps the bounds ($(key enh max_hop_offset_ticks), $(key enh max_offset_ticks))" holds enh "$within_bounds and jumps == 0 and rejected == 0"
run wrap --topo line:2 --duration 20ms --gc0 9007199254700000
check "counters wrap modulo 2^53 mid-run without a violation" holds wrap "$within_bounds"

# enhancements: the per-node bound is never violated, and is reported next to the actual error
run bound --topo fattree:4 --duration 30ms --load 0.7 --flap e1_0-a1_1@10ms+3ms --enhance bound
check "per-node bound: own error $(key bound self_error_ticks) <= bound $(key bound self_bound_ticks), 0 violations" holds bound "self_violations == 0 and 0 < self_error_ticks <= self_bound_ticks and self_slack_min_ticks >= 0 and bound_violations == 0"
check "per-node bound: every node has a bound in most steady samples" holds bound "self_unknown < steady_samples"
run boundline --topo line:6 --duration 20ms --enhance bound,delay
check "line:6 bound: the far end's bound is 6 x 4 + 1 ticks" holds boundline "self_bound_ticks == 25 and self_violations == 0"
# negative control: a fast node breaks what the bound assumes, and the violations are counted
run boundfast --topo line:3 --duration 20ms --enhance bound --faulty s3:fast:3000
check "per-node bound: violations are counted when a fast node drags the network" holds boundfast "self_violations > 0"
# burst: at a 20000-tick interval the drift term dominates; 8x the beacon rate shrinks it
run noburst --topo fattree:4 --duration 12ms --beacon 20000 --seed 3
run burst --topo fattree:4 --duration 12ms --beacon 20000 --seed 3 --burst 4ms@6ms
check "burst: network offset $(key burst burst_max_offset_ticks) during the burst vs $(key noburst max_offset_ticks) without" holds burst "burst_samples > 1000 and 2 * burst_max_offset_ticks <= $(key noburst max_offset_ticks) and beacons > 2 * $(key noburst beacons)"
run remeasure --topo fattree:4 --duration 20ms --load 0.7 --enhance remeasure --remeasure 4ms
check "periodic delay re-measurement runs ($(key remeasure remeasures) rounds) within the bounds" holds remeasure "remeasures >= 48 * 2 * 3 and $within_bounds"
# syntonization at a long beacon interval (the drift term dominates): offsets shrink, the
# network's rate stays at the fastest oscillator's
run plain20k --topo fattree:4 --duration 100ms --warmup 30ms --beacon 20000
run sync20k --topo fattree:4 --duration 100ms --warmup 30ms --beacon 20000 --enhance sync
check "syntonization: network offset $(key sync20k max_offset_ticks) vs plain $(key plain20k max_offset_ticks) at 20000 ticks, rate $(key sync20k rate_ppm) vs $(key plain20k rate_ppm) ppm" holds sync20k "4 * max_offset_ticks <= 3 * $(key plain20k max_offset_ticks) and abs(rate_ppm - $(key plain20k rate_ppm)) < 1"
run syncburst --topo fattree:4 --duration 100ms --warmup 30ms --beacon 20000 --enhance sync --burst 40ms@40ms
check "burst with syntonization: the margin scales with the interval, no race ($(key syncburst rate_ppm) vs $(key plain20k rate_ppm) ppm)" holds syncburst "abs(rate_ppm - $(key plain20k rate_ppm)) < 1 and burst_samples > 1000"
# negative control: no margin below the network, and the max rule's rectified noise races it
run race --topo fattree:4 --duration 100ms --warmup 30ms --beacon 2000 --enhance sync --sync-margin 0
check "syntonization without a margin races the network ($(key race rate_ppm) ppm)" holds race "rate_ppm > $(key plain20k rate_ppm) + 5"
# the rate check on free-running counts catches the fast node the jump guard cannot see
run ratecheck --topo fattree:4 --duration 30ms --warmup 10ms --faulty c0:fast:3000 --enhance guard
check "rate check: the fast node is rejected ($(key ratecheck rejected)), the network keeps its rate ($(key ratecheck rate_ppm) ppm)" holds ratecheck "rejected > 0 and jumps == 0 and bound_violations == 0 and abs(rate_ppm) <= 110"

# CLI errors name the flag, the file and the line
"$SIM" --duration 1ms >/dev/null 2>"$TMP/e1"
check "--topo is required (exit 2)" test $? -eq 2 -a -n "$(grep -e '--topo is required' "$TMP/e1")"
"$SIM" --topo line:2 --load 1.5 >/dev/null 2>"$TMP/e2"
check "--load out of range is named" grep -q -e "--load" "$TMP/e2"
"$SIM" --topo mesh:3 >/dev/null 2>"$TMP/e3"
check "an unknown topology is named" grep -q "mesh:3" "$TMP/e3"
printf 'a b 3\n# ok\nb c x\n' >"$TMP/bad.topo"
"$SIM" --topo "file:$TMP/bad.topo" >/dev/null 2>"$TMP/e4"
check "a bad topology file names file:line" grep -q "bad.topo:3:" "$TMP/e4"
"$SIM" --topo line:2 --flap 9@1ms+1ms >/dev/null 2>"$TMP/e5"
check "--flap of a missing link is named" grep -q "no link '9'" "$TMP/e5"
"$SIM" --topo line:2 --enhance warp >/dev/null 2>"$TMP/e6"
check "--enhance with an unknown name is refused" grep -q -e "--enhance" "$TMP/e6"
"$SIM" --topo line:2 --burst 1ms >/dev/null 2>"$TMP/e7"
check "--burst without @START is refused" grep -q -e "--burst" "$TMP/e7"

# a topology file and the statlog, read back by tsync-analyze
printf '# two racks\nsw1 sw2 10\nh1 sw1 2  # host\nh2 sw2 2\n' >"$TMP/pod.topo"
"$SIM" --quiet --topo "file:$TMP/pod.topo" --duration 10ms --statlog "$TMP/sl" >"$TMP/table" 2>&1
check "file topology runs (table summary)" grep -q "network offset" "$TMP/table"
"$BIN/tsync-analyze" stats --column hop_offset --format json "$TMP/sl/dtp-sim.log" >"$TMP/an.json" 2>&1
check "tsync-analyze reads the statlog (hop offset <= 4 ticks = 25.6 ns)" python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
d=d[0] if isinstance(d,list) else d
s=json.dumps(d)
import re
m=re.search(r"\"max\": *([0-9.e+-]+)", s)
sys.exit(0 if m and 0 < float(m.group(1)) <= 25.6e-9 else 1)' "$TMP/an.json"

finish
