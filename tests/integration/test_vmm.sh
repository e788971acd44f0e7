#!/bin/sh
# tsvmm end to end under /dev/kvm: boot, serial console, report ring, fill profile, dirty
# logging, the control socket (status, stop/cont, malformed lines, stubs, quit), stop -> TSC
# gap, vmclock slot, and the error messages for bad flags, guest panics and KVM emulation
# failures. Skips only when /dev/kvm is absent.
. tests/integration/lib.sh
T=$BIN/tsvmm
G=$BUILD/guest/tsvmm-guest.bin
[ -c /dev/kvm ] || skip_all "no /dev/kvm"
[ -x "$T" ] && [ -f "$G" ] || { fail "tsvmm or its guest not built"; finish; exit 1; }
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$TMP"' EXIT
json() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" | head -n 1; } # json KEY < reply
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# ---- command line ----
check "tsvmm --help" sh -c "$T --help | grep -q 'tsvmm run'"
check "tsvmm run --help lists --profile" sh -c "$T run --help | grep -q -- '--profile'"
out=$($T run --frobnicate 2>&1); rc=$?
check "unknown flag is named (rc $rc): $out" sh -c "[ $rc -eq 2 ] && echo \"\$0\" | grep -q -- \"'--frobnicate'\"" "$out"
out=$($T run --profile zero=0.5,dup=0.7 2>&1); rc=$?
check "bad profile is named (rc $rc): $out" sh -c "[ $rc -eq 2 ] && echo \"\$0\" | grep -q 'bad --profile'" "$out"
out=$($T run --mem 63M 2>&1); rc=$?
check "bad memory size is named (rc $rc): $out" sh -c "[ $rc -eq 2 ] && echo \"\$0\" | grep -q -- '--mem'" "$out"
out=$($T run --profile disk=0.5 --duration 0.1 2>&1); rc=$?
check "disk pages without --disk are refused (rc $rc)" sh -c "[ $rc -ne 0 ] && echo \"\$0\" | grep -q 'no --disk'" "$out"

# ---- boot with a fill profile, a disk, the report ring ----
dd if=/dev/urandom of="$TMP/disk.img" bs=1M count=8 status=none
t0=$(date +%s%N)
$T run --mem 64M --disk "$TMP/disk.img" --profile zero=0.3,dup=0.2,disk=0.1,random=0.4 \
	--duration 1 --memstats --serial "$TMP/serial" --report "$TMP/report" \
	>"$TMP/out" 2>"$TMP/err"
rc=$?
t1=$(date +%s%N)
check "guest runs 1 s and exits cleanly (rc $rc, $(( (t1 - t0) / 1000000 )) ms)" [ $rc -eq 0 ]
check "serial: the guest reached ring 3" grep -q 'tsvmm-guest: ring 3 up, 64 MiB RAM' "$TMP/serial"
check "serial: the guest finished" grep -q 'tsvmm-guest: done, largest TSC gap' "$TMP/serial"
check "stderr: boot latency reported" grep -q 'vCPU start to ring 3 in' "$TMP/err"
ns=$(awk '$2 == 3' "$TMP/report" | wc -l)
check "report ring: $ns samples at 100 ms in 1 s" sh -c "[ $ns -ge 8 ] && [ $ns -le 12 ]"
check "report ring: a FILL and a DONE record" sh -c "awk '\$2 == 2' $TMP/report | grep -q . && awk '\$2 == 5' $TMP/report | grep -q ."
check "report ring: statlog header" grep -q '^# columns: t\[s\] rec gap\[ns\]' "$TMP/report"
ms=$(grep '^memstats:' "$TMP/out")
pages=$(echo "$ms" | sed 's/.*pages=\([0-9]*\).*/\1/')
for k in zero:0.3 dup:0.2 disk:0.1 unique:0.4; do
	n=$(echo "$ms" | sed "s/.* ${k%%:*}=\([0-9]*\).*/\1/")
	f=$(awk -v n="$n" -v p="$pages" 'BEGIN { printf "%.4f", n / p }')
	check "fill profile: ${k%%:*} pages $f of the fill region (want ${k#*:})" within "$f" "${k#*:}" 0.005
done

# ---- control socket ----
S=$TMP/ctl.sock
mkdir "$TMP/pages"
TSYNC_VMCLOCK_DIR=$TMP/pages $T run --mem 128M --control "$S" --wss 2048 --dirty-rate 400 \
	--serial "$TMP/serial2" --migrate-plaintext \
	>"$TMP/out2" 2>"$TMP/err2" &
PID=$!
i=0
while [ ! -S "$S" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
r=$($T ctl "$S" '{"execute": "query-status", "id": 1}')
check "query-status: running" sh -c "echo '$r' | grep -q '\"status\": \"running\".*\"id\": 1'"
r=$($T ctl "$S" '{"execute": "x-dirty-log-sample", "arguments": {"ms": 500}}')
w=$(echo "$r" | json wss_pages)
o=$(echo "$r" | json other_pages)
check "dirty log: $w working-set pages in 500 ms at 400 pages/s (want 200 +- 30)" within "${w:-0}" 200 30
check "dirty log: $o other pages (stack, report ring)" sh -c "[ ${o:-99} -le 16 ]"
r=$($T ctl "$S" '{"execute":' '{"execute": "query-status"}')
check "malformed line: error reply, server lives" sh -c "echo '$r' | head -n1 | grep -q 'malformed JSON' && echo '$r' | tail -n1 | grep -q '\"return\"'"
r=$($T ctl "$S" '{"execute": "migrate", "arguments": {"uri": "unix:/x"}}')
sleep 0.3
r=$($T ctl "$S" '{"execute": "query-migrate"}' '{"execute": "query-status"}')
check "migrate to a bad uri: query-migrate failed naming it, the VM keeps running" \
	sh -c "echo '$r' | head -n1 | grep -q '\"status\": \"failed\".*unix:/x' && echo '$r' | tail -n1 | grep -q '\"status\": \"running\"'"
r=$($T ctl "$S" '{"execute": "no-such-thing"}')
check "unknown command: CommandNotFound" sh -c "echo '$r' | grep -q CommandNotFound"
# The guest's largest TSC gap (max_gap_ns) must be the pause, as the VMM measured it. On a
# loaded 2-core machine the vCPU thread can also be kept off the CPU for seconds (CI saw a
# 3.2 s gap around a 1.0 s pause while other builds ran): then one more stop/cont with a
# longer pause (4 s), so that its gap is the new largest one.
for pause in 1 4; do
	r=$($T ctl "$S" '{"execute": "query-status"}' '{"execute": "stop"}' '{"execute": "query-status"}')
	g0=$(echo "$r" | json max_gap_ns)
	[ $pause -eq 1 ] && check "stop: paused" sh -c "echo '$r' | tail -n1 | grep -q '\"status\": \"paused\"'"
	sleep $pause
	$T ctl "$S" '{"execute": "cont"}' >/dev/null
	sleep 0.3
	r=$($T ctl "$S" '{"execute": "query-status"}')
	p=$(echo "$r" | json last_pause_ns)
	g=$(echo "$r" | json max_gap_ns)
	ok=0
	[ "${g:-0}" -gt "${g0:-0}" ] && within "${g:-0}" "${p:-1}" 20000000 && ok=1 && break
	[ $pause -eq 1 ] && echo "  note stop/cont: largest guest TSC gap $g ns (before the stop $g0), VMM pause $p ns: a starved vCPU? once more, 4 s"
done
check "cont: running again" sh -c "echo '$r' | grep -q '\"status\": \"running\"'"
check "stop/cont: guest TSC gap $g ns ~ VMM pause $p ns (within 20 ms; pause ${pause} s)" [ $ok -eq 1 ]
r=$($T ctl "$S" '{"execute": "stop"}' '{"execute": "x-state-roundtrip"}' '{"execute": "cont"}')
check "vCPU state get/set/get, device save/load, KVM clock on a paused VM" sh -c "echo '$r' | grep -q '\"regs_sregs_equal\": true'"
n1=$($T ctl "$S" '{"execute": "query-status"}' | json samples)
sleep 0.3
n2=$($T ctl "$S" '{"execute": "query-status"}' | json samples)
check "the guest runs on after the state was written back ($n1 -> $n2 samples)" [ "${n2:-0}" -gt "${n1:-0}" ]
# a vmclock page header (magic VCLK, size 4096, version 1, TSC, UTC) in the page directory
printf 'VCLK\000\020\000\000\001\000\001\000' >"$TMP/pages/tsync-vmclock.t"
truncate -s 4096 "$TMP/pages/tsync-vmclock.t"
r=$($T ctl "$S" "{\"execute\": \"x-vmclock-map\", \"arguments\": {\"path\": \"$TMP/pages/tsync-vmclock.t\"}}")
check "x-vmclock-map of a page in the page directory: $r" sh -c "echo '$r' | grep -q '\"return\"'"
sleep 0.3
v=$($T ctl "$S" '{"execute": "query-status"}' | json vmclock)
want=$(od -An -t u8 -N 8 "$TMP/pages/tsync-vmclock.t" | tr -d ' ')
check "vmclock slot: the guest reads the mapped page ($v)" [ "$v" = "$want" ]
r=$($T ctl "$S" '{"execute": "quit"}')
wait $PID
rc=$?
PID=
check "quit: exits 0 (rc $rc) and removes the socket" sh -c "[ $rc -eq 0 ] && [ ! -e '$S' ]"

if grep -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$TMP/err" "$TMP/err2" >"$TMP/san"; then
	fail "sanitizer report: $(head -n 3 "$TMP/san")"
else
	ok "no sanitizer report in tsvmm's stderr"
fi

# ---- failures are named ----
cp "$G" "$TMP/int3.bin"
printf '\314' | dd of="$TMP/int3.bin" bs=1 conv=notrunc status=none # int3 as the ring-0 entry
out=$(timeout 10 $T run --mem 64M --guest "$TMP/int3.bin" 2>&1); rc=$?
check "emulation failure named with RIP (rc $rc): $out" sh -c "[ $rc -eq 1 ] && echo \"\$0\" | grep -q 'emulation failure.*RIP 0x200000'" "$out"
e3=$(od -An -t u8 -j 24 -N 8 "$G" | tr -d ' ')
cp "$G" "$TMP/ud2.bin"
printf '\017\013' | dd of="$TMP/ud2.bin" bs=1 seek=$((e3 - 0x200000)) conv=notrunc status=none
out=$(timeout 10 $T run --mem 64M --guest "$TMP/ud2.bin" --serial /dev/null 2>&1); rc=$?
check "guest panic named (rc $rc): $out" sh -c "[ $rc -eq 1 ] && echo \"\$0\" | grep -q 'exception 6 (#UD).*ring 3'" "$out"
finish
