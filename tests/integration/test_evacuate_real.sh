#!/bin/sh
# A short real evacuation with a bandwidth change (bench/evacuate-real.sh's bed, smaller): two
# source hosts (namespaces, 80 Mbit/s uplinks each) on a bridge whose WAN port is a 160 Mbit/s
# TBF, through tsync-netem (5 ms each way) to the destination namespace; four guests of
# 64-128 MiB (the bench's seed 4); the bottleneck falls to 40 Mbit/s 2 s into the run. tsvmm evacuate runs the controller with
# each VM's relay in its source namespace. Checks: every VM completed and its destination
# passed the switchover checksum, the migrations left through their own hosts' relays, and the
# controller's decision log shows it reacted to the change: a measured capacity drop after
# the change (within 4 s: streams started around it settle first), its estimate below 60 %
# of the old rate, caps within the estimate afterwards.
# Needs /dev/kvm, root, ip netns, python3 (the bench's competing-traffic sink).
. tests/integration/lib.sh
kvm_bed_setup # /dev/kvm, root, ip netns, $BIN/tsvmm (else skip); V, TMP, cleanup traps
[ -x "$BIN/tsync-netem" ] || skip_all "$BIN/tsync-netem not built"
. testbeds/migrate/lib.sh # ctl, jget, wait_guest
ER_PROFILE=zero=0.6,dup=0.2,random=0.2 ER_WSS=1024 ER_DIRTY_MIN=100 ER_DIRTY_MAX=1500
ER_LIB=1 . bench/evacuate-real.sh
cond() { eval "$1"; }

er_bed 2 80 160 5ms
check "bed: 2 source hosts, bridge, 160 Mbit/s bottleneck, tsync-netem to dst" [ $? -eq 0 ]
er_run t controller 4 4 2 "2:40" "" "" 0 160
sed 's/^/   /' "$TMP/t.out"
check "evacuate started and logged its decisions" grep -q "^ctl t=.* start vm" "$TMP/t.out"
done=$(grep -c ' completed$' "$TMP/t.out")
check "4 VMs completed ($done)" [ "$done" -eq 4 ]
sums=$(cat "$TMP"/t.d? | grep -c "checksum .* matches")
check "4 destinations passed the switchover checksum ($sums)" [ "$sums" -eq 4 ]
check "the schedule changed the bottleneck" grep -q "^2 .* rate 40" "$TMP/t.out.sched"
# the first capacity drop after the change at 2 s: when, and the estimate
drop=$(awk '/^ctl t=.* capacity drop/ { t = substr($2, 3); if (t >= 2) { print t, $7; exit } }' "$TMP/t.out")
echo "   first drop after the change: ${drop:-none} (t, new estimate Mbit/s)"
check "the controller measured the drop within 4 s of the change" cond '[ -n "$drop" ] && echo "$drop" | awk "{ exit !(\$1 <= 6) }"'
check "its estimate fell below 60 % of 160 Mbit/s" cond 'echo "$drop" | awk "{ exit !(\$2 > 0 && \$2 < 96) }"'
# after the drop: every state line's caps sum to at most the estimate C
over=$(awk -v td="${drop%% *}" '/^ctl t=.* state / && substr($2, 3) + 0 >= td + 0 {
	for (i = 1; i < NF; i++) if ($i == "C") c = $(i + 1)
	s = 0
	for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+:[0-9.]+\/[0-9.]+$/) { split($i, a, "/"); s += a[2] }
	if (s > c * 1.01 + 0.1) n++ } END { print n + 0 }' "$TMP/t.out")
check "after the drop, caps stay within the estimate ($over state lines over)" [ "$over" -eq 0 ]
# measured on the bottleneck's far side (L, dst's received bytes), the estimate must not climb
# back above the new 40 Mbit/s right after the drop (held streams' acknowledged bytes once
# raised it within 0.5 s): no state or raise line in the 0.5 s after it shows C > 42
early=$(awk -v td="${drop%% *}" '/^ctl t=/ { t = substr($2, 3) + 0; if (t < td || t > td + 0.5) next
	if ($3 == "capacity" && $4 == "raise" && $7 > 42) n++
	if ($3 == "state") for (i = 1; i < NF; i++) if ($i == "C" && $(i + 1) > 42) n++ }
	END { print n + 0 }' "$TMP/t.out")
check "no estimate above the new capacity within 0.5 s of the drop ($early lines)" [ "$early" -eq 0 ]
check "the log shows the bottleneck's far side (L) and per-pass dirty rates" cond 'grep -q " L [0-9.]* C " "$TMP/t.out" && grep -q "^ctl t=.* pass [0-9]*: dirty" "$TMP/t.out"' 
src=$(cat "$TMP"/t.d? | grep -c "migration from $ER_NET\.[12]:")
check "the destinations saw the migrations come from hosts h1/h2 ($src of 4)" [ "$src" -eq 4 ]

bed_cleanup
check "namespaces removed" [ -z "$(ip netns list | grep "^$BED_PREFIX")" ]
finish
