#!/bin/sh
# Bench a (and e with --netem): a ptp4l grandmaster (free_running, software timestamps, serving
# CLOCK_REALTIME) with two links: veth to a ptpd-wl slave disciplining a vclock that starts
# 2 ms off with +80 ppm, and veth to a ptp4l slave (free_running) on the same kind of link, for
# comparison. The judge samples the vclock's true error (vclock - CLOCK_REALTIME) at 10 Hz.
#
# usage: bench/ptp-slave.sh [--transport UDPv4|UDPv6|L2] [--delay E2E|P2P]
#          [--servo pi|linreg|kalman] [--duration S] [--settle S] [--sync LOG2]
#          [--netem "delay 200us 50us loss 1%"] [--relay "--delay 200us --jitter 50us --loss 1%"]
#          [--no-ptp4l] [--opt --key=value]... [--out DIR] [--lock-ns N]
# --lock-ns N: the judge's lock threshold (lock_s: |true error| <= N from then on; default 2000).
# --out DIR keeps the judge's statlog (judge.statlog) and the daemons' logs in DIR.
# --netem shapes the links with tc netem (kernels with sch_netem); --relay routes each link
# through a middle namespace running tsync-netem (user-space link emulator) with those args.
# Prints key=value result lines (see the end); exit 0 if the bench ran, 1 if it could not.
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
BIN=$BUILD/bin
. testbeds/netns.sh
. testbeds/ptp/lib.sh
BED_PREFIX=tsa-$$-

TRANS=UDPv4 DELAY=E2E SERVO=kalman DUR=30 SETTLE= SYNC=-3 NETEM= RELAY= P4=1 OPTS= OUT= LOCKNS=2000
while [ $# -gt 0 ]; do
	case "$1" in
	--transport) TRANS=$2; shift ;;
	--delay) DELAY=$2; shift ;;
	--servo) SERVO=$2; shift ;;
	--duration) DUR=$2; shift ;;
	--settle) SETTLE=$2; shift ;;
	--sync) SYNC=$2; shift ;;
	--netem) NETEM=$2; shift ;;
	--relay) RELAY=$2; shift ;;
	--out) OUT=$2; shift ;;
	--lock-ns) LOCKNS=$2; shift ;;
	--no-ptp4l) P4= ;;
	--opt) OPTS="$OPTS $2"; shift ;;
	*) echo "ptp-slave: unknown argument $1" >&2; exit 1 ;;
	esac
	shift
done
[ -n "$SETTLE" ] || SETTLE=$((DUR / 2))

ptp_init || exit 1
bed_ns_add gm && bed_ns_add sl || exit 1
if [ -n "$RELAY" ]; then
	BED_RELAY_LOG=$PTP_DIR/relay-sl.log
	bed_relay_link gm veth0 10.71.0.1 sl veth0 10.71.0.2 mid1 "$RELAY" || exit 1
	if [ -n "$P4" ]; then
		BED_RELAY_LOG=$PTP_DIR/relay-p4.log
		bed_ns_add p4 && bed_relay_link gm veth1 10.72.0.1 p4 veth0 10.72.0.2 mid2 "$RELAY" ||
			exit 1
	fi
else
	bed_link gm veth0 10.71.0.1 sl veth0 10.71.0.2 || exit 1
	[ -n "$P4" ] && { bed_ns_add p4 && bed_link gm veth1 10.72.0.1 p4 veth0 10.72.0.2 || exit 1; }
fi
if [ -n "$NETEM" ]; then
	bed_netem gm veth0 "$NETEM" && bed_netem sl veth0 "$NETEM" || exit 1
	[ -n "$P4" ] && { bed_netem gm veth1 "$NETEM" && bed_netem p4 veth0 "$NETEM" || exit 1; }
fi
VC=$(ptp_vclock slave --offset 2ms --ppm 80 --wander-ppb 20 --seed 7) || exit 1

COMMON="network_transport $TRANS
delay_mechanism $DELAY
time_stamping software
logSyncInterval $SYNC
logAnnounceInterval -2
logMinDelayReqInterval $SYNC
logMinPdelayReqInterval $SYNC"
GMIF="-i veth0"
[ -n "$P4" ] && GMIF="-i veth0 -i veth1"
# shellcheck disable=SC2086
ptp4l_start gm gm "$COMMON
free_running 1
priority1 100
uds_address $PTP_DIR/gm.uds" $GMIF || exit 1
GMPID=$BED_LASTPID
# shellcheck disable=SC2086
ptpd_start sl ptpd -i veth0 --clock_type=vclock --vclock="$VC" --clock_servo="$SERVO" \
	--network_transport="$TRANS" --delay_mechanism="$DELAY" --logSyncInterval="$SYNC" \
	--logAnnounceInterval=-2 --logMinDelayReqInterval="$SYNC" \
	--logMinPdelayReqInterval="$SYNC" --summary_interval="$SYNC" -s \
	--statlog="$PTP_DIR/ptpd.statlog" $OPTS || exit 1
PTPD=$BED_LASTPID
if [ -n "$P4" ]; then
	ptp4l_start p4 p4 "$COMMON
free_running 1
freq_est_interval 0
summary_interval $SYNC
slaveOnly 1
uds_address $PTP_DIR/p4.uds" -i veth0 || exit 1
	P4PID=$BED_LASTPID
fi

JUDGE=$("$BIN/tsync-judge" --vclock "$VC" --duration "$DUR" --interval 0.1 --settle "$SETTLE" \
	--lock-ns "$LOCKNS" --statlog "$PTP_DIR/judge.statlog")
echo "bench slave transport=$TRANS delay=$DELAY servo=$SERVO duration=$DUR settle=$SETTLE sync=$SYNC netem=$(echo "${NETEM:-none}" | tr ' ' '_') relay=$(echo "${RELAY:-none}" | tr ' ' '_')"
echo "$JUDGE"
echo "ptpd_cpu $(ptp_cpu_rss "$PTPD")"
[ -n "$P4" ] && echo "ptp4l_cpu $(ptp_cpu_rss "$P4PID")"
kill -0 "$GMPID" 2>/dev/null || echo "error: the ptp4l grandmaster died"
echo "ptpd_state $(grep -o 'port 1: [A-Z_]* to [A-Z_]*' "$PTP_DIR/ptpd.log" | tail -n 1 | awk '{ print $NF }')"
echo "ptpd_reported $(ptp_offsets "$PTP_DIR/ptpd.log" "$SETTLE" | ptp_stats)"
[ -n "$P4" ] && echo "ptp4l_reported $(ptp_offsets "$PTP_DIR/p4.log" "$SETTLE" | ptp_stats)"
[ -n "$RELAY" ] && echo "relay $(tail -n 1 "$PTP_DIR/relay-sl.log" 2>/dev/null | tr ' ' '_')"
echo "ptpd_errors $(grep -c -i -E 'error|failed|timed out' "$PTP_DIR/ptpd.log")"
if [ -n "$OUT" ]; then
	mkdir -p "$OUT" && cp "$PTP_DIR"/judge.statlog "$PTP_DIR"/*.log "$OUT"/ 2>/dev/null
fi
if [ -n "$PTP_SHOW_LOGS" ]; then
	for f in gm ptpd p4; do
		[ -f "$PTP_DIR/$f.log" ] && { echo "--- $f.log (head/tail)"; head -n 12 "$PTP_DIR/$f.log"; tail -n 5 "$PTP_DIR/$f.log"; }
	done
fi
exit 0
