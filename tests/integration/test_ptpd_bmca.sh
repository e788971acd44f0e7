#!/bin/sh
# Bench c: two ptpd-wl grandmaster candidates and two ptpd-wl slaves on one bridged segment.
# The BMCA must elect gm1 (priority1 100) over gm2 (priority1 110; it becomes gm1's slave, as
# an ordinary clock of class 248 does); killing gm1 must move the slaves to gm2 within about
# the announce receipt timeout (3 x 250 ms, plus gm2's own timeout and two Announces to
# qualify), and they must stay locked to gm2 (judge: each slave vclock against gm2's).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
[ -x "$BIN/ptpd-wl" ] && [ -x "$BIN/tsync-judge" ] || { fail "ptpd-wl not built"; finish; exit 1; }
. testbeds/netns.sh
. testbeds/ptp/lib.sh
BED_PREFIX=tsc-$$-
ptp_init || exit 1
kv() { echo "$2" | tr " " "\n" | sed -n "s/^$1=//p" | head -n 1; }
mono() { awk '{ print $1 }' /proc/uptime; }

bed_switch sw || exit 1
i=0
for h in gm1 gm2 s1 s2; do
	i=$((i + 1))
	bed_ns_add $h && bed_port $h veth0 10.76.0.$i sw || { fail "bench set-up"; finish; exit 1; }
done
V1=$(ptp_vclock gm1 --offset 0) && V2=$(ptp_vclock gm2 --offset 300us --ppm 10) &&
	VS1=$(ptp_vclock s1 --offset 2ms --ppm 80 --seed 1 --wander-ppb 20) &&
	VS2=$(ptp_vclock s2 --offset -1ms --ppm -50 --seed 2 --wander-ppb 20) || exit 1
OPTS="--logSyncInterval=-3 --logAnnounceInterval=-2 --logMinDelayReqInterval=-3 --clock_servo=kalman"
# shellcheck disable=SC2086
ptpd_start gm1 gm1 -i veth0 --clock_type=vclock --vclock="$V1" --priority1=100 --free_running=1 $OPTS
GM1=$BED_LASTPID
# shellcheck disable=SC2086
{
	ptpd_start gm2 gm2 -i veth0 --clock_type=vclock --vclock="$V2" --priority1=110 $OPTS
	ptpd_start s1 s1 -i veth0 -s --clock_type=vclock --vclock="$VS1" $OPTS
	ptpd_start s2 s2 -i veth0 -s --clock_type=vclock --vclock="$VS2" $OPTS
}
sleep 12
id() { sed -n 's/.*clock identity \([0-9a-f.]*\).*/\1/p' "$PTP_DIR/$1.log" | head -n 1; }
best() { sed -n 's/.*selected best master clock \([0-9a-f.]*\).*/\1/p' "$PTP_DIR/$1.log" | tail -n 1; }
state() { grep -o 'port 1: [A-Z_]* to [A-Z_]*' "$PTP_DIR/$1.log" | tail -n 1 | awk '{ print $NF }'; }
G1=$(id gm1)
G2=$(id gm2)
echo "    gm1 $G1, gm2 $G2"
check "gm1 is MASTER" [ "$(state gm1)" = MASTER ]
check "gm2 follows gm1 (state $(state gm2), best $(best gm2))" \
	sh -c "[ '$(state gm2)' = SLAVE ] && [ '$(best gm2)' = '$G1' ]"
for s in s1 s2; do
	check "$s elected gm1 by priority1 (best $(best $s), state $(state $s))" \
		sh -c "[ '$(best $s)' = '$G1' ] && [ '$(state $s)' = SLAVE ]"
done
"$BIN/tsync-judge" --vclock "$VS1" --vclock "$VS2" --vclock "$V2" --ref "$V1" --duration 2 \
	--interval 0.1 | sed 's/^/    before, vs gm1: /'

T0=$(mono)
kill "$GM1"
post=$("$BIN/tsync-judge" --vclock "$VS1" --vclock "$VS2" --ref "$V2" --duration 10 --interval 0.1 --settle 4)
echo "$post" | sed 's/^/    after, vs gm2:  /'
"$BIN/tsync-judge" --vclock "$VS1" --vclock "$VS2" --vclock "$V2" --ref "$V1" --duration 0.5 \
	--interval 0.1 | sed 's/^/    end, vs gm1:    /'
check "gm1 stopped" sh -c "! kill -0 $GM1 2>/dev/null"
for s in s1 s2; do
	t=$(grep "selected best master clock $G2" "$PTP_DIR/$s.log" | tail -n 1 | sed 's/^[^[]*\[\([0-9.]*\)\].*/\1/')
	dt=$(awk -v a="$t" -v b="$T0" 'BEGIN { if (a == "") print "never"; else printf "%.2f", a - b }')
	check "$s moved to gm2 $dt s after gm1 died (limit 2.5 s = 3.3 announce timeouts)" \
		awk -v d="$dt" 'BEGIN { exit !(d != "never" && d + 0 <= 2.5) }'
	check "$s is SLAVE again ($(state $s))" [ "$(state $s)" = SLAVE ]
done
check "gm2 assumed the master role ($(state gm2))" [ "$(state gm2)" = MASTER ]
# Locked = the error is steady, not drifting: its spread about the mean, sqrt(rms^2 - mean^2),
# under 8 us (seen: 0.3-3.0 us; a 10 ppm drift over the 6 s would be ~17 us). The mean itself is
# the bridged segment's path asymmetry, which no slave can observe with software timestamps
# (path delay ~28 us through the namespace bridge): seen from -8.9 to +13.6 us on the Intel
# machine across runs (a free-running ptp4l slave on the same kind of segment reported 5-7 us
# RMS offsets); it must stay under 30 us. A slave that lost lock would be off by far more (the
# slaves start 1-2 ms off) and drift.
for k in 1 2; do
	line=$(echo "$post" | sed -n "${k}p")
	rms=$(kv rms_ns "$line")
	mean=$(kv mean_ns "$line")
	sd=$(awk -v r="$rms" -v m="$mean" 'BEGIN { if (r == "" || r == "nan" || m == "" || m == "nan") print "nan"; else { v = r * r - m * m; printf "%.0f", (v > 0 ? sqrt(v) : 0) } }')
	check "$(kv vclock "$line") stays locked to gm2 after the failover (from 4 s on: spread $sd ns < 8 us, mean $mean ns within 30 us)" \
		awk -v s="$sd" -v m="$mean" 'BEGIN { exit !(s != "nan" && s != "" && s + 0 < 8000 && m != "nan" && m != "" && (m < 0 ? -m : m) < 30000) }'
done
finish
