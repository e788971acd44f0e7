#!/bin/sh
# ptpd-wl over the wifi transport on the live emulated medium (tsync-wifi-medium --live):
# a master and a slave station, MAC (TSF) timestamps, both clocks vclocks (bench/wifi.sh, the
# idle scenario, 24 s). The slave must lock and keep a small true error (slave vclock minus the
# master's). Then the capture the medium wrote for the slave is read back offline:
# tsync-analyze radiotap must parse every record the slave was given, and ptp-wifi-replay (the
# transport's parser, with the medium's TSF model as truth) must find the exchanges and the
# path delay the live slave measured. Last, a short run of wifi_mode tm (802.11v Timing
# Measurement as the only sample source) must lock too.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
for b in tsync-wifi-medium ptpd-wl tsync-judge tsync-vclock ptp-wifi-replay tsync-analyze; do
	[ -x "$BIN/$b" ] || { fail "$BIN/$b not built"; finish; exit 1; }
done
T=$(mktemp -d /tmp/tsync-test-wifi.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
kv() { echo "$2" | tr " " "\n" | sed -n "s/^$1=//p" | head -n 1; }
# tsync-judge --ref reads the slave's and the master's vclock one after the other: a preemption
# of the judge between the two reads shows as one sample off by minus its length (-14 us seen
# at load average 9 while the neighbours were at -40 ns, and in the slave's own offsets
# nothing). The judge leaves such samples out of its RMS and max (n is smaller) but not out of
# lock_s, so the lock time is taken from its statlog through a median of 3 samples (100 ms
# apart), which removes single samples and keeps every real excursion (the servo cannot come
# back within 100 ms). Prints "lock_s=.. rms_ns=.. max_ns=.. spikes=N" (of the filtered series).
score() { # statlog settle
	awk -v settle="$2" '
	!/^#/ { t[n] = $1; e[n] = $2; n++ }
	END {
		lock = -1; s2 = 0; k = 0; mx = 0; sp = 0
		for (i = 0; i < n; i++) {
			a = e[i > 0 ? i - 1 : i]; b = e[i]; c = e[i < n - 1 ? i + 1 : i]
			m = (a > b) ? ((b > c) ? b : ((a > c) ? c : a)) : ((a > c) ? a : ((b > c) ? c : b))
			if (m != b) { d = m - b; if (d < 0) d = -d; if (d > 2000) sp++ }
			am = m < 0 ? -m : m
			if (am > 2000) lock = -1; else if (lock < 0) lock = t[i]
			if (t[i] >= settle) { s2 += m * m; k++; if (am > mx) mx = am }
		}
		printf "lock_s=%s rms_ns=%.0f max_ns=%.0f spikes=%d\n", lock < 0 ? "-" : sprintf("%.1f", lock), k ? sqrt(s2 / k) : -1, mx, sp
	}' "$1"
}

# bench/wifi.sh removes its processes and vclocks on every exit path (its own trap)
out=$(BUILD=$BUILD bench/wifi.sh --scenarios idle --modes mac --duration 24 --settle 12 \
	--keep "$T" 2>&1)
echo "$out" | sed 's/^/    /'
line=$(echo "$out" | grep '^wifi scenario=idle mode=mac slave=1 ')
st=$(kv state "$line")
D=$T/idle-mac
sc=$(score "$D/judge.statlog" 12)
echo "    median-of-3 judge: $sc"
lock=$(kv lock_s "$sc")
rms=$(kv rms_ns "$line")
max=$(kv max_ns "$line")
check "the slave station reached SLAVE (last state: $st)" [ "$st" = SLAVE ]
# the TSF's 1 us resolution and a loaded machine (the medium's records late by up to tens of
# ms under load are harmless to MAC stamps): 1 us RMS is the target, 2 us the margin
check "locked within 12 s (lock_s=$lock, |err| <= 2 us from then on, median of 3)" \
	awk -v l="$lock" 'BEGIN { exit !(l != "-" && l != "" && l + 0 <= 12) }'
check "true-error RMS after 12 s below 2 us (rms_ns=$rms)" \
	awk -v v="$rms" 'BEGIN { exit !(v != "" && v != "nan" && v + 0 < 2000) }'
check "true-error max after 12 s below 4 us (max_ns=$max)" \
	awk -v v="$max" 'BEGIN { exit !(v != "" && v != "nan" && v + 0 < 4000) }'

# --- replay of the capture the medium wrote for the slave ------------------------------------
[ -f "$D/cap/sta1.pcap" ] || { fail "no capture kept in $D"; finish; exit 1; }
med=$(grep '^sta1:' "$D/medium.log")
written=$(echo "$med" | sed -n 's/.* written \([0-9]*\), not written \([0-9]*\).*/\1 \2/p')
given=$(echo "$written" | awk '{ print $1 + $2 }')
"$BIN/tsync-analyze" radiotap --format csv "$D/cap/sta1.pcap" >"$T/rt.csv" 2>"$T/rt.err"
frames=$(awk -F, 'NR > 1 && /^[0-9]+,/ { n++ } /^$/ { exit } END { print n + 0 }' "$T/rt.csv")
check "tsync-analyze radiotap reads all $given records the medium gave the slave ($frames)" \
	awk -v f="$frames" -v g="$given" 'BEGIN { exit !(f == g && f > 100) }'
check "no malformed record in the capture ($(head -c 200 "$T/rt.err"))" [ ! -s "$T/rt.err" ]
rep=$("$BIN/ptp-wifi-replay" "$D/cap/sta1.pcap" "$D/sta1.info")
echo "    $rep"
syncs=$(kv syncs "$rep")
dreqs=$(kv delay_reqs "$rep")
samples=$(grep -v '^#' "$D/s1.statlog" | wc -l)
# every sample of the live slave came from a complete Sync exchange in the capture
check "replay finds the Sync exchanges the slave used ($syncs in the capture, $samples samples)" \
	awk -v s="$syncs" -v n="$samples" 'BEGIN { exit !(s > 50 && s >= n - 2) }'
check "replay finds Delay_Req exchanges ($dreqs)" [ "${dreqs:-0}" -gt 50 ]
# the path delay from the capture's TSFT (truth: the medium's TSF model) against the one the live
# slave measured (its statlog, after settling): the same exchanges, so within 1 us
live_pd=$(awk '!/^#/ && $1 > 12 { s += $4; n++ } END { if (n) printf "%.0f", s / n }' "$D/s1.statlog")
pd=$(kv path_delay_ns "$rep")
check "replayed path delay ($pd ns) agrees with the live slave's ($live_pd ns) within 1 us" \
	awk -v a="$pd" -v b="$live_pd" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= 1000) }'
# the master's vclock was created on CLOCK_REALTIME (offset 0, 0 ppm): the capture's exchanges,
# judged with the medium's truth, must put it within 1.5 us of true time
mt=$(kv master_minus_true_ns "$rep")
check "replayed master clock minus true time within 1.5 us ($mt ns)" fabs_le "$mt" 1500

# --- wifi_mode tm -----------------------------------------------------------------------------
out=$(BUILD=$BUILD bench/wifi.sh --scenarios idle --modes tm --duration 14 --settle 7 --keep "$T" 2>&1)
echo "$out" | sed 's/^/    /'
line=$(echo "$out" | grep '^wifi scenario=idle mode=tm slave=1 ')
sc=$(score "$T/idle-tm/judge.statlog" 7)
echo "    median-of-3 judge: $sc"
lock=$(kv lock_s "$sc")
rms=$(kv rms_ns "$line")
check "tm: the slave reached SLAVE ($(kv state "$line"))" [ "$(kv state "$line")" = SLAVE ]
check "tm: locked within 7 s (lock_s=$lock)" \
	awk -v l="$lock" 'BEGIN { exit !(l != "-" && l != "" && l + 0 <= 7) }'
check "tm: true-error RMS after 7 s below 2 us (rms_ns=$rms)" \
	awk -v v="$rms" 'BEGIN { exit !(v != "" && v != "nan" && v + 0 < 2000) }'
# the slave's samples came from TM exchanges only: it dropped every Sync (none in its statlog
# before TM) and sent no Delay_Req
inj=$(sed -n 's/^sta1: injected \([0-9]*\),.*/\1/p' "$T/idle-tm/medium.log")
check "tm: the slave sent no PTP frame (injected $inj)" [ "$inj" = 0 ]
finish
