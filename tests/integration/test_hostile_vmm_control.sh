#!/bin/sh
# Hostile input to tsvmm's control socket (issue #9): x-vmclock-map of host files that are not
# vmclock pages in the page directory (/etc/shadow, .., symlinks, FIFOs, wrong magic, short
# files, another owner), 20 idle connections then a real command, a client that never reads
# its replies, the socket's mode, and the mapped page file truncated under the guest.
# With BUILD=build/asan any sanitizer report in tsvmm's stderr counts as a failure.
. tests/integration/lib.sh
T=$BIN/tsvmm
G=$BUILD/guest/tsvmm-guest.bin
[ -c /dev/kvm ] || skip_all "no /dev/kvm"
[ -x "$T" ] && [ -f "$G" ] || { fail "tsvmm or its guest not built"; finish; exit 1; }
command -v python3 >/dev/null || skip_all "no python3 (idle-connection client)"
TMP=$(mktemp -d)
P=$TMP/pages
mkdir "$P"
S=$TMP/ctl.sock
PID=
HOLD=
cleanup() {
	[ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
has() { echo "$1" | grep -q -- "$2"; } # has TEXT PATTERN
ctl() { timeout 10 $T ctl "$S" "$@"; }
vmap() { ctl "{\"execute\": \"x-vmclock-map\", \"arguments\": {\"$1\": \"$2\"}}"; }
word() { ctl '{"execute": "query-status"}' | sed -n 's/.*"vmclock": \([0-9]*\).*/\1/p'; }
page() { # page FILE: a vmclock page header (VCLK, size 4096, version 1, TSC, UTC), 4 KiB
	printf 'VCLK\000\020\000\000\001\000\001\000' >"$1"
	truncate -s 4096 "$1"
}

echo keep >"$TMP/file"
out=$(timeout 10 $T run --mem 64M --control "$TMP/file" --duration 0.1 --serial /dev/null 2>&1)
check "--control naming a regular file: refused, the file intact: $(echo "$out" | head -n 1)" \
	sh -c '[ "$(cat "$1")" = keep ] && echo "$2" | grep -q "File exists"' _ "$TMP/file" "$out"

TSYNC_VMCLOCK_DIR=$P $T run --mem 64M --control "$S" --serial /dev/null >"$TMP/out" \
	2>"$TMP/t.err" &
PID=$!
i=0
while [ ! -S "$S" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
mode=$(stat -c %a "$S")
check "control socket mode is 600 ($mode)" [ "$mode" = 600 ]

# ---- x-vmclock-map: only real vmclock pages in the page directory ----
r=$(vmap path /etc/shadow)
check "/etc/shadow refused, outside the page directory: $r" has "$r" 'refused: not a file directly in the page directory'
r=$(vmap path "$P/../../etc/passwd")
check "a .. path refused: $r" has "$r" 'refused: not a file directly in the page directory'
r=$(vmap vm ../x)
check "a VM name with .. refused: $r" has "$r" 'refused: bad VM name'
ln -s /etc/passwd "$P/tsync-vmclock.link"
r=$(vmap vm link)
check "a symlink in the page directory refused: $r" has "$r" 'refused: a symlink'
mkfifo "$P/tsync-vmclock.fifo"
r=$(vmap path "$P/tsync-vmclock.fifo")
check "a FIFO refused without blocking: $r" has "$r" 'refused: not a regular file'
mkdir "$P/tsync-vmclock.dir"
r=$(vmap vm dir)
check "a directory refused: $r" has "$r" 'refused: not a regular file'
head -c 4096 /dev/urandom | tr -d V >"$P/tsync-vmclock.noise"
truncate -s 4096 "$P/tsync-vmclock.noise"
r=$(vmap vm noise)
check "a file with the wrong magic refused: $r" has "$r" 'refused: not a vmclock page (bad magic)'
printf 'VCLK' >"$P/tsync-vmclock.short"
r=$(vmap vm short)
check "a short file refused: $r" has "$r" 'refused: shorter than a vmclock page'
page "$P/tsync-vmclock.v2"
printf '\002' | dd of="$P/tsync-vmclock.v2" bs=1 seek=8 conv=notrunc status=none
r=$(vmap vm v2)
check "a page of another version refused: $r" has "$r" 'refused: unsupported vmclock version'
page "$P/tsync-vmclock.theirs"
chown nobody "$P/tsync-vmclock.theirs"
r=$(vmap vm theirs)
check "a page owned by another user refused: $r" has "$r" 'refused: owned by another user'
w=$(word)
check "after all that the guest still reads the zero page (vmclock word $w)" [ "$w" = 0 ]
page "$P/tsync-vmclock.ok"
r=$(vmap vm ok)
check "a real page in the page directory is mapped: $r" has "$r" '"return"'
sleep 0.3
w=$(word)
want=$(od -An -t u8 -N 8 "$P/tsync-vmclock.ok" | tr -d ' ')
check "the guest reads it ($w = $want)" [ "$w" = "$want" ]

# ---- 20 idle connections, then a real command ----
: >"$TMP/hold.out"
python3 - "$S" >"$TMP/hold.out" <<'EOF' &
import socket, sys, time
ss = []
for i in range(20):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    ss.append(s)
print("ready", flush=True)
time.sleep(30)
EOF
HOLD=$!
i=0
while ! grep -q ready "$TMP/hold.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(date +%s%N)
r=$(ctl '{"execute": "query-status", "id": 42}')
t1=$(date +%s%N)
check "20 idle connections held: a new client is served ($(( (t1 - t0) / 1000000 )) ms): $(echo "$r" | cut -c1-60)" \
	has "$r" '"id": 42'
kill $HOLD 2>/dev/null
wait $HOLD 2>/dev/null
HOLD=

# ---- a client that sends and never reads does not stall the others ----
python3 - "$S" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.setblocking(False)
req = b'{"execute": "query-status"}\n' * 200
try:
    for i in range(200):
        s.send(req)
except (BlockingIOError, BrokenPipeError, ConnectionResetError):
    pass
time.sleep(5)
EOF
HOLD=$!
sleep 1
t0=$(date +%s%N)
r=$(ctl '{"execute": "query-status", "id": 43}')
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "a client that never reads: others served in $ms ms (< 1000)" sh -c "echo '$r' | grep -q '\"id\": 43' && [ $ms -lt 1000 ]"
kill $HOLD 2>/dev/null
wait $HOLD 2>/dev/null
HOLD=
check "tsvmm lives" kill -0 $PID

# ---- the mapped page truncated under the guest ----
# KVM cannot fault the page in (KVM_RUN fails with EFAULT): tsvmm swaps the zero page back in
# and the guest runs on, reading "no page", instead of stopping or dying of SIGBUS.
truncate -s 0 "$P/tsync-vmclock.ok"
sleep 1
st=$(ctl '{"execute": "query-status"}')
check "page truncated under the guest: tsvmm and the guest run on ($(echo "$st" | head -c 80))" \
	sh -c "kill -0 $PID && echo '$st' | grep -q '\"running\": true'"
check "the truncation is logged: $(grep -E 'truncated by another process' "$TMP/t.err" | tail -n 1)" \
	grep -q 'truncated by another process under the guest' "$TMP/t.err"
check "the guest reads no page any more (vmclock word $(word))" [ "$(word)" = 0 ]
ctl '{"execute": "quit"}' >/dev/null
wait $PID
PID=
if grep -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$TMP/t.err" >"$TMP/san"; then
	fail "sanitizer report: $(head -n 3 "$TMP/san")"
else
	ok "no sanitizer report in tsvmm's stderr"
fi
finish
