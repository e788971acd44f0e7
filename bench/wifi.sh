#!/bin/sh
# Wireless bench (issue 12): ptpd-wl over the wifi transport on the emulated 802.11 medium
# (tsync-wifi-medium --live), MAC (TSF) timestamps against host software timestamps, at several
# loads; also 802.11v Timing Measurement as the sample source (mode tm) and an unmodified ptp4l
# with software timestamps reaching the medium through a TAP bridge (mode ptp4l, ptp-wifi-tap,
# on its vclock through the LD_PRELOAD library). Every clock is a vclock: the master free-running, each slave starting 2 ms off at
# +80 ppm; the true error is slave minus master (tsync-judge --ref, 10 Hz), scored after the
# settle time. lock_s: from when |err| stayed within 2 us (tsync-judge --lock-ns).
#
#   bench/wifi.sh [--quick] [--duration S] [--settle S] [--scenarios "idle load50 ..."]
#                 [--modes "mac software tm ptp4l"] [--keep DIR]
#
# Scenarios (stations: live PTP stations + a sink + background Poisson senders):
#   idle       master + slave, nothing else on the air
#   load50     master + slave + sink + 4 senders offering 50 % of the airtime (1500 B, 54 Mb/s)
#   saturated  the same offering 100 %
#   contend    master + 3 slaves + sink + 8 senders offering 80 %: 12 stations contending
# tm and ptp4l need one slave (not contend). One line per (scenario, mode, slave): "wifi scenario=S mode=M slave=K" and the judge's
# numbers; --keep DIR keeps the logs and the medium's captures (DIR/S-M/).
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
BIN=$BUILD/bin
DUR=60 SETTLE=30 SCEN="idle load50 saturated contend" MODES="mac software tm ptp4l" KEEP=
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) DUR=20 SETTLE=10 ;;
	--duration) DUR=$2; shift ;;
	--settle) SETTLE=$2; shift ;;
	--scenarios) SCEN=$2; shift ;;
	--modes) MODES=$2; shift ;;
	--keep) KEEP=$2; shift ;;
	*) echo "wifi.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
for b in tsync-wifi-medium ptpd-wl tsync-vclock tsync-judge; do
	[ -x "$BIN/$b" ] || { echo "wifi.sh: $BIN/$b not built (make)" >&2; exit 1; }
done

W=$(mktemp -d /tmp/tsync-wifi.XXXXXX) || exit 1
PFX=tw$$
PIDS= VCS=
cleanup() { # the daemons first (newest first), the medium last
	rev=
	for p in $PIDS; do rev="$p $rev"; done
	for p in $rev; do kill "$p" 2>/dev/null; sleep 0.05; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	PIDS=
	for v in $VCS; do "$BIN/tsync-vclock" remove "$v" >/dev/null 2>&1; done
	VCS=
}
trap 'cleanup; rm -rf "$W"' EXIT
trap 'cleanup; rm -rf "$W"; trap - EXIT; exit 130' INT
trap 'cleanup; rm -rf "$W"; trap - EXIT; exit 143' TERM

mac() { printf '02:00:00:00:00:%02x' $(($1 + 1)); }
cid() { printf '020000.fffe.0000%02x' $(($1 + 1)); }

# run SCENARIO MODE NSLAVES STATIONS LOAD
run() {
	sc=$1 mode=$2 ns=$3 n=$4 load=$5
	d=$W/$sc-$mode
	mkdir -p "$d"
	nlive=$((ns + 1))
	"$BIN/tsync-wifi-medium" --live "$d" --live-stations "$nlive" --stations "$n" \
		--load "$load" --seed 3 --capture "$d/cap" >"$d/medium.log" 2>&1 &
	MED=$!
	PIDS="$PIDS $MED"
	i=0
	while [ ! -S "$d/sta$ns.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	"$BIN/tsync-vclock" create "$PFX-m" --offset 0 --ppm 0 >/dev/null || return 1
	VCS="$VCS $PFX-m"
	ts=$mode tm=
	[ "$mode" = tm ] && ts=mac tm=--wifi_mode=tm
	[ "$mode" = ptp4l ] && ts=software
	common="--network_transport=wifi --wifi_tstamp=$ts $tm --delay_mechanism=E2E
		--logSyncInterval=-3 --logAnnounceInterval=-2 --logMinDelayReqInterval=-3
		--announceReceiptTimeout=4 --tx_timestamp_timeout=100 --clock_type=vclock
		--summary_interval=0"
	peer=
	[ "$ns" = 1 ] && peer="--wifi_peer=$(mac 1)"
	# shellcheck disable=SC2086
	"$BIN/ptpd-wl" -m -q -i sta0 $common --wifi_medium="$d/sta0.sock" $peer \
		--vclock="$PFX-m" --free_running=1 --priority1=100 --clockIdentity="$(cid 0)" \
		--uds_address="$d/m.uds" >"$d/master.log" 2>&1 &
	PIDS="$PIDS $!"
	judge=
	k=1
	while [ $k -le "$ns" ]; do
		"$BIN/tsync-vclock" create "$PFX-s$k" --offset 2ms --ppm 80 --wander-ppb 20 \
			--seed $((6 + k)) >/dev/null || return 1
		VCS="$VCS $PFX-s$k"
		judge="$judge --vclock $PFX-s$k"
		if [ "$mode" = ptp4l ]; then
			"$BIN/ptp-wifi-tap" --medium "$d/sta$k.sock" --tap "$PFX-t$k" \
				--peer "$(mac 0)" >"$d/tap$k.log" 2>&1 &
			PIDS="$PIDS $!"
			sleep 0.3
			printf '[global]\nslaveOnly 1\nnetwork_transport L2\ntime_stamping software\n%s\n%s\n%s\nuds_address %s\nsummary_interval 0\n' \
				"logSyncInterval -3" "logAnnounceInterval -2" "logMinDelayReqInterval -3" \
				"$d/p4.uds" >"$d/p4.cfg"
			env TSYNC_VCLOCK="$PFX-s$k" LD_PRELOAD="$PRELOAD" ptp4l -f "$d/p4.cfg" \
				-i "$PFX-t$k" -m -q >"$d/slave$k.log" 2>&1 &
			PIDS="$PIDS $!"
			k=$((k + 1))
			continue
		fi
		# shellcheck disable=SC2086
		"$BIN/ptpd-wl" -m -q -i sta$k $common --wifi_medium="$d/sta$k.sock" \
			--wifi_peer="$(mac 0)" --vclock="$PFX-s$k" -s --clock_servo=kalman \
			--clockIdentity="$(cid $k)" --uds_address="$d/s$k.uds" \
			--first_step_threshold=0.00002 --step_threshold=0 \
			--statlog="$d/s$k.statlog" >"$d/slave$k.log" 2>&1 &
		PIDS="$PIDS $!"
		k=$((k + 1))
	done
	# shellcheck disable=SC2086
	"$BIN/tsync-judge" $judge --ref "$PFX-m" --duration "$DUR" --interval 0.1 \
		--settle "$SETTLE" --statlog "$d/judge.statlog" >"$d/judge.out"
	cleanup
	k=1
	while read -r line; do
		state=$(grep -o 'port 1: [A-Z_]* to [A-Z_]*' "$d/slave$k.log" | tail -n 1 |
			awk '{ print $NF }')
		errs=$(grep -c -i -E 'error|failed|timed out' "$d/slave$k.log")
		echo "wifi scenario=$sc mode=$mode slave=$k stations=$n load=$load" \
			"${line#judge } state=${state:-none} log_errors=$errs"
		k=$((k + 1))
	done <"$d/judge.out"
	sed -n 's/^live medium: /medium /p' "$d/medium.log" | sed "s/^/wifi scenario=$sc mode=$mode /"
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP" && cp -r "$d" "$KEEP/"
	fi
	rm -rf "$d"
}

echo "wifi bench: duration $DUR s, settle $SETTLE s, scenarios: $SCEN, modes: $MODES"
PRELOAD=$(cd "$BUILD" && pwd)/lib/libtsync-vclock-preload.so
for sc in $SCEN; do
	for mode in $MODES; do
		if [ "$mode" = tm ] || [ "$mode" = ptp4l ]; then
			[ "$sc" = contend ] && continue
		fi
		if [ "$mode" = ptp4l ] && { ! command -v ptp4l >/dev/null 2>&1 || [ ! -f "$PRELOAD" ] ||
			[ ! -c /dev/net/tun ]; }; then
			echo "wifi scenario=$sc mode=ptp4l skipped (needs ptp4l, $PRELOAD, /dev/net/tun)"
			continue
		fi
		case $sc in
		idle) run idle "$mode" 1 2 0 ;;
		load50) run load50 "$mode" 1 7 0.5 ;;
		saturated) run saturated "$mode" 1 7 1.0 ;;
		contend) run contend "$mode" 3 13 0.8 ;;
		*) echo "wifi.sh: unknown scenario $sc" >&2; exit 2 ;;
		esac
	done
done
