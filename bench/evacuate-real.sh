#!/bin/sh
# Real evacuation runs: the feedback controller against sequential, all-at-once and fixed-k.
#
#   bench/evacuate-real.sh [--quick] [BUILD_DIR]
# (ER_SCENARIOS="a b", ER_POLICIES="controller fixed-k": only those; the summary line needs all;
# ER_EVAC_ARGS: more tsvmm evacuate options for every run, e.g. "--connections 3")
#
# Bed (network namespaces, root, /dev/kvm): H source hosts h1..hH, each with its own uplink
# (a TBF on its veth egress), on a bridge (namespace sw); the bridge's port toward the WAN is
# the bottleneck (a TBF whose rate follows a schedule during the run) and the WAN itself is
# tsync-netem (a user-space link emulator: one-way delay) in front of the destination
# namespace dst, where one incoming tsvmm per VM waits. A noise host on the bridge can send
# competing TCP traffic to dst (a congestion burst). tsvmm evacuate runs in the root namespace,
# its relays in each VM's source namespace (SRC=DST@NETNS).
# A power deadline: VMs not moved by then are lost (evacuate --deadline).
# The controller measures the bottleneck on its far side: the bytes dst's e0 received
# (evacuate --link-stats; L in its log), beside the streams' acknowledged bytes (X).
#
# Scenarios (rates scaled to a fifth of 400/100/250 Mbit/s: on this shared 2-core machine one
# migration stream, CPU-bound, carried only 35-50 Mbit/s, so at 200 Mbit/s the WAN never was
# the bottleneck; see the notes):
#   sched     bottleneck 80 -> 20 (at 3 s) -> 50 Mbit/s (at 7 s), uplinks 30 Mbit/s
#   burst     bottleneck 60 Mbit/s, competing TCP 2..6 s, uplinks 30 Mbit/s
#   deadline  like sched with a 9 s power deadline
# Per run: 6 VMs of 64-128 MiB (70 % zero pages, 20 % duplicates: 6-13 MB on the wire each) on
# 3 hosts, dirty rates 50-400 pages/s in a 256-page working set (drawn from the seed).
# Metric (lower is better): S = makespan + mean individual migration time (a VM lost at the
# deadline D counts with start 0 and end D, so the makespan is D then).
# Output: each run's evacuate totals, then one line per scenario:
#   evacuate SCENARIO: controller S0 sequential S1 all S2 fixed-k S3 saved V0/V1/V2/V3 of N
# (S: the mean over the seeds; saved: the sum over the seeds, N: VMs times seeds).
# Sourcing it with ER_LIB=1 only defines the er_* functions (tests/integration).
# Needs python3 for the competing traffic.

BIN=${BIN:-build/bin}
V=${V:-$BIN/tsvmm}
ER_NET=10.83.0
ER_DST=$ER_NET.100
# guests: memory fill, working set (pages), dirty rate range (pages/s)
ER_PROFILE=${ER_PROFILE:-zero=0.7,dup=0.2,random=0.1}
ER_WSS=${ER_WSS:-256}
ER_DIRTY_MIN=${ER_DIRTY_MIN:-50}
ER_DIRTY_MAX=${ER_DIRTY_MAX:-400}

# er_bed HOSTS UPLINK_MBIT RATE_MBIT DELAY: the bed (after . testbeds/netns.sh)
er_bed() {
	bed_switch sw || return 1
	bed_ns_add dst || return 1
	_h=1
	while [ $_h -le "$1" ]; do
		bed_ns_add "h$_h" && bed_port "h$_h" e0 "$ER_NET.$_h" sw || return 1
		bed_exec "h$_h" tc qdisc replace dev e0 root tbf rate "${2}mbit" burst 64kb latency 100ms || return 1
		_h=$((_h + 1))
	done
	bed_ns_add noise && bed_port noise e0 "$ER_NET.99" sw || return 1
	bed_relay_link sw wan - dst e0 "$ER_DST" mid "--delay $4" || return 1
	ip -n "$(bed_ns sw)" link set wan master br0 || return 1
	er_rate "$3"
}

# er_rate MBIT: the bottleneck's rate now
er_rate() {
	bed_exec sw tc qdisc replace dev wan root tbf rate "${1}mbit" burst 64kb latency 100ms
}

# er_schedule OUT "T:MBIT ..." [BURST_FROM BURST_TO]: in the background, once OUT says the
# evacuation started: the rate changes at T seconds and competing traffic in the burst window;
# each change is logged to OUT.sched ("T unix-time what")
er_schedule() {
	(
		_t=0
		while ! grep -q "^evacuation start" "$1" 2>/dev/null; do
			sleep 0.05
			_t=$((_t + 1))
			[ $_t -gt 600 ] && exit 0
		done
		_s=$(date +%s.%N)
		_ev=$(for _c in $2; do echo "${_c%%:*} rate ${_c#*:}"; done
			[ -n "$3" ] && echo "$3 burst-on $4" && echo "$4 burst-off")
		echo "$_ev" | sort -n | while read -r _at _what _arg; do
			_now=$(date +%s.%N)
			_w=$(awk -v s="$_s" -v a="$_at" -v n="$_now" 'BEGIN { w = s + a - n; print (w > 0 ? w : 0) }')
			sleep "$_w"
			case $_what in
			rate) er_rate "$_arg" ;;
			burst-on)
				bed_exec noise python3 -c "
import socket, time
s = socket.create_connection(('$ER_DST', 5999))
b = bytes(1 << 16)
e = time.time() + $_arg - $_at
while time.time() < e:
    s.send(b)
" >/dev/null 2>&1 &
				;;
			esac
			echo "$_at $(date +%s.%N) $_what $_arg" >>"$1.sched"
		done
	) &
	ER_SCHED=$!
}

# er_sink: the competing traffic's receiver in dst (background)
er_sink() {
	bed_bg dst /dev/null python3 -c "
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 5999))
s.listen(4)
while True:
    c, _ = s.accept()
    while c.recv(1 << 20):
        pass
    c.close()
"
}

# er_vms TAG SEED N HOSTS: N source VMs (round-robin over the hosts) and their incoming
# tsvmm in dst; sizes and dirty rates from SEED. Sets ER_ARGS (evacuate's VM list).
er_vms() {
	ER_ARGS=""
	ER_PIDS=""
	_up=0
	_specs=$(awk -v seed="$2" -v n="$3" -v dmin="$ER_DIRTY_MIN" -v dmax="$ER_DIRTY_MAX" 'BEGIN { srand(seed);
		for (i = 0; i < n; i++) { m = 64 + 32 * int(rand() * 3); d = dmin + int(rand() * (dmax - dmin));
			print i, m, d } }')
	echo "$_specs" | while read -r _i _m _d; do echo "   vm $_i: ${_m}M dirty $_d pages/s"; done
	# shellcheck disable=SC2034
	while read -r _i _m _d; do
		_h=$((_i % $4 + 1))
		_port=$((4800 + _i))
		_g="--mem ${_m}M --profile $ER_PROFILE --wss $ER_WSS --dirty-rate $_d --sample-ms 50"
		# shellcheck disable=SC2086
		bed_bg dst "$TMP/$1.d$_i" "$V" run $_g --migrate-plaintext --control "$TMP/$1.dsock$_i" --incoming "$ER_DST:$_port"
		ER_PIDS="$ER_PIDS $BED_LASTPID"
		# shellcheck disable=SC2086
		bed_bg "h$_h" "$TMP/$1.s$_i" "$V" run $_g --migrate-plaintext --control "$TMP/$1.ssock$_i"
		ER_PIDS="$ER_PIDS $BED_LASTPID"
		ER_ARGS="$ER_ARGS $TMP/$1.ssock$_i=$ER_DST:$_port,$TMP/$1.dsock$_i@$(bed_ns "h$_h")"
	done <<EOF
$_specs
EOF
	for _i in $(seq 0 $(($3 - 1))); do
		bed_wait_for "$TMP/$1.d$_i" "waiting for a migration" 10 && wait_guest "$TMP/$1.ssock$_i" 2 10 && _up=$((_up + 1))
	done
	[ $_up -eq "$3" ]
}

# er_stop TAG N: quit every VM of the run (source and destination; 3 s each at most: an
# incoming tsvmm whose migration never came does not answer), then stop what is left
er_stop() {
	for _i in $(seq 0 $(($2 - 1))); do
		timeout 3 "$V" ctl "$TMP/$1.ssock$_i" '{"execute":"quit"}' >/dev/null 2>&1
		timeout 3 "$V" ctl "$TMP/$1.dsock$_i" '{"execute":"quit"}' >/dev/null 2>&1
	done
	sleep 0.3
	# shellcheck disable=SC2086
	bed_stop $ER_PIDS # what did not quit (its port is needed by the next run)
}

# er_run TAG POLICY SEED N HOSTS "SCHEDULE" BURST_FROM BURST_TO DEADLINE RATE0: one evacuation;
# evacuate's output in $TMP/TAG.out
er_run() {
	er_rate "${10}"
	er_vms "$1" "$3" "$4" "$5" || echo "   $1: not every VM came up"
	rm -f "$TMP/$1.sched"
	er_schedule "$TMP/$1.out" "$6" "$7" "$8"
	_dl=""
	[ "$9" != 0 ] && _dl="--deadline $9"
	# shellcheck disable=SC2086
	timeout 120 "$V" evacuate --migrate-plaintext --mode all --budget "${10}Mbit" --policy "$2" \
		--k 2 $_dl --link-stats "$(bed_ns dst):e0" $ER_EVAC_ARGS $ER_ARGS >"$TMP/$1.out" 2>&1
	wait "$ER_SCHED" 2>/dev/null
	er_stop "$1" "$4"
}

# er_score OUT: "S saved N bytes" from one evacuate output
er_score() {
	sed -n 's/.*score (makespan + mean duration) \([0-9.]*\) s.*, \([0-9.]*\) MB, mean rate.*saved \([0-9]*\) of \([0-9]*\).*/\1 \3 \4 \2/p' "$1"
}

[ -n "$ER_LIB" ] && return 0

QUICK=0
[ "$1" = "--quick" ] && QUICK=1 && shift
[ -n "$1" ] && BIN=$1 && V=$BIN/tsvmm
if [ ! -c /dev/kvm ] || [ "$(id -u)" -ne 0 ]; then
	echo "evacuate-real: needs root and /dev/kvm"
	exit 1
fi
. testbeds/netns.sh
. testbeds/migrate/lib.sh
TMP=$(mktemp -d)
trap 'bed_cleanup; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

N=6
HOSTS=3
UPLINK=30
if [ $QUICK -eq 1 ]; then
	SCENARIOS=${ER_SCENARIOS:-sched}
	SEEDS="1"
else
	SCENARIOS=${ER_SCENARIOS:-sched burst deadline}
	SEEDS="1 2 3"
fi
er_bed $HOSTS $UPLINK 80 5ms || { echo "evacuate-real: bed set-up failed"; exit 1; }
er_sink
echo "bed: $HOSTS source hosts (uplink $UPLINK Mbit/s each) -> bridge -> bottleneck TBF -> tsync-netem (5 ms each way) -> dst"
[ $QUICK -eq 1 ] && echo "--quick: one scenario, one seed"
for sc in $SCENARIOS; do
	case $sc in
	sched) sch="3:20 7:50" bf="" bt="" dl=0 r0=80 ;;
	burst) sch="" bf=2 bt=6 dl=0 r0=60 ;;
	deadline) sch="3:20 7:50" bf="" bt="" dl=9 r0=80 ;;
	esac
	for pol in ${ER_POLICIES:-controller sequential all fixed-k}; do
		for seed in $SEEDS; do
			tag=$sc-$pol-$seed
			er_run "$tag" "$pol" "$seed" $N $HOSTS "$sch" "$bf" "$bt" "$dl" "$r0"
			grep -E "^total:|^ctl t=.* (capacity|kmax [0-9]|start|skip|connections [0-9])|^[0-9]+ +/" "$TMP/$tag.out" | sed "s/^/   $tag: /"
			ok=$(cat "$TMP/$tag".d? | grep -c "checksum .* matches")
			echo "   $tag: $(er_score "$TMP/$tag.out") (S saved of MB); $ok destinations passed the checksum"
			er_score "$TMP/$tag.out" | awk -v p="$pol" '{ print p, $1, $2, $3, $4 }' >>"$TMP/$sc.res"
		done
	done
	awk -v sc="$sc" '
		{ s[$1] += $2; c[$1]++; v[$1] += $3; n[$1] += $4 }
		END {
			printf "evacuate %s: controller %.2f sequential %.2f all %.2f fixed-k %.2f saved %d/%d/%d/%d of %d\n", sc,
				s["controller"] / c["controller"], s["sequential"] / c["sequential"], s["all"] / c["all"],
				s["fixed-k"] / c["fixed-k"], v["controller"], v["sequential"], v["all"], v["fixed-k"], n["controller"]
		}' "$TMP/$sc.res"
done
