#!/bin/sh
# vmclockd restarts under a reader in a tight loop (what a Linux guest with the page mapped
# sees): no SIGBUS, no zero or 1970 page, no UNRELIABLE, seq_count never back, the
# disruption_marker moves forward at every restart and is never reused; every bounded
# reading holds the truth (CLOCK_REALTIME: the host clock is the truth here, its bound the
# command line's). A second vmclockd on the same page is refused. Also: a silent sync daemon
# is holdover (FREERUNNING), not UNRELIABLE.
. tests/integration/lib.sh
D=$BIN/vmclockd
R=$BIN/tsync-vmclock-read
[ -x "$D" ] && [ -x "$R" ] || skip_all "vmclockd or tsync-vmclock-read not built"
grep -q constant_tsc /proc/cpuinfo || skip_all "no constant TSC"
TMP=$(mktemp -d)
S=$TMP/d.sock
P=$TMP/tsync-vmclock.r1
PD=
PW=
PW2=
cleanup() {
	$D --socket "$S" --send quit >/dev/null 2>&1
	$D --socket "$TMP/s2.sock" --send quit >/dev/null 2>&1
	sleep 0.2
	[ -n "$PD" ] && kill "$PD" 2>/dev/null
	[ -n "$PW" ] && kill "$PW" 2>/dev/null
	[ -n "$PW2" ] && kill "$PW2" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

start() { # start vmclockd on r1 (args: extra options); waits for its socket
	rm -f "$S"
	$D --clock sys --page-dir "$TMP" --vm r1:step --vm r2:slew --maxerror 5ms --freq-maxerror 100ppm \
		--interval 0.05 --calibrate-ms 50 --slew-max 1000ppm --socket "$S" "$@" >>"$TMP/d.log" 2>&1 &
	PD=$!
	for i in $(seq 50); do
		[ -S "$S" ] && return 0
		sleep 0.05
	done
	return 1
}
marker() { $D --socket "$S" --send "status r1" | sed -n 's/.* marker=\([0-9]*\).*/\1/p'; }

check "vmclockd starts and publishes r1" start
m0=$(marker)
# r2 (slew) is 1 s ahead of the host and slews back: a restart that forgot it would step it
# back by up to 1 s
rec=$($D --socket "$S" --send "stop r2" | sed 's/^ok //' |
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^time_ns=/) { split($i, a, "="); $i = sprintf("time_ns=%.0f", a[2] + 1000000000) } print }')
out=$($D --socket "$S" --send "migrate-in r2 policy=slew $rec")
check "r2 migrated in 1 s ahead, slewing: $out" sh -c "echo '$out' | grep -q '^ok .*offset_ns=9'"
$R "$P" --watch 6 --ref sys >"$TMP/watch.out" 2>&1 &
PW=$!
$R "$TMP/tsync-vmclock.r2" --watch 6 --ref sys >"$TMP/watch2.out" 2>&1 &
PW2=$!
sleep 0.5
# a graceful restart (SIGTERM), a crash (SIGKILL, maybe mid-update), and vm-del + vm-add
kill "$PD"
wait "$PD" 2>/dev/null
check "restart 1 (after SIGTERM)" start
m1=$(marker)
sleep 0.7
kill -9 "$PD"
wait "$PD" 2>/dev/null
check "restart 2 (after SIGKILL)" start
m2=$(marker)
sleep 0.7
# a second daemon on the same page is refused while the first holds it
out=$(timeout 10 $D --clock sys --page-dir "$TMP" --vm r1 --calibrate-ms 20 --socket "$TMP/s2.sock" 2>&1)
rc=$?
check "a second vmclockd on the same page is refused: $out" \
	sh -c "[ $rc -ne 0 ] && echo '$out' | grep -q 'r1'"
$D --socket "$S" --send "vm-del r1" >/dev/null
$D --socket "$S" --send "vm-add r1 policy=step" >/dev/null
m3=$(marker)
check "markers only move forward: $m0 < $m1 < $m2 < $m3" \
	sh -c "[ '$m0' -lt '$m1' ] && [ '$m1' -lt '$m2' ] && [ '$m2' -lt '$m3' ]"
wait "$PW"
rc=$?
PW=
w=$(grep '^watch' "$TMP/watch.out")
check "the reader survived every restart (rc $rc): $(cat "$TMP/watch.out" | tr '\n' ' ')" \
	test "$rc" -eq 0
check "many reads, each restart seen as a new marker" \
	sh -c "echo '$w' | awk '{ for (i = 1; i <= NF; i++) { split(\$i, a, \"=\"); v[a[1]] = a[2] } }
		END { exit !(v[\"reads\"] > 10000 && v[\"markers\"] >= 4 && v[\"last_marker\"] == $m3) }'"
wait "$PW2"
rc=$?
PW2=
w2=$(grep '^watch' "$TMP/watch2.out")
check "slew page: restarts continue from the page the guest reads, never backwards (rc $rc): $w2" \
	sh -c "[ $rc -eq 0 ] && echo '$w2' | grep -q ' backwards=0 ' && echo '$w2' | grep -q ' markers=3 '"

# the page's flags: error bounds while the estimate holds
flags=$($R "$P" | head -n 1 | sed -n 's/.* flags=\(0x[0-9a-f]*\).*/\1/p')
check "bounded page: TIME/PERIOD MAXERROR/ESTERROR valid ($flags)" \
	sh -c "[ \$(( $flags & 0x78 )) -eq $((0x78)) ]"

# a sync daemon that stops answering: holdover (FREERUNNING), never UNRELIABLE; one that never
# answered: INITIALIZING without error flags
kill "$PD"
wait "$PD" 2>/dev/null
check "restart with a --ptpd socket nobody answers" start --ptpd "$TMP/nobody.sock"
out=$($R "$P")
check "never answered: INITIALIZING (1), no *_ERROR_VALID flags: $(echo "$out" | head -n 1)" \
	sh -c "echo '$out' | head -n 1 | grep -q 'status=1 ' &&
		f=\$(echo '$out' | head -n 1 | sed -n 's/.* flags=\(0x[0-9a-f]*\).*/\1/p') &&
		[ \$(( \$f & 0x78 )) -eq 0 ]"
finish
