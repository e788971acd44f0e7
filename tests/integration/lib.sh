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
# Prologue of the tsvmm tests on a namespace bench: skip without /dev/kvm, root, ip netns or
# $BIN/tsvmm; source testbeds/netns.sh; set V (tsvmm) and TMP, with traps that remove the bench
# and TMP on any exit.
kvm_bed_setup() {
	[ -c /dev/kvm ] || skip_all "no /dev/kvm"
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
	ip netns list >/dev/null 2>&1 || skip_all "ip netns not available"
	. testbeds/netns.sh
	V=$BIN/tsvmm
	[ -x "$V" ] || skip_all "$V not built"
	TMP=$(mktemp -d)
	trap 'bed_cleanup; rm -rf "$TMP"' EXIT
	trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 130' INT
	trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 143' TERM
}
