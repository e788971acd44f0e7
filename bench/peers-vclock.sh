#!/bin/sh
# True error vs true error (issue 18): ptpd-wl (pi, linreg, kalman), ptp4l (pi, linreg) and
# chronyd (NTP client), each disciplining its own vclock with the same oscillator model (2 ms off,
# +80 ppm, 20 ppb RMS wander, same seed) over identical veth links from one master namespace,
# in the same run. Debian's ptp4l and chronyd run unmodified through
# build/lib/libtsync-vclock-preload.so. The master's clock is a reference vclock REF, served by
# a ptp4l grandmaster (UDPv4/E2E, 8 Sync/s, software stamps) and a chronyd NTP server (-x), both
# on REF; tsync-judge scores every slave vclock against REF at 10 Hz.
#
# usage: bench/peers-vclock.sh [--quick] [--duration S] [--settle S]
#          [--relay "--delay 200us --jitter 50us --loss 1%"] [--out DIR] [--ptpd-opts "..."]
# --ptpd-opts: extra ptpd-wl options for its three slaves (e.g. "--delay_filter_length=64").
# --out DIR: keep the judge's statlog (judge.statlog, one err column per peer in PEERS order,
#   named in DIR/columns; t[s] = 0 at DIR/judge.started), ptpd-wl's statlogs (its own offsets,
#   NAME.statlog, "started" in its header) and every daemon's log.
# --quick: 40 s, settle 20 (ptp4l's PI with its software-stamping gains needs 0.016/ki = 37 s
#   at 8 Sync/s before its first frequency estimate, so its row mostly shows that wait).
# --relay: each link goes through tsync-netem in a middle namespace with those arguments.
# Prints one row per peer: rms/p99/max true error (ns, after settle), lock time (s: from then on
# |err| <= 2 us), CPU seconds over the run.
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
BIN=$BUILD/bin
. testbeds/netns.sh
. testbeds/ptp/lib.sh
BED_PREFIX=bpv-$$-

DUR=120 SETTLE=60 RELAY= OUT= PTPD_OPTS=
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) DUR=40 SETTLE=20 ;;
	--duration) DUR=$2; shift ;;
	--settle) SETTLE=$2; shift ;;
	--relay) RELAY=$2; shift ;;
	--out) OUT=$2; shift ;;
	--ptpd-opts) PTPD_OPTS=$2; shift ;;
	*) echo "peers-vclock: unknown argument $1" >&2; exit 1 ;;
	esac
	shift
done
command -v ptp4l >/dev/null && command -v chronyd >/dev/null ||
	{ echo "peers-vclock: needs ptp4l and chronyd" >&2; exit 1; }
[ -f "$BUILD/lib/libtsync-vclock-preload.so" ] && [ -x "$BIN/ptpd-wl" ] ||
	{ echo "peers-vclock: build first (make)" >&2; exit 1; }
ptp_init || exit 1
. testbeds/peers/lib.sh

PEERS="ptpd-pi ptpd-linreg ptpd-kalman ptp4l-pi ptp4l-linreg chronyd"
bed_ns_add gm || exit 1
REF=$(ptp_vclock ref) || exit 1
i=0
GMIF=
for p in $PEERS; do
	i=$((i + 1))
	bed_ns_add "$p" || exit 1
	if [ -n "$RELAY" ]; then
		bed_relay_link gm "veth$i" "10.74.$i.1" "$p" veth0 "10.74.$i.2" "mid$i" "$RELAY" || exit 1
	else
		bed_link gm "veth$i" "10.74.$i.1" "$p" veth0 "10.74.$i.2" || exit 1
	fi
	[ "$p" = chronyd ] || GMIF="$GMIF -i veth$i"
	eval "VC_$i=\$(ptp_vclock \"$p\" --offset 2ms --ppm 80 --wander-ppb 20 --seed 7)" || exit 1
done

PTPCFG="network_transport UDPv4
delay_mechanism E2E
time_stamping software
logSyncInterval -3
logAnnounceInterval -2
logMinDelayReqInterval -3"
# shellcheck disable=SC2086
peer_ptp4l gm gm "$REF" "$PTPCFG
masterOnly 1" $GMIF || exit 1
# the NTP server never steers REF (-x)
peer_chronyd gm ntps "$REF" "local stratum 1
allow 10.74.0.0/16" -x || exit 1

i=0
for p in $PEERS; do
	i=$((i + 1))
	eval "vc=\$VC_$i"
	case "$p" in
	ptpd-*)
		# shellcheck disable=SC2086
		ptpd_start "$p" "$p" -i veth0 --clock_type=vclock --vclock="$vc" --clock_servo="${p#ptpd-}" \
			--network_transport=UDPv4 --delay_mechanism=E2E --logSyncInterval=-3 \
			--logAnnounceInterval=-2 --logMinDelayReqInterval=-3 --summary_interval=-3 -s \
			--statlog="$PTP_DIR/$p.statlog" $PTPD_OPTS || exit 1 ;;
	ptp4l-*)
		peer_ptp4l "$p" "$p" "$vc" "$PTPCFG
slaveOnly 1
clock_servo ${p#ptp4l-}
summary_interval -3" -i veth0 || exit 1 ;;
	chronyd)
		peer_chronyd "$p" "$p" "$vc" "server 10.74.$i.1 iburst minpoll -3 maxpoll -3 xleave
makestep 0.001 3
port 0" || exit 1 ;;
	esac
	eval "PID_$i=\$BED_LASTPID"
done

VCS=
i=0
for p in $PEERS; do
	i=$((i + 1))
	eval "VCS=\"\$VCS --vclock \$VC_$i\""
done
# the judge's t[s] = 0 on this wall clock (ptpd-wl statlogs carry their own "started")
date -u +%Y-%m-%dT%H:%M:%S.%NZ >"$PTP_DIR/judge.started"
# shellcheck disable=SC2086
JUDGE=$("$BIN/tsync-judge" $VCS --ref "$REF" --duration "$DUR" --interval 0.1 \
	--settle "$SETTLE" --statlog "$PTP_DIR/judge.statlog")
echo "bench peers-vclock duration=$DUR settle=$SETTLE relay=$(echo "${RELAY:-none}" | tr ' ' '_') cpus=$(nproc)"
printf '%-14s %9s %9s %9s %7s %7s\n' peer rms_ns p99_ns max_ns lock_s cpu_s
i=0
for p in $PEERS; do
	i=$((i + 1))
	eval "vc=\$VC_$i pid=\$PID_$i"
	j=$(echo "$JUDGE" | grep "vclock=$vc ")
	cpu=$(ptp_cpu_rss "$pid")
	printf '%-14s %9s %9s %9s %7s %7s\n' "$p" "$(kv rms_ns "$j")" "$(kv p99_ns "$j")" \
		"$(kv max_ns "$j")" "$(kv lock_s "$j")" "$(kv cpu_s "$cpu")"
done
if [ -n "$OUT" ]; then
	mkdir -p "$OUT" && cp "$PTP_DIR"/*.statlog "$PTP_DIR"/judge.started "$PTP_DIR"/*.log "$OUT"/ 2>/dev/null
	i=0
	for p in $PEERS; do
		i=$((i + 1))
		echo "err$((i - 1))[ns] $p"
	done >"$OUT/columns"
fi
exit 0
