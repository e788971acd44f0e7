#!/bin/sh
# vmclock end-to-end bench -> bench/vmclock-e2e.md (tables) and bench/vmclock-e2e.png (plot).
#   bench/vmclock-e2e.sh [BUILD_DIR] [COUNT]     (default build, 36 migrations: 6 per
#                                                      policy x with/without the burst)
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
COUNT=${2:-36}
OUT=$(mktemp -d /tmp/tsync-vmclock-bench.XXXXXX) || exit 1
trap 'rm -rf "$OUT"' EXIT
export BUILD
START=$(date +%s)
sh bench/vmclock-e2e-run.sh --count "$COUNT" --out "$OUT/run" >"$OUT/report.txt" 2>&1
rc=$?
python3 testbeds/vmclock/analyze.py "$OUT/run" --plot bench/vmclock-e2e.png >/dev/null
{
	echo "# vmclock end to end: guest clock error and its bound across live migrations"
	echo
	echo "Command: \`bench/vmclock-e2e.sh $BUILD $COUNT\` ($(( $(date +%s) - START )) s, $(date -u +%Y-%m-%d), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))."
	echo "Bench: \`bench/vmclock-e2e-run.sh --count $COUNT\`; tables: \`testbeds/vmclock/analyze.py\`."
	echo
	echo '```'
	grep -v '^|' "$OUT/report.txt"
	echo '```'
	echo
	grep '^|' "$OUT/report.txt"
	echo
	echo '![guest error and bound across a migration](vmclock-e2e.png)'
} >bench/vmclock-e2e.md
cat "$OUT/report.txt"
exit $rc
