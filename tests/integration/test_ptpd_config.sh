#!/bin/sh
# ptpd-wl's command line and configuration errors: unknown keys name file:line and key,
# unknown options name the key, an interface that cannot do what the config asks is named with
# the missing capability (hardware timestamps on veth), and hostile packets do not crash it.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
[ -x "$BIN/ptpd-wl" ] || { fail "ptpd-wl not built"; finish; exit 1; }
. testbeds/netns.sh
. testbeds/ptp/lib.sh
BED_PREFIX=tsg-$$-
ptp_init || exit 1
D=$PTP_DIR
P=$BIN/ptpd-wl

check "--help exits 0 and lists -f/-i/-m/-s" sh -c "'$P' --help | grep -q -- '-f FILE'"
printf '[global]\npriority1 100\nfoo_bar 3\n' >"$D/bad.cfg"
"$P" -f "$D/bad.cfg" -i lo -q >"$D/o" 2>&1
check "unknown key in a file: exit 1, names file:line and key ($(cat "$D/o"))" \
	grep -q "bad.cfg:3: unknown key 'foo_bar'" "$D/o"
"$P" -i lo -q --fooBar=1 >"$D/o" 2>&1
check "unknown --key: names it ($(cat "$D/o"))" grep -q "foo\?Bar" "$D/o"
"$P" -i lo -q --delay_mechanism=Auto >"$D/o" 2>&1
check "unsupported value is an error naming the key ($(cat "$D/o"))" grep -q "delay_mechanism" "$D/o"
"$P" -i lo -q --clock_type=vclock >"$D/o" 2>&1
check "clock_type vclock without a vclock name is refused ($(cat "$D/o"))" grep -q "vclock NAME" "$D/o"
"$P" -q >"$D/o" 2>&1
check "no interface is refused ($(cat "$D/o"))" grep -q "no interface" "$D/o"
printf '[lo]\nlogSyncInterval 1\n[global]\n[lo]\nlogSyncInterval 2\n' >"$D/dup.cfg"
"$P" -f "$D/dup.cfg" -q >"$D/o" 2>&1
check "a repeated [iface] section is an error naming file:line ($(cat "$D/o"))" \
	grep -q "dup.cfg:4: duplicate section \[lo\]" "$D/o"
"$P" -i lo -q --acceptable_master_table="001122.fffe.334455-1 bogus" >"$D/o" 2>&1
check "a bad acceptable_master_table entry is named ($(cat "$D/o"))" \
	grep -q "acceptable_master_table: bad entry 'bogus'" "$D/o"

bed_ns_add a && bed_ns_add b && bed_link a veth0 10.77.0.1 b veth0 10.77.0.2 || exit 1
VC=$(ptp_vclock v --offset 0) || exit 1
bed_exec a "$P" -i veth0 -q -m -H --clock_type=phc --uds_address="$D/h.uds" >"$D/o" 2>&1
check "hardware timestamping on veth: error names veth0 and the missing capability ($(head -n 2 "$D/o" | tr '\n' ' '))" \
	grep -q "veth0.*\(hardware\|PTP hardware clock\)" "$D/o"
bed_exec a "$P" -i nosuch0 -q -m --clock_type=vclock --vclock="$VC" --uds_address="$D/n.uds" >"$D/o" 2>&1
check "a missing interface is named ($(head -n 1 "$D/o"))" grep -q "nosuch0" "$D/o"

# hostile packets: random and truncated PTP datagrams to both UDP ports, plus other domains
ptpd_start a hostile -i veth0 --clock_type=vclock --vclock="$VC" --logAnnounceInterval=-3
sleep 0.5
bed_exec b python3 - <<'PY' 2>/dev/null
import os, random, socket
random.seed(7)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    n = random.choice([0, 1, 33, 34, 44, 54, 64, 200, 1400])
    b = bytearray(os.urandom(n))
    if n >= 34 and i % 2:
        b[1] = 0x02 | (random.choice([0, 1, 2]) << 4)   # versionPTP 2, minor 0..2
        b[0] = random.choice([0, 1, 2, 3, 8, 9, 0xa, 0xb, 0xc, 0xd])
        b[2:4] = n.to_bytes(2, 'big') if i % 3 else (n + 5).to_bytes(2, 'big')
    s.sendto(bytes(b), ('224.0.1.129', 319 if i % 2 else 320))
PY
sleep 0.5
check "ptpd-wl survives 3000 hostile datagrams" pgrep -f -- "--uds_address=$D/hostile.uds"
check "and is still MASTER" grep -q "LISTENING to MASTER" "$D/hostile.log"
finish
