#!/bin/sh
# vmclock end to end (issue 6): a ptp4l grandmaster, two hosts whose vclocks ptpd-wl
# disciplines, vmclockd on each publishing its host's clock with ptpd-wl's error estimate,
# and a tsvmm VM migrated a -> b -> a -> b with the policies step, slew, freeze (each after
# an on-demand sync burst). Fails on any reading outside the published bound, on a step
# whose error right after resume exceeds the destination host's own error + 1 us, on a
# freeze that does not keep about the frozen time, or on leftovers.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
echo "test_vmclock_e2e:"
[ -w /dev/kvm ] || skip_all "no /dev/kvm"
command -v ptp4l >/dev/null || skip_all "no ptp4l (linuxptp)"
command -v python3 >/dev/null || skip_all "no python3"
[ -x "$BIN/tsvmm" ] && [ -x "$BIN/vmclockd" ] && [ -x "$BIN/ptpd-wl" ] || skip_all "not built"
P=tvt-$$-
OUT=$(mktemp -d /tmp/tsync-vme2e-test.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
T0=$(date +%s)
VME_PREFIX=$P BUILD=$BUILD timeout 170 sh bench/vmclock-e2e-run.sh --count 3 \
	--policies "step slew freeze" --burst-only --hold 1 --out "$OUT/run" >"$OUT/report" 2>&1
rc=$?
sed 's/^/   /' "$OUT/report" | grep -v '^   |'
R=$(grep '^RESULT' "$OUT/report")
v() { echo "$R" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
check "bench ran 3 migrations (exit $rc, $(($(date +%s) - T0)) s)" [ "$rc" = 0 ]
check "3 switchovers seen by the guest" [ "$(v migrations)" = 3 ]
check "the guest read its clock ($(v readings) readings, $(v bounded) bounded)" \
	[ "$(v bounded)" -gt 100 ]
check "zero bound violations" [ "$(v violations)" = 0 ]
check "step: error after resume <= destination host's error + 1 us" \
	[ "$(v step_over_target)" = 0 ]
check "freeze: the guest keeps about the frozen time as lag" [ "$(v freeze_off)" = 0 ]
check "burst: vmclockd reported the bound before and after" \
	grep -q 'bound_before_ns=[0-9]*,bound_after_ns=[0-9]*' "$OUT/run/migrations.txt"
check "destination ran migrate-in before the guest" \
	grep -q 'incoming: vmclock counter=.*ok vm=' "$OUT/run/tsvmm-1.log"
# tsvmm-1 is migration 1's destination and migration 2's source
check "source page: DISRUPTION_SOON at start, and IMMINENT at the final pass" \
	sh -c "grep -q 'role=src phase=start: ok .*flags=0x2 ' '$OUT/run/tsvmm-1.log' &&
		grep -q 'role=src phase=final: ok .*flags=0x6 ' '$OUT/run/tsvmm-1.log'"
check "source page: the flags are cleared when the guest runs on the destination" \
	grep -q 'role=src phase=end: ok .*flags=0x0 ' "$OUT/run/tsvmm-1.log"
check "destination: its vmclockd asked ptpd-wl for a burst once the migration was announced" \
	sh -c "grep -q 'role=dst phase=prepare: ok .*bursts=[1-9]' '$OUT/run/tsvmm-1.log' &&
		grep -q 'asked ptpd-wl for a .* burst' '$OUT/run/vmclockd-b.log'"
check "no namespaces left" sh -c "! ip netns list | grep -q '^$P'"
check "no page files or vclocks left" sh -c "! ls /dev/shm | grep -q '$P'"
finish
