#!/bin/sh
# tsync-analyze speed: metric time vs N at octave taus (synthetic phase, no I/O), peak RSS,
# and one end-to-end run (text file of 1e6 points -> stability) under /usr/bin/time.
BUILD=${1:-build}
A=$BUILD/bin/tsync-analyze
[ -x "$A" ] || { echo "bench-analysis: $A not built" >&2; exit 2; }
run() {
	echo "\$ $*"
	"$@"
	echo
}
echo "== metrics at octave taus vs N ($(nproc) cores, $(uname -m))"
for n in 100000 1000000 10000000; do
	run "$A" bench $n --metrics adev,oadev,mdev,tdev,hdev,ohdev,totdev,mtie,tierms
done
echo "== end to end: read 1e6 text lines, 4 metrics with confidence intervals"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
awk 'BEGIN { srand(1); x = 0; for (i = 0; i < 1000000; i++) { x += (rand() - 0.5) * 1e-10;
	printf "%.17g\n", x + (rand() - 0.5) * 1e-9 } }' >"$T/x.txt"
if [ -x /usr/bin/time ]; then
	echo "\$ $A stability x.txt --metrics oadev,mdev,tdev,mtie --format csv >/dev/null"
	/usr/bin/time -f "wall %e s, peak RSS %M KiB" sh -c 'exec "$0" stability "$1" \
		--metrics oadev,mdev,tdev,mtie --format csv >/dev/null' "$A" "$T/x.txt"
else
	s=$(date +%s.%N)
	"$A" stability "$T/x.txt" --metrics oadev,mdev,tdev,mtie --format csv >/dev/null
	echo "wall $(echo "$(date +%s.%N) - $s" | bc) s"
fi
