# Shared helpers for integration scripts (sourced). Each script calls ok/fail and ends with finish.
BUILD=${BUILD:-build}
BIN=$BUILD/bin
PASS=0
FAILN=0
ok() { PASS=$((PASS + 1)); echo "  ok   $*"; }
fail() { FAILN=$((FAILN + 1)); echo "  FAIL $*"; }
check() { # check "description" command...
	d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
skip_all() { echo "  SKIP: $*"; echo "0 passed, 0 failed"; exit 0; }
finish() { echo "$PASS passed, $FAILN failed"; [ "$FAILN" -eq 0 ]; }
# float comparison: fle A B  -> true if |A| <= B
fabs_le() { awk -v a="$1" -v b="$2" 'BEGIN { if (a < 0) a = -a; exit !(a <= b) }'; }
