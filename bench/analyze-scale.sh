#!/bin/sh
# tsync-analyze at scale, beside numpy (bench/analyze_numpy.py) and allantools when Debian
# has it: the same generated inputs in the same run, octave OADEV+MDEV+TDEV+MTIE, whole
# process wall time and peak RSS (/usr/bin/time), and a check that the values agree to 1e-9
# relative. Prints a table and one summary line.
#   bench/analyze-scale.sh [BUILD] [MAX_N]     MAX_N (default 86400000: a day at 1 kHz)
# Text inputs go up to 1e6 points, .npy (memory-mapped) to MAX_N. Set REPS (default 3):
# each cell is the best of REPS runs (the machine is shared; the best is the least disturbed).
BUILD=${1:-build}
MAX_N=${2:-86400000}
REPS=${REPS:-3}
A=$BUILD/bin/tsync-analyze
HERE=$(dirname "$0")
NP="$HERE/analyze_numpy.py"
PY=/usr/bin/python3
[ -x "$A" ] || { echo "analyze-scale: $A not built" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "analyze-scale: /usr/bin/time missing (apt install time)" >&2; exit 2; }
$PY -c 'import numpy' 2>/dev/null || { echo "analyze-scale: python3-numpy missing (make deps)" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
METRICS=oadev,mdev,tdev,mtie

# best wall time and its peak RSS over REPS runs of "$@" (stdout to $T/out): "secs MiB"
best() {
	b=""
	for r in $(seq "$REPS"); do
		t0=$(date +%s%N)
		/usr/bin/time -f "%M" -o "$T/time" "$@" >"$T/out" 2>"$T/err" || {
			echo "analyze-scale: failed: $*" >&2
			cat "$T/err" >&2
			echo "nan nan"
			return
		}
		s=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		k=$(tail -n 1 "$T/time")
		if [ -z "$b" ] || awk -v a="$s" -v b="$b" 'BEGIN { exit !(a < b) }'; then
			b=$s
			mem=$k
		fi
	done
	echo "$b $(awk -v k="$mem" 'BEGIN { printf "%.0f", k / 1024 }')"
}

if $PY -c 'import allantools' 2>/dev/null; then
	HAVE_AT=1
else
	HAVE_AT=0
	echo "allantools: not installed; Debian has no python3-allantools package" \
		"($(apt-cache policy python3-allantools 2>/dev/null | grep -c Candidate) candidates), so no allantools column"
fi
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: tsync-analyze stability FILE --rate 1000 --metrics $METRICS --taus octave --no-ci --format csv"
echo "         $PY bench/analyze_numpy.py metrics FILE --rate 1000   (best of $REPS, wall s / peak RSS MiB)"
printf '%-10s %-5s %10s %9s %10s %9s %8s %11s %s\n' N input tsync_s tsync_MiB numpy_s numpy_MiB ratio max_rel_diff agree
ok=1
summary=""
for n in 10000 100000 1000000 10000000 86400000; do
	[ "$n" -le "$MAX_N" ] || continue
	if [ "$n" -le 1000000 ]; then
		$PY "$NP" gen "$n" "$T/x.npy" "$T/x.txt" || exit 2
		inputs="txt npy"
	else
		$PY "$NP" gen "$n" "$T/x.npy" || exit 2
		inputs="npy"
	fi
	for in in $inputs; do
		f=$T/x.$in
		set -- $(best "$A" stability "$f" --rate 1000 --metrics $METRICS --no-ci --format csv)
		ts=$1 tm=$2
		cp "$T/out" "$T/ts.csv"
		set -- $(best $PY "$NP" metrics "$f" --rate 1000)
		ns=$1 nm=$2
		cp "$T/out" "$T/np.csv"
		set -- $($PY "$NP" compare "$T/ts.csv" "$T/np.csv")
		rows=$1 diff=$2 missing=$3
		agree=$(awk -v d="$diff" -v r="$rows" -v m="$missing" 'BEGIN { print (r > 0 && m == 0 && d <= 1e-9) ? "yes" : "NO" }')
		[ "$agree" = yes ] || ok=0
		ratio=$(awk -v a="$ns" -v b="$ts" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
		printf '%-10s %-5s %10s %9s %10s %9s %8s %11s %s (%s rows)\n' "$n" "$in" "$ts" "$tm" "$ns" "$nm" "$ratio" "$diff" "$agree" "$rows"
		if [ "$HAVE_AT" = 1 ] && [ "$n" -le 100000 ]; then
			set -- $(best $PY "$NP" allantools "$f" --rate 1000)
			set -- "$1" "$2" $($PY "$NP" compare "$T/ts.csv" "$T/out")
			printf '%-10s %-5s %10s %9s %10s %9s %8s %11s %s\n' "" "  allantools" "" "" "$1" "$2" "" "$4" \
				"$(awk -v d="$4" 'BEGIN { print d <= 1e-9 ? "yes" : "NO" }')"
		fi
		[ "$n" = 1000000 ] && [ "$in" = txt ] && summary="$summary 1e6 text: tsync $ts s vs numpy $ns s ($ratio);"
		[ "$n" = 86400000 ] && summary="$summary 8.64e7 npy: tsync $ts s, $tm MiB (numpy $ns s, $nm MiB);"
	done
done
echo "analyze-scale:$summary values agree to 1e-9: $([ $ok = 1 ] && echo yes || echo NO)"
[ $ok = 1 ]
