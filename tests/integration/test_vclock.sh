#!/bin/sh
# tsync-vclock CLI end to end: life cycle, discipline, error against CLOCK_REALTIME and against
# a reference vclock, several processes on one clock, and the error messages users see.
. tests/integration/lib.sh
V=$BIN/tsync-vclock
N=itest-$$
R=itest-ref-$$
TMP=$(mktemp -d)
trap '$V remove $N 2>/dev/null; $V remove $R 2>/dev/null; rm -rf "$TMP"' EXIT

check "create with 2 ms offset and +80 ppm" $V create $N --offset 2ms --ppm 80
e=$($V error $N)
check "initial error is 2 ms (+ the 80 ppm drift since creation): $e ns" \
	awk -v e="$e" 'BEGIN { exit !(e >= 1995000 && e <= 2100000) }'
check "show names the model" sh -c "$V show $N | grep -q 'natural error    +80.000 ppm'"
check "step -2ms" $V step $N -2ms
check "freq -80000 ppb cancels the oscillator" $V freq $N -80000
check "freq reads back" sh -c "[ \"\$($V freq $N)\" = '-80000.000' ]"
# after the step the clock stays within a few us of CLOCK_REALTIME (host slew is ppm at most)
sleep 1
e=$($V error $N)
check "error after step+freq is small: $e ns" fabs_le "$e" 20000

# a second process adjusts, this one sees it (one clock, many processes)
$V create $R --offset 0
( $V step $N 1ms ) &
wait
e=$($V error $N --ref $R)
check "error against a reference vclock sees the other process's 1 ms step: $e ns" \
	awk -v e="$e" 'BEGIN { exit !(e >= 980000 && e <= 1020000) }'
n=$($V error $N --count 3 --interval 0.1 | wc -l)
check "--count 3 gives 3 samples" [ "$n" -eq 3 ]

# errors name what was wrong
out=$($V create $N 2>&1); rc=$?
check "create twice fails: $out" sh -c "[ $rc -ne 0 ] && echo '$out' | grep -q 'already exists'"
out=$($V step $N 1parsec 2>&1); rc=$?
check "bad step value is named: $out" sh -c "[ $rc -eq 2 ] && echo \"\$0\" | grep -q 'bad DELTA .1parsec.'" "$out"
out=$($V create x --ppm banana 2>&1); rc=$?
check "bad --ppm is named: $out" sh -c "[ $rc -eq 2 ] && echo '$out' | grep -q -- '--ppm'"
head -c 100 /dev/shm/tsync-vclock.$N >"$TMP/trunc"  # a real page, cut short
out=$($V read "$TMP/trunc" 2>&1); rc=$?
check "truncated file: $out" sh -c "[ $rc -ne 0 ] && echo '$out' | grep -q truncated"
head -c 4096 /dev/urandom >"$TMP/junk"
out=$($V read "$TMP/junk" 2>&1); rc=$?
check "wrong magic: $out" sh -c "[ $rc -ne 0 ] && echo '$out' | grep -q 'wrong magic'"
out=$($V read nosuch-$$ 2>&1); rc=$?
check "missing vclock: $out" sh -c "[ $rc -ne 0 ] && echo '$out' | grep -q 'no such vclock'"
out=$($V frobnicate 2>&1); rc=$?
check "unknown command: $out" sh -c "[ $rc -eq 2 ] && echo '$out' | grep -q frobnicate"
check "remove" $V remove $N
check "removed file is gone" sh -c "[ ! -e /dev/shm/tsync-vclock.$N ]"
finish
