# Helpers of the different-TSC migration test and bench (sourced; tests/integration/
# test_vmclock_tsc.sh, bench/vmclock-tsc.sh). Background processes go to $PIDS.

# tsc_bg LOG CMD...: start CMD in the background, output to LOG; its pid in LAST and PIDS
tsc_bg() {
	_tsc_log=$1
	shift
	"$@" >"$_tsc_log" 2>&1 &
	PIDS="$PIDS $!"
	LAST=$!
}
# tsc_wait_for FILE PATTERN SECONDS: until PATTERN shows in FILE (1 on timeout)
tsc_wait_for() {
	_tsc_n=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		_tsc_n=$((_tsc_n + 1))
		[ $_tsc_n -le $(($3 * 20)) ] || return 1
		sleep 0.05
	done
}
# tsc_khz VMCLOCKD_LOG: TSC ticks per ms from a vmclockd's calibration line
tsc_khz() {
	sed -n 's/.*TSC \([0-9.]*\) ns\/tick.*/\1/p' "$1" | head -n 1 | awk '{ printf "%d\n", 1e6 / $1 }'
}
# tsc_score SRC_VLOG DST_VLOG KHZ: "N BAD MAXERR ERR0 BOUND0 GAPMS REALMS" over the
# destination's readings of its own page (the newest disruption marker; its ring may still
# hold a few of the source's readings): BAD outside the bound or failed, ERR0/BOUND0 the first
# (at resume). GAPMS: the guest's TSC from its last reading of the source's page (either log)
# to its first of the destination's, ms at KHZ; REALMS: CLOCK_REALTIME between the same two
# readings (each VMM's own (TSC, CLOCK_REALTIME) pairs): a guest TSC continued across the
# switchover moves by the real time that passed, whatever the downtime. -1 without readings
# on both sides.
tsc_score() {
	cat "$1" "$2" | awk -v khz="$3" '
		!/^#/ && NF >= 8 { k++; mk[k] = $6; ok[k] = $4; err[k] = $2; b[k] = $3; tsc[k] = $8
			t[k] = $1; if ($6 > top) top = $6 }
		END { for (i = 1; i <= k; i++) {
				if (mk[i] != top) { if (tsc[i] > last) { last = tsc[i]; tl = t[i] }; continue }
				if (!first) { first = tsc[i]; tf = t[i]; e0 = err[i]; b0 = b[i] }
				n++; if (ok[i] != 1) bad++
				e = err[i] < 0 ? -err[i] : err[i]; if (e > m) m = e }
			both = last && first
			printf "%d %d %.0f %.0f %.0f %.3f %.3f\n", n, bad, m, e0 < 0 ? -e0 : e0, b0,
				both ? (first - last) / khz : -1, both ? (tf - tl) * 1e3 : -1 }'
}
