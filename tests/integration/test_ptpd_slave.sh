#!/bin/sh
# Bench a: a ptp4l grandmaster (free_running, software timestamps) -> ptpd-wl slave on a vclock
# that starts 2 ms off with +80 ppm. It must lock and then keep a small true error (judge:
# vclock - CLOCK_REALTIME at 10 Hz), over UDPv4/E2E and over L2/P2P.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
command -v ptp4l >/dev/null 2>&1 || skip_all "ptp4l not installed (apt-get install linuxptp)"
[ -x "$BIN/ptpd-wl" ] && [ -x "$BIN/tsync-judge" ] || { fail "ptpd-wl/tsync-judge not built"; finish; exit 1; }
DUR=${PTPD_TEST_DURATION:-24}
kv() { echo "$2" | tr " " "\n" | sed -n "s/^$1=//p" | head -n 1; }

# RMS limits: 1 us over UDPv4/E2E; 2 us over L2/P2P, where the veth path's timestamping
# asymmetry biases every daemon's measurement by about 0.7 us (a free-running ptp4l slave on the
# same link reports the same mean offset: BENCHMARKS.md) and the servo cannot see it. The lock
# threshold is the RMS limit + 1 us: on L2/P2P the bias alone reached 1.5 us under load (RMS
# 1511 ns, max 1930 ns in one CI run), so a 2 us lock line sat inside the noise and lock_s
# moved to 16.5 s while the clock was locked.
for mode in UDPv4:E2E:1000 L2:P2P:2000; do
	tr=${mode%%:*}
	dm=${mode#*:}
	lim=${dm#*:}
	dm=${dm%%:*}
	lk=$((lim + 1000))
	out=$(BUILD=$BUILD bench/ptp-slave.sh --transport "$tr" --delay "$dm" \
		--servo kalman --duration "$DUR" --settle 12 --no-ptp4l --lock-ns "$lk" 2>&1)
	echo "$out" | sed 's/^/    /'
	j=$(echo "$out" | grep '^judge ')
	lock=$(kv lock_s "$j")
	rms=$(kv rms_ns "$j")
	max=$(kv max_ns "$j")
	st=$(echo "$out" | awk '/^ptpd_state/ { print $2 }')
	errs=$(echo "$out" | awk '/^ptpd_errors/ { print $2 }')
	check "$tr/$dm: ptpd-wl port reached SLAVE (last state: $st)" [ "$st" = SLAVE ]
	check "$tr/$dm: locked within 10 s (lock_s=$lock, |err| <= $lk ns from then on)" \
		awk -v l="$lock" 'BEGIN { exit !(l != "-" && l != "" && l + 0 <= 10) }'
	check "$tr/$dm: true-error RMS after 12 s below $lim ns (rms_ns=$rms)" \
		awk -v v="$rms" -v l="$lim" 'BEGIN { exit !(v != "" && v != "nan" && v + 0 < l) }'
	check "$tr/$dm: true-error max after 12 s below 3 us (max_ns=$max)" \
		awk -v v="$max" 'BEGIN { exit !(v != "" && v != "nan" && v + 0 < 3000) }'
	check "$tr/$dm: no errors in ptpd-wl's log ($errs)" [ "$errs" = 0 ]
done
finish
