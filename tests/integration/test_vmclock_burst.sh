#!/bin/sh
# On-demand burst end to end (issue 14): hosts at 1 Sync/s (ptp4l grandmaster, ptpd-wl kalman
# on two vclocks, vmclockd with ptpd-wl's estimate), one step migration a -> b of a tsvmm VM
# with the destination prepared 3 s ahead; vmclockd asks its ptpd-wl for the burst itself when
# tsvmm reports the migration (no burst from the script). Fails on any guest reading outside
# its bound, if the bound at switchover (the guest's first reading on b) is not clearly below
# b's bound just before the burst, if b's ptpd-wl did not send its Delay_Req at the burst's
# rate (a ptp4l master changes only its Sync rate), or on leftovers.
# One migration against the bound just before the burst, not two arms (with and without): a
# no-burst arm needs its own hosts settled at 1 Sync/s (~25 s more); bench/vmclock-burst.sh
# compares the arms. Only the first migration: b has never had a burst before it, so its
# bound then is the steady 1 Sync/s one (the source bursts too, and its hold outlasts a short
# test's pause between migrations).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
echo "test_vmclock_burst:"
[ -w /dev/kvm ] || skip_all "no /dev/kvm"
command -v ptp4l >/dev/null || skip_all "no ptp4l (linuxptp)"
command -v python3 >/dev/null || skip_all "no python3"
[ -x "$BIN/tsvmm" ] && [ -x "$BIN/vmclockd" ] && [ -x "$BIN/ptpd-wl" ] || skip_all "not built"
P=tvb-$$-
OUT=$(mktemp -d /tmp/tsync-vmburst-test.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
# One attempt: the bench, then from its logs: the bound at switchover (the median over the
# guest's bounded readings in its first second on b: one reading can be unbounded or caught
# mid-update), b's bound just before the burst, the burst's span and what b sent in it.
attempt() {
	rm -rf "$OUT/run"
	T0=$(date +%s)
	VME_PREFIX=$P BUILD=$BUILD timeout 100 sh bench/vmclock-e2e-run.sh --count 1 --policies step \
		--auto-burst --sync-log 0 --prepare-wait 3 --settle 8 --hold 1 --out "$OUT/run" \
		>"$OUT/report" 2>&1
	rc=$?
	R=$(grep '^RESULT' "$OUT/report")
	M=$(python3 - "$OUT/run" <<'EOF'
import sys
sys.path.insert(0, 'testbeds/vmclock')
from analyze import load, median
rows, migs, res = load(sys.argv[1])
if res and migs:
    m, x = migs[0], res[0]
    first = [r['bound'] for r in x['post'] if r['t'] - x['at']['t'] <= 1.0 and r['bound'] > 0]
    print('%.0f %.0f %.1f %d' % (median(first) if first else -1, m['dst_bound_before'] or -1,
                                 m['span_s'] or -1, m['dst_tx'] if m['dst_tx'] is not None else -1))
EOF
)
	set -- $M -1 -1 -1 -1
	after=$1 before=$2 span=$3 tx=$4
}
v() { echo "$R" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
shrank() { awk -v a="$after" -v b="$before" 'BEGIN { exit !(a > 0 && b > 0 && a < 0.5 * b) }'; }
attempt
again=""
# b's steady 1 Sync/s bound is itself random (1.2-7.5 us seen: a quiet 16 s window of 1/s
# offsets gives the low end), and under load a burst's window may not yet be trusted at the
# switchover: one fresh run when the bound did not shrink, named in the check
if ! shrank; then
	again=" (attempt 2; attempt 1: $after ns against $before ns)"
	attempt
fi
sed 's/^/   /' "$OUT/report" | grep -v '^   |'
check "bench ran the migration (exit $rc, $(($(date +%s) - T0)) s)" [ "$rc" = 0 ]
check "the guest read its clock ($(v readings) readings, $(v bounded) bounded)" \
	[ "$(v bounded)" -gt 100 ]
check "coverage: every guest reading inside its bound ($(v violations) violations)" \
	[ "$(v violations)" = 0 ]
check "step: error after resume <= destination host's error + 1 us" \
	[ "$(v step_over_target)" = 0 ]
check "destination: vmclockd asked ptpd-wl for a burst when the migration was announced" \
	sh -c "grep -q 'role=dst phase=prepare: ok .*bursts=[1-9]' '$OUT/run/tsvmm-1.log' &&
		grep -q 'asked ptpd-wl for a .* burst' '$OUT/run/vmclockd-b.log' &&
		grep -q 'asked the master for Sync every 2^-6 s' '$OUT/run/ptpd-b.log'"
# at 1/s b sends ~1 Delay_Req/s and 2 Signaling/s while the burst is extended; in a 64 Hz
# burst of >= 3 s, ~200 Delay_Req
check "destination: ptpd-wl sent Delay_Req at the burst's rate ($tx frames in $span s)" \
	awk -v n="$tx" -v s="$span" 'BEGIN { exit !(s > 0 && n > 10 * s) }'
# before: 1 Sync/s, 16 s windows of 1/s offsets and path delays (measured 5.2-9.6 us at this
# point, 8 s past the hosts' sync, in 7 runs on a loaded machine; 3.3-9.5 us in 3 later runs);
# after: 2.4-3.2 us with raw offsets in the spread, 1.8-2.5 us with ptpd-wl's per-sample
# median (offset_peak_ns; 1 us of it the software-stamp asymmetry, which no burst shrinks).
check "the bound at switchover shrank: $after ns, b's bound before the burst $before ns$again" shrank
check "no namespaces left" sh -c "! ip netns list | grep -q '^$P'"
check "no page files or vclocks left" sh -c "! ls /dev/shm | grep -q '$P'"
finish
