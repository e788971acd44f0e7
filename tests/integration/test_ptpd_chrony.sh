#!/bin/sh
# Bench f: chronyd -x fed by ptpd-wl over SHM sees the same offsets ptpd-wl measures.
# A ptpd-wl grandmaster serves a vclock 2 ms ahead of CLOCK_REALTIME; a ptpd-wl slave on a
# free-running vclock at CLOCK_REALTIME (offset 0, free_running 1: nothing is adjusted) exports
# each sample to `refclock SHM`. chrony's raw offset is master minus system time, so it must be
# about +2 ms and the negative of ptpd-wl's "master offset" (local minus master).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
command -v chronyd >/dev/null 2>&1 || skip_all "chronyd not installed (apt-get install chrony)"
[ -x "$BIN/ptpd-wl" ] || { fail "ptpd-wl not built"; finish; exit 1; }
. testbeds/netns.sh
. testbeds/ptp/lib.sh
BED_PREFIX=tsf-$$-
ptp_init || exit 1
CPID=
trap '[ -n "$CPID" ] && kill "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null; ptp_cleanup' EXIT
shm_exists() { ipcs -m | awk -v k="$1" '$1 == k { f = 1 } END { exit !f }'; }
UNIT=
for u in 70 71 72 73 74 75 76 77 78 79; do
	if ! shm_exists "$(printf '0x%08x' $((0x4e545030 + u)))"; then
		UNIT=$u
		break
	fi
done
[ -n "$UNIT" ] || { fail "no free SHM unit in 70..79"; finish; exit 1; }
ptp_shm_cleanup_unit "$UNIT"

bed_ns_add gm && bed_ns_add sl && bed_link gm veth0 10.75.0.1 sl veth0 10.75.0.2 || exit 1
VGM=$(ptp_vclock gm --offset 2ms) || exit 1
VSL=$(ptp_vclock sl --offset 0) || exit 1
D=$PTP_DIR
cat >"$D/chrony.conf" <<EOC
pidfile $D/chronyd.pid
bindcmdaddress $D/chronyd.sock
cmdport 0
port 0
logdir $D
log refclocks
refclock SHM $UNIT refid PTPD poll 0 dpoll -3 filter 16
EOC
ptpd_start gm gm -i veth0 --clock_type=vclock --vclock="$VGM" --logSyncInterval=-3 \
	--logAnnounceInterval=-2 --logMinDelayReqInterval=-3 --priority1=90
ptpd_start sl sl -i veth0 -s --clock_type=vclock --vclock="$VSL" --free_running=1 \
	--chrony_shm_unit="$UNIT" --logSyncInterval=-3 --logAnnounceInterval=-2 \
	--logMinDelayReqInterval=-3 --summary_interval=-3
chronyd -x -n -u root -f "$D/chrony.conf" -l "$D/chronyd.log" &
CPID=$!
sleep "${PTPD_TEST_DURATION:-10}"
check "chronyd runs with control of the system clock disabled (-x)" \
	grep -q 'Disabled control of system clock' "$D/chronyd.log"
check "ptpd-wl slave went to SLAVE (free running)" grep -q 'UNCALIBRATED to SLAVE' "$D/sl.log"
raw=$(awk '$3 == "PTPD" && $4 ~ /^[0-9]+$/ { print $7 }' "$D/refclocks.log" | tail -n 30)
n=$(echo "$raw" | grep -c .)
med() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "nan" }'; }
cmed=$(echo "$raw" | med)
pmed=$(ptp_offsets "$D/sl.log" 3 | tail -n 30 | med)
echo "    chrony raw offsets (last $n): median $cmed s; ptpd-wl master offsets: median $pmed ns"
check "chronyd logged >= 10 SHM samples ($n)" [ "$n" -ge 10 ]
check "chrony's raw offset is +2 ms within 10 us (median $cmed s)" \
	awk -v c="$cmed" 'BEGIN { d = c - 2e-3; if (d < 0) d = -d; exit !(c != "nan" && d < 1e-5) }'
# the slave vclock runs over CLOCK_MONOTONIC_RAW: its own error against CLOCK_REALTIME (the
# host's NTP slew since its creation) separates the two scales; chrony's raw offset is
# -(master offset) + (vclock - CLOCK_REALTIME)
verr=$("$BIN/tsync-vclock" error "$VSL" 2>/dev/null | awk '{ print $1 + 0 }')
check "chrony's raw offset = -(ptpd-wl's master offset) + vclock error ($verr ns) within 2 us ($cmed s vs $pmed ns)" \
	awk -v c="$cmed" -v p="$pmed" -v e="${verr:-0}" 'BEGIN { d = c + p / 1e9 - e / 1e9; if (d < 0) d = -d; exit !(c != "nan" && p != "nan" && d < 2e-6) }'
check "every chrony raw offset within 20 us of +2 ms" \
	sh -c "echo '$raw' | awk '{ d = \$1 - 2e-3; if (d < 0) d = -d; if (d > 2e-5) bad = 1 } END { exit bad }'"
check "the slave's vclock was not adjusted (free_running)" \
	sh -c "'$BIN/tsync-vclock' show '$VSL' | grep -q -E '^adjfreq / steps +0 / 0$'"
finish
