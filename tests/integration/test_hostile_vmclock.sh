#!/bin/sh
# Hostile input to vmclockd and the page readers (issue #9): VM names that try to leave the
# page directory, symlinks and files planted at page paths, failed commands that must leave no
# page behind, the control socket's mode and peer credentials (a `nobody` client may query,
# not change state), and page files truncated under a reader and under vmclockd itself.
# With BUILD=build/asan (ASan+UBSan binaries) any sanitizer report in a daemon's or a
# reader's stderr counts as a failure.
. tests/integration/lib.sh
D=$BIN/vmclockd
R=$BIN/tsync-vmclock-read
[ -x "$D" ] && [ -x "$R" ] || skip_all "vmclockd or tsync-vmclock-read not built"
grep -q constant_tsc /proc/cpuinfo || skip_all "no constant TSC"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (runs a client as nobody)"
TMP=$(mktemp -d)
P=$TMP/pages
mkdir -p "$P" "$TMP/g"
S1=$TMP/v.sock
S2=$TMP/g/v.sock
P1=
P2=
RP=
cleanup() {
	[ -n "$RP" ] && kill "$RP" 2>/dev/null
	[ -n "$P1" ] && kill "$P1" 2>/dev/null
	[ -n "$P2" ] && kill "$P2" 2>/dev/null
	rm -rf "$TMP" "/tmp/h3probe-$$"
}
trap cleanup EXIT
send() { $D --socket "$1" --send "$2" 2>&1; }
nobody() { setpriv --reuid nobody --regid nogroup --clear-groups -- "$@"; }
wait_sock() { i=0; while [ ! -S "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; }
has() { echo "$1" | grep -q -- "$2"; } # has TEXT PATTERN
nfiles() { find "$P" -mindepth 1 | wc -l; }

$D --clock sys --page-dir "$P" --socket "$S1" --interval 0.1 --calibrate-ms 50 \
	2>"$TMP/d1.err" &
P1=$!
wait_sock "$S1"
check "vmclockd listens" test -S "$S1"

# ---- names from the socket stay inside the page directory ----
n0=$(nfiles)
out=$(send "$S1" "vm-add ../x")
check "vm-add ../x refused: $out" has "$out" '^err vm-add: bad VM name'
check "vm-add ../x: nothing created beside the page directory" sh -c "[ ! -e '$TMP/x' ] && [ ! -e '$TMP/tsync-vmclock...' ]"
out=$(send "$S1" "vm-add /tmp/h3probe-$$")
check "vm-add /tmp/...: refused: $out" has "$out" '^err vm-add: bad VM name'
check "vm-add /tmp/...: no file at that path" test ! -e "/tmp/h3probe-$$"
echo keep >"$TMP/sentinel"
out=$(send "$S1" "vm-add $TMP/sentinel")
check "vm-add of an existing absolute path refused, file intact" \
	sh -c "[ '${out%% *}' = err ] && [ \"\$(cat '$TMP/sentinel')\" = keep ]"
out=$(send "$S1" "vm-add .hidden")
check "vm-add .hidden (leading dot) refused: $out" has "$out" '^err vm-add: bad VM name'
long=$(printf 'a%.0s' $(seq 1 64))
out=$(send "$S1" "vm-add $long")
check "vm-add of a 64-character name refused" has "$out" '^err vm-add: bad VM name'
check "refused names left nothing in the page directory ($(nfiles) entries)" [ "$(nfiles)" -eq "$n0" ]

# ---- nothing at a page path is followed or overwritten ----
echo secret >"$TMP/target"
ln -s "$TMP/target" "$P/tsync-vmclock.sym"
out=$(send "$S1" "vm-add sym")
check "a symlink planted at the page path is refused: $out" has "$out" '^err vm-add sym: .*not one of our pages'
check "the symlink's target is untouched" sh -c "[ \"\$(cat '$TMP/target')\" = secret ] && [ -L '$P/tsync-vmclock.sym' ]"
ln -s "$TMP/created-by-link" "$P/tsync-vmclock.dangle"
out=$(send "$S1" "vm-add dangle")
check "a dangling symlink is refused and not created through: $out" \
	sh -c "[ '${out%% *}' = err ] && [ ! -e '$TMP/created-by-link' ]"
echo hello >"$P/tsync-vmclock.planted"
out=$(send "$S1" "vm-add planted")
check "a planted regular file (a name that exists) is refused: $out" \
	has "$out" '^err vm-add planted: .*exists and is not one of our pages'
check "the planted file is untouched" sh -c "[ \"\$(cat '$P/tsync-vmclock.planted')\" = hello ]"
ln "$TMP/target" "$P/tsync-vmclock.hard"
out=$(send "$S1" "vm-add hard")
check "a hard link to another file is refused, the file intact" \
	sh -c "[ '${out%% *}' = err ] && [ \"\$(cat '$TMP/target')\" = secret ]"
mkfifo "$P/tsync-vmclock.fifo"
out=$(timeout 5 $D --socket "$S1" --send "vm-add fifo" 2>&1)
check "a FIFO at the page path is refused without blocking: $out" has "$out" '^err'
out=$(send "$S1" "vm-add good")
check "vm-add good: published in the page directory: $out" \
	has "$out" "^ok vm=good page=$P/tsync-vmclock.good "
cp "$P/tsync-vmclock.good" "$P/tsync-vmclock.notours"
chown nobody "$P/tsync-vmclock.notours"
out=$(send "$S1" "vm-add notours")
check "a valid page owned by another user is refused: $out" has "$out" '^err'
out=$(send "$S1" "vm-add good")
check "vm-add of a published name: already published" has "$out" 'already published'
out=$(send "$S1" "vm-del good")
out=$(send "$S1" "vm-add good")
check "after vm-del, vm-add takes its own page over again: $out" has "$out" '^ok vm=good'

# ---- a failed command leaves no page behind ----
n0=$(nfiles)
out=$(send "$S1" "migrate-in newvm policy=step counter=banana")
check "migrate-in with a bad record refused: $out" has "$out" '^err migrate-in needs'
check "... and left no page for newvm" test ! -e "$P/tsync-vmclock.newvm"
out=$(send "$S1" "migrate-in newvm policy=jump counter=1 time_ns=1 maxerror_ns=1 marker=1 gen=0")
check "migrate-in with a bad policy leaves no page" sh -c "[ '${out%% *}' = err ] && [ ! -e '$P/tsync-vmclock.newvm' ]"
check "the page directory holds what it held ($(nfiles) entries)" [ "$(nfiles)" -eq "$n0" ]

# ---- the socket: not over another file, 0600, peer credentials for state changes ----
out=$(timeout 5 $D --clock sys --page-dir "$P" --socket "$TMP/sentinel" --calibrate-ms 50 2>&1)
check "--socket naming a regular file: refused, the file intact: $out" \
	sh -c '[ "$(cat "$1")" = keep ] && echo "$2" | grep -q "exists and is not a socket"' _ \
	"$TMP/sentinel" "$out"

mode=$(stat -c %a "$S1")
check "control socket mode is 600 ($mode)" [ "$mode" = 600 ]
chmod 711 "$TMP"
out=$(nobody $D --socket "$S1" --send status 2>&1)
check "nobody cannot even connect to the 0600 socket: $out" has "$out" 'Permission denied'
$D --clock sys --page-dir "$P" --socket "$S2" --socket-group nogroup --interval 0.1 \
	--calibrate-ms 50 2>"$TMP/d2.err" &
P2=$!
chmod 711 "$TMP/g"
wait_sock "$S2"
mode=$(stat -c '%a %G' "$S2")
check "--socket-group: socket 660 for that group ($mode)" [ "$mode" = "660 nogroup" ]
out=$(nobody $D --socket "$S2" --send status 2>&1)
check "nobody (in the group) may query: $out" has "$out" '^ok state='
for cmd in "vm-add evil" "estimate maxerror=1ns" "reset" "quit" \
	"migrate-in evil counter=1 time_ns=1 maxerror_ns=1 marker=1 gen=0"; do
	out=$(nobody $D --socket "$S2" --send "$cmd" 2>&1)
	check "nobody: '$cmd' refused: $out" has "$out" '^err permission denied'
done
check "nobody's commands created nothing and the daemon lives" \
	sh -c "[ ! -e '$P/tsync-vmclock.evil' ] && kill -0 $P2"
out=$(send "$S2" "vm-add rootvm")
check "root may change state on the group socket: $out" has "$out" '^ok vm=rootvm'

# ---- a client that drips bytes or never ends its line holds nothing up ----
python3 - "$S1" >"$TMP/drip.out" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    for b in b"vm-del good":  # no newline, one byte every 0.2 s (2.2 s in all)
        s.send(bytes([b]))
        time.sleep(0.2)
except OSError:
    pass  # the daemon gave up on us (its reply is waiting)
s.settimeout(3)
try:
    print(s.recv(200).decode().strip())
except OSError as e:
    print("no reply:", e)
EOF
DP=$!
sleep 0.3
t0=$(date +%s%N)
out=$(send "$S1" status)
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "a dripping client delays another by $ms ms (< 1000): $(echo "$out" | cut -c1-30)" \
	sh -c "[ '${out%% *}' = ok ] && [ $ms -lt 1000 ]"
wait $DP
out=$(cat "$TMP/drip.out")
check "a line cut short by the deadline is not run: $out" has "$out" '^err no complete command line'
out=$(send "$S1" "status good")
check "... so 'vm-del good' (no newline) did not happen" has "$out" '^ok vm=good'

# ---- truncation under a reader ----
cut_reader() { # cut_reader SIZE READER-ARGS...: truncate a copy of a page under a reader -> rc
	cp "$P/tsync-vmclock.good" "$TMP/copy"
	sz=$1
	shift
	$R "$TMP/copy" "$@" >"$TMP/r.out" 2>"$TMP/r-$sz-$1.err" &
	RP=$!
	sleep 0.5
	truncate -s "$sz" "$TMP/copy"
	i=0
	while kill -0 $RP 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	wait $RP
	rc=$?
	RP=
	grep -q 'page file truncated' "$TMP/r-$sz-$1.err"
}
cut_reader 0 --count 3000 --interval 0.01
said=$?
check "reader: truncated to 0 under it: says so, exits 1, no SIGBUS (rc $rc): $(cat "$TMP/r-0---count.err")" test $said -eq 0 -a $rc -eq 1
cut_reader 50 --count 3000 --interval 0.01
said=$?
check "reader: truncated to 50 bytes: says so, exits 1 (rc $rc)" test $said -eq 0 -a $rc -eq 1
cut_reader 0 --bench 300000000
said=$?
check "reader --bench (tight mmap reads): truncated: says so, exits 1 (rc $rc)" test $said -eq 0 -a $rc -eq 1

# ---- truncation under vmclockd: it restores the page and lives on ----
m1=$($R "$P/tsync-vmclock.good" | head -n 1 | sed -n 's/.* marker=\([0-9]*\) .*/\1/p')
truncate -s 0 "$P/tsync-vmclock.good"
sleep 0.5
check "vmclockd survives its page being truncated" kill -0 $P1
check "vmclockd says so" grep -q 'tsync-vmclock.good was truncated by another process: restored' "$TMP/d1.err"
sz=$(stat -c %s "$P/tsync-vmclock.good")
out=$($R "$P/tsync-vmclock.good" 2>&1 | head -n 1)
m2=$(echo "$out" | sed -n 's/.* marker=\([0-9]*\) .*/\1/p')
check "the page is back ($sz bytes), readable, its marker moved on ($m1 -> $m2)" \
	sh -c "[ $sz -eq 4096 ] && [ '${m2:-0}' -gt '${m1:-0}' ]"

# ---- sanitizers (BUILD=build/asan): quit the daemons so leaks are reported too ----
send "$S1" quit >/dev/null
send "$S2" quit >/dev/null
wait $P1 $P2
P1=
P2=
if grep -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$TMP"/*.err >"$TMP/san"; then
	fail "sanitizer report: $(head -n 3 "$TMP/san")"
else
	ok "no sanitizer report in the daemons' or readers' stderr"
fi
finish
