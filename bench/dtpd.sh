#!/bin/sh
# dtpd vs ptpd-wl (issue 13, BENCHMARKS.md): network namespaces joined by veth, every node on
# its own vclock (different offsets, frequency errors and wander), judged against the root's
# vclock. Two topologies:
#   chain  r - m - l                       (mid 1 hop, leaf 2 hops)
#   tree   r - a, r - b, a - c, a - d      (a, b 1 hop; c, d 2 hops)
# In each, two phases over the same links:
#   1. dtpd on AF_PACKET (kernel software stamps) and ptpd-wl boundary clocks (L2, E2E, kalman)
#      side by side at the same time, each stack on its own set of vclocks (same parameters)
#   2. dtpd on DPDK's EAL on every node (one net_af_packet vdev per veth, TSC stamps at rx/tx
#      burst, --no-huge), lcores alternating 0/1, sleep mode (dpdk_poll_us, default 100; 0 spins)
# Per follower node: true error RMS / p99 / max over the run after SETTLE s (tsync-judge), own
# bound coverage (bench/dtpd_cover.py: |true error| <= bound_ns, sampled every 0.2 s), beacons
# dropped as stamped late (late_filter_ns) of the discipline samples, and CPU % of the daemon.
#
#   bench/dtpd.sh [--quick] [--dpdk-poll-us N] [--dpdk-vdev af_packet|pcap]
#                 [--topo chain|tree|both] [--phase 1|2|both] [BUILD]
#
# --quick: 25 s runs (10 s settle) instead of 90 s (30 s settle). --phase: only phase 1
# (AF_PACKET beside ptpd-wl) or 2 (DPDK). --dpdk-vdev pcap: net_pcap vdevs (the kernel's RX
# stamp per mbuf, through libpcap) instead of net_af_packet (TSC read after the rx burst).
# DTPD_BENCH_TRACE=DIR: every dtpd writes its trace_file and tsync-judge its statlog there
# (NODE.SFX.trace, judge.SFX.statlog; the error terms: bench/dtpd_terms.py). Needs root.
# shellcheck disable=SC2154 # per-node variables (IFS_n, V_n_sfx, PID_n_sfx...) are set by eval
cd "$(dirname "$0")/.." || exit 1
DUR=90
SETTLE=30
POLL_US=100
VDEV=af_packet
TOPOS="chain tree"
PHASES="1 2"
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) DUR=25 SETTLE=10 ;;
	--dpdk-poll-us) POLL_US=$2 && shift ;;
	--dpdk-vdev) VDEV=$2 && shift ;;
	--topo) TOPOS=$2 && shift ;;
	--phase) PHASES=$2 && shift ;;
	-h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
	-*) echo "bench/dtpd.sh: unknown option $1" >&2 && exit 2 ;;
	*) BUILD=$1 ;;
	esac
	shift
done
[ "$TOPOS" = both ] && TOPOS="chain tree"
[ "$PHASES" = both ] && PHASES="1 2"
BUILD=${BUILD:-build}
export BUILD
BIN=$BUILD/bin
[ "$(id -u)" -eq 0 ] || { echo "bench/dtpd.sh: needs root (network namespaces)" >&2; exit 2; }
for b in dtpd ptpd-wl tsync-vclock tsync-judge; do
	[ -x "$BIN/$b" ] || { echo "bench/dtpd.sh: $BIN/$b not built" >&2; exit 2; }
done
. testbeds/netns.sh
BED_PREFIX=bdtp-$$-
. testbeds/ptp/lib.sh
ptp_init || exit 1

# topology: "node:parent" pairs (the root has none); links are made from them
topo_nodes() {
	case "$1" in
	chain) echo "r: m:r l:m" ;;
	tree) echo "r: a:r b:r c:a d:a" ;;
	esac
}
# vclock parameters per node name (the same for both stacks)
vc_args() {
	case "$1" in
	r) echo "--offset -20ms --ppm -15 --wander-ppb 10 --seed 3" ;;
	m | a) echo "--offset 5ms --ppm 30 --wander-ppb 20 --seed 5" ;;
	l | c) echo "--offset 3ms --ppm 40 --wander-ppb 20 --seed 7" ;;
	b) echo "--offset -2ms --ppm -25 --wander-ppb 20 --seed 9" ;;
	d) echo "--offset 1ms --ppm 60 --wander-ppb 20 --seed 11" ;;
	esac
}
hops() { # NODE in the current topology
	_h=0
	_n=$1
	while :; do
		_p=$(echo " $NODES " | tr ' ' '\n' | sed -n "s/^$_n:\(.*\)/\1/p")
		[ -n "$_p" ] || break
		_h=$((_h + 1))
		_n=$_p
	done
	echo $_h
}

# build the namespaces and links: sets IFS_<node> (its interfaces, upstream first) and UP_<node>
build_topo() {
	for nn in $NODES; do
		n=${nn%%:*}
		bed_ns_add "$n" || return 1
		eval "IFS_$n=''; NIF_$n=0"
	done
	for nn in $NODES; do
		n=${nn%%:*}
		p=${nn#*:}
		[ -n "$p" ] || continue
		eval "ip_=\$NIF_$p; in_=\$NIF_$n"
		bed_link "$p" "veth$ip_" - "$n" "veth$in_" - || return 1
		eval "IFS_$p=\"\$IFS_$p veth$ip_\"; NIF_$p=$((ip_ + 1))"
		eval "IFS_$n=\"\$IFS_$n veth$in_\"; NIF_$n=$((in_ + 1)); UP_$n=veth$in_"
	done
}

# start dtpd on every node: $1 = af_packet | dpdk, $2 = vclock suffix
start_dtpd() {
	i=0
	for nn in $NODES; do
		n=${nn%%:*}
		p=${nn#*:}
		eval "ifs=\$IFS_$n; up=\$UP_$n"
		cfg=$PTP_DIR/$n.$2.cfg
		{
			echo "[global]"
			echo "beacon_interval_ms 100"
			echo "logging_level 6"
			[ -z "$DTPD_BENCH_TRACE" ] || echo "trace_file $DTPD_BENCH_TRACE/$n.$2.trace"
			[ -n "$p" ] || echo "root 1"
			if [ "$1" = dpdk ]; then
				echo "transport dpdk"
				echo "dpdk_poll_us $POLL_US"
				printf 'dpdk_eal_args --no-huge --no-pci --no-shconf --file-prefix=bdtp-%s-%s -m 16 -l %s --no-telemetry' \
					$$ "$n" $((i % 2))
				k=0
				for f in $ifs; do
					printf ' --vdev=net_%s%s,iface=%s' "$VDEV" $k "$f"
					# net_pcap's default MAC ends in the port id: two nodes' port 0 would
					# share one (each would drop the other's frames as its own)
					[ "$VDEV" = pcap ] && printf ',phy_mac=1'
					k=$((k + 1))
				done
				echo
			fi
			for f in $ifs; do
				echo "[$f]"
				if [ -n "$p" ] && [ "$f" = "$up" ]; then echo "upstream 1"; else echo "upstream 0"; fi
			done
		} >"$cfg"
		eval "vc=\$V_${n}_$2"
		bed_bg "$n" "$PTP_DIR/$n.$2.log" "$BIN/dtpd" -f "$cfg" --clock=vclock:"$vc" \
			--ctl_socket="$PTP_DIR/$n.$2.sock"
		eval "PID_${n}_$2=$BED_LASTPID"
		i=$((i + 1))
	done
}

start_ptpd() { # $1 = vclock suffix
	opts="-2 --logSyncInterval=-3 --logMinDelayReqInterval=-3 --logAnnounceInterval=-2 --clock_servo=kalman"
	for nn in $NODES; do
		n=${nn%%:*}
		p=${nn#*:}
		eval "ifs=\$IFS_$n; vc=\$V_${n}_$1"
		a=""
		for f in $ifs; do a="$a -i $f"; done
		if [ -z "$p" ]; then
			a="$a --priority1=100 --free_running=1"
		elif [ "$(echo "$ifs" | wc -w)" -eq 1 ]; then
			a="$a -s"
		fi
		# shellcheck disable=SC2086
		ptpd_start "$n" "$n.$1" $a --clock_type=vclock --vclock="$vc" $opts
		eval "PID_${n}_$1=$BED_LASTPID"
	done
}

make_vclocks() { # suffix
	for nn in $NODES; do
		n=${nn%%:*}
		# shellcheck disable=SC2046
		v=$(ptp_vclock "$TOPO$n$1" $(vc_args "$n")) || return 1
		eval "V_${n}_$1=$v"
	done
}

followers() { for nn in $NODES; do [ -n "${nn#*:}" ] && echo "${nn%%:*}"; done; }

cpu_s() { ptp_cpu_rss "$1" | sed -n 's/cpu_s=\([0-9.]*\).*/\1/p'; }

# measure the nodes of stack suffix $1 (label $2) for DUR s, covering bounds if $3 = cover
measure() {
	sfx=$1
	label=$2
	jargs=""
	cargs=""
	for n in $(followers); do
		eval "vc=\$V_${n}_$sfx"
		jargs="$jargs --vclock $vc"
		cargs="$cargs --node $n:$vc:$PTP_DIR/$n.$sfx.sock"
	done
	eval "ref=\$V_r_$sfx"
	for n in $(followers) r; do
		eval "pid=\$PID_${n}_$sfx"
		eval "C0_$n=$(cpu_s "$pid")"
	done
	t0=$(awk '{ print $1 }' /proc/uptime)
	# shellcheck disable=SC2086
	[ -z "$DTPD_BENCH_TRACE" ] || jargs="$jargs --statlog $DTPD_BENCH_TRACE/judge.$sfx.statlog"
	"$BIN/tsync-judge" $jargs --ref "$ref" --duration "$DUR" --interval 0.1 --settle "$SETTLE" \
		--lock-ns 50000 >"$PTP_DIR/judge.$sfx" 2>&1 &
	jp=$!
	if [ "$3" = cover ]; then
		# shellcheck disable=SC2086
		python3 bench/dtpd_cover.py --bin "$BIN" --ref "$ref" $cargs --duration "$DUR" \
			--settle "$SETTLE" --interval 0.2 >"$PTP_DIR/cover.$sfx" 2>&1 &
		cp_=$!
	fi
	wait $jp
	[ "$3" = cover ] && wait "$cp_"
	t1=$(awk '{ print $1 }' /proc/uptime)
	for n in $(followers) r; do
		eval "pid=\$PID_${n}_$sfx; c0=\$C0_$n"
		c1=$(cpu_s "$pid")
		pc=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" \
			'BEGIN { if (a == "" || b == "") print "nan"; else printf "%.1f", 100 * (b - a) / (t1 - t0) }')
		if [ "$n" = r ]; then
			printf '| %s | %s | r (root) | 0 | - | - | - | - | - | - | - | %s |\n' "$TOPO" "$label" "$pc"
			continue
		fi
		eval "vc=\$V_${n}_$sfx"
		j=$(grep "vclock=$vc " "$PTP_DIR/judge.$sfx")
		c=$(grep "node=$n " "$PTP_DIR/cover.$sfx" 2>/dev/null)
		cov="-"
		bnd="-"
		late="-"
		if [ -n "$c" ]; then
			cov="$(kv pct "$c") ($(kv covered "$c")/$(kv n "$c"))"
			bnd="$(kv bound_p50_ns "$c")"
			st=$(bed_exec "$n" "$BIN/dtpd" ctl "$PTP_DIR/$n.$sfx.sock" status 2>/dev/null)
			late="$(kv late "$st")/$(kv samples "$st")"
			echo "# $n status: $st" >&2
		fi
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$TOPO" "$label" \
			"$n" "$(hops "$n")" "$(kv rms_ns "$j")" "$(kv p99_ns "$j")" "$(kv max_ns "$j")" \
			"$(kv lock_s "$j")" "$cov" "$bnd" "$late" "$pc"
	done
	cat "$PTP_DIR/judge.$sfx" "$PTP_DIR/cover.$sfx" 2>/dev/null | sed 's/^/# /' >&2
}

wait_dtpd_sync() { # suffix, within 15 s
	_t=150
	while [ $_t -gt 0 ]; do
		_all=1
		for nn in $NODES; do
			n=${nn%%:*}
			bed_exec "$n" "$BIN/dtpd" ctl "$PTP_DIR/$n.$1.sock" status 2>/dev/null | grep -q ' sync=yes' || _all=0
		done
		[ $_all = 1 ] && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	echo "# dtpd ($1) did not reach SYNC on every node within 15 s" >&2
	for nn in $NODES; do
		n=${nn%%:*}
		echo "# $n: $(bed_exec "$n" "$BIN/dtpd" ctl "$PTP_DIR/$n.$1.sock" status 2>&1)" >&2
	done
	return 1
}

phase1() { # both stacks at once, judged over the same span
	start_dtpd af_packet D
	start_ptpd P
	wait_dtpd_sync D
	measure D "dtpd AF_PACKET" cover >"$PTP_DIR/rows.D" &
	m1=$!
	measure P "ptpd-wl BC" >"$PTP_DIR/rows.P" &
	m2=$!
	wait $m1 $m2
	cat "$PTP_DIR/rows.D" "$PTP_DIR/rows.P"
	phase1=""
	for nn in $NODES; do
		n=${nn%%:*}
		eval "phase1=\"\$phase1 \$PID_${n}_D \$PID_${n}_P\""
	done
	# shellcheck disable=SC2086
	bed_stop $phase1
}

phase2() { # dtpd on DPDK on the same links
	start_dtpd dpdk K
	if wait_dtpd_sync K; then
		measure K "dtpd DPDK $VDEV (poll ${POLL_US} us)" cover
	fi
	grep -h "timestamps" "$PTP_DIR"/r.K.log | sed 's/^/# /' >&2
}

echo "machine: $(nproc) CPUs, shared with other engineers' builds; runs of $DUR s, settle $SETTLE s, dpdk_poll_us $POLL_US, DPDK vdevs net_$VDEV"
echo
echo "| topology | stack | node | hops | true RMS (ns) | p99 | max | lock (s) | own-bound coverage % | bound p50 (ns) | late / samples | CPU % |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for TOPO in $TOPOS; do
	NODES=$(topo_nodes "$TOPO")
	build_topo || exit 1
	make_vclocks D && make_vclocks P && make_vclocks K || exit 1
	if echo "$PHASES" | grep -q 1; then
		phase1
	fi
	if echo "$PHASES" | grep -q 2; then
		phase2
	fi
	bed_cleanup
done
