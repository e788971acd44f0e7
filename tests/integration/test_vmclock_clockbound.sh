#!/bin/sh
# The ClockBound segment from a live vmclock page: vmclockd publishes (host clock = the system
# clock, so the truth of CLOCK_REALTIME is the page's time), tsync-clockbound writes the
# segment, and a reader with ClockBound's layout (PROTOCOL.md v2, Python struct, its client's
# rule) checks magic, version, generation, status, marker and that the system clock lies in
# [earliest, latest]. Then the marker moves (migrate-in) and the segment follows it.
. tests/integration/lib.sh
D=$BIN/vmclockd
C=$BIN/tsync-clockbound
[ -x "$D" ] && [ -x "$C" ] || skip_all "vmclockd or tsync-clockbound not built"
command -v python3 >/dev/null || skip_all "no python3"
grep -q constant_tsc /proc/cpuinfo || skip_all "no constant TSC"
TMP=$(mktemp -d)
S=$TMP/d.sock
PD=
PC=
cleanup() {
	[ -n "$PC" ] && kill "$PC" 2>/dev/null
	$D --socket "$S" --send quit >/dev/null 2>&1
	sleep 0.2
	[ -n "$PD" ] && kill "$PD" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
$D --clock sys --page-dir "$TMP" --vm cb1:step --maxerror 200us --freq-maxerror 50ppm \
	--interval 0.1 --calibrate-ms 50 --socket "$S" >"$TMP/d.log" 2>&1 &
PD=$!
for i in $(seq 50); do [ -S "$S" ] && break; sleep 0.05; done
check "vmclockd publishes cb1" test -S "$S"

cat >"$TMP/client.py" <<'PY'
import struct, sys, time
b = open(sys.argv[1], 'rb').read(80)
magic = b[:8]
size, version, gen = struct.unpack_from('=IHH', b, 8)
asof_s, asof_ns, void_s, void_ns, bound, marker, drift, status, supp = \
    struct.unpack_from('=qqqqqQIiB', b, 16)
rt = time.clock_gettime_ns(time.CLOCK_REALTIME)
mono = time.clock_gettime_ns(getattr(time, "CLOCK_MONOTONIC_COARSE", 6))  # 6: Linux
asof = asof_s * 10**9 + asof_ns
void = void_s * 10**9 + void_ns
ceb = bound + (mono - asof) * drift // 10**9
ok = (magic == bytes([0x41, 0x4D, 0x5A, 0x4E, 0x43, 0x42, 0x02, 0x00]) and size == 80 and
      version == 2 and gen % 2 == 0 and gen > 0 and mono <= void and asof <= mono)
# the system clock is the host clock vmclockd publishes: its true error is the page's, and
# ClockBound's interval around it must be at least as wide as the page's bound
print('ok=%d status=%d marker=%d bound_ns=%d ceb_ns=%d drift_ppb=%d gen=%d supp=%d' %
      (ok, status, marker, bound, ceb, drift, gen, supp))
PY
# the writer keeps updating while the client reads, as ClockBound's daemon does: a segment
# left alone goes void after its last update (a client started late under load read a void
# segment in CI when the writer had already exited)
$C "$TMP/tsync-vmclock.cb1" --shm "$TMP/shm0" --interval 0.1 --count 100 >"$TMP/cb.out" &
PC=$!
for i in $(seq 100); do
	[ "$(grep -c '^bound_ns=' "$TMP/cb.out")" -ge 5 ] && break
	sleep 0.05
done
check "tsync-clockbound wrote 5 updates: $(sed -n 5p "$TMP/cb.out")" \
	sh -c "[ \$(grep -c '^bound_ns=' '$TMP/cb.out') -ge 5 ]"
r=$(python3 "$TMP/client.py" "$TMP/shm0")
kill "$PC" 2>/dev/null
wait "$PC" 2>/dev/null
PC=
check "ClockBound layout: magic, size 80, version 2, even generation, not void: $r" \
	sh -c "echo '$r' | grep -q '^ok=1 '"
check "status Synchronized (1), disruption support on, the page's marker (1)" \
	sh -c "echo '$r' | grep -q ' status=1 marker=1 ' && echo '$r' | grep -q ' supp=1'"
check "bound covers the page's 200 us and is not loose (< 300 us)" \
	sh -c "echo '$r' | awk '{ for (i = 1; i <= NF; i++) { split(\$i, a, \"=\"); v[a[1]] = a[2] } }
		END { exit !(v[\"bound_ns\"] >= 200000 && v[\"bound_ns\"] < 300000 && v[\"drift_ppb\"] >= 50000) }'"
# a migration moves the page's marker: the segment follows at its next update
rec=$($D --socket "$S" --send "stop cb1" | sed 's/^ok //')
$D --socket "$S" --send "migrate-in cb1 policy=step $rec" >/dev/null
$C "$TMP/tsync-vmclock.cb1" --shm "$TMP/shm0" --interval 0.1 --count 2 --quiet
r2=$(python3 "$TMP/client.py" "$TMP/shm0")
check "the disruption marker follows the page (2): $r2" sh -c "echo '$r2' | grep -q ' marker=2 '"
finish
