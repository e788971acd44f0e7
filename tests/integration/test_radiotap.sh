#!/bin/sh
# tsync-analyze radiotap (lib/radiotap) against Wireshark's dissector on real radiotap captures
# (tests/data/captures/radiotap/README.md): every frame, field by field; the three fuzzed
# headers rejected (tshark: invalid header revision); TM / FTM exchanges on a capture written
# here, their offsets computed again from tshark's fields; PTP in 802.11 data frames; captures
# of the emulated medium
# (tsync-wifi-medium) replayed through the same comparison.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
A=$BIN/tsync-analyze
D=tests/data/captures/radiotap
[ -x "$A" ] || skip_all "$A not built"
command -v tshark >/dev/null 2>&1 || skip_all "tshark not installed"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

oracle() { # capture -> tshark's fields, comma-separated, first occurrence of each
	tshark -r "$1" -T fields -E separator=, -E occurrence=f -e frame.number \
		-e radiotap.length -e radiotap.mactime -e radiotap.flags -e radiotap.datarate \
		-e radiotap.channel.freq -e radiotap.xchannel.freq -e radiotap.dbm_antsignal \
		-e wlan.fc.type -e wlan.fc.subtype -e wlan.ta -e wlan.ra -e radiotap.timestamp.ts \
		-e radiotap.timestamp.unit -e radiotap.timestamp.flags.32bit -e radiotap.he.data_1 \
		2>/dev/null
}

# ours (csv) vs tshark: prints "N frames" or the mismatches; exit 1 on any. Rate: tshark's Mb/s
# within 0.05; an HE rate tshark 4.0 does not derive is counted apart (he_only).
compare() { # ours.csv oracle.csv
	python3 - "$1" "$2" <<'PY'
import csv, sys
ours = {r["frame"]: r for r in csv.DictReader(open(sys.argv[1]))}
bad, n, he_only = [], 0, 0
for row in csv.reader(open(sys.argv[2])):
    (fr, rlen, mact, flags, rate, freq, xfreq, sig, ftype, fsub, ta, ra, ts, unit, b32,
     he) = (row + [""] * 16)[:16]
    n += 1
    o = ours.get(fr)
    if o is None:
        bad.append(f"frame {fr}: missing"); continue
    want = {"radiotap_len": rlen, "tsft_us": mact,
            "flags": "" if flags == "" else "0x%02x" % int(flags, 16),
            "freq_mhz": freq or xfreq, "signal_dbm": sig, "fc_type": ftype,
            "fc_subtype": fsub, "ta": ta, "ra": ra}
    if ts:
        v = int(ts) & (0xffffffff if b32 in ("1", "True") else (1 << 64) - 1)
        want["timestamp_ns"] = str(v * {0: 10**6, 1: 1000, 2: 1}[int(unit)])
    else:
        want["timestamp_ns"] = ""
    for k, v in want.items():
        if o[k] != v:
            bad.append(f"frame {fr} {k}: ours '{o[k]}' tshark '{v}'")
    if rate:
        if o["rate_kbps"] == "" or abs(int(o["rate_kbps"]) / 1000 - float(rate)) > 0.05:
            bad.append(f"frame {fr} rate: ours '{o['rate_kbps']}' kbps tshark '{rate}' Mb/s")
    elif o["rate_kbps"]:
        if he: he_only += 1
        else: bad.append(f"frame {fr} rate: ours {o['rate_kbps']} kbps, tshark none")
if len(ours) != n:
    bad.append(f"{len(ours)} rows, tshark {n} frames")
for b in bad[:10]:
    print("   ", b)
print(f"{n} frames, {he_only} HE rates tshark does not derive")
sys.exit(1 if bad else 0)
PY
}

for f in $D/*.pcap $D/edited/*.pcap; do
	b=$(basename "$f" .pcap)
	$A radiotap "$f" --format csv >"$T/$b.csv" 2>"$T/$b.err"
	rc=$?
	oracle "$f" >"$T/$b.ts"
	check "$b: exit 0, nothing malformed" sh -c "[ $rc -eq 0 ] && [ ! -s $T/$b.err ]"
	compare "$T/$b.csv" "$T/$b.ts" >"$T/$b.cmp"
	r=$?
	sed 's/^/    /' "$T/$b.cmp"
	check "$b: every frame agrees with tshark field by field" [ $r -eq 0 ]
done
check "wltrace: 318 frames" sh -c "[ \$(tail -n +2 $T/wltrace-trace.csv | wc -l) -eq 318 ]"
check "meshid: TIMESTAMP field read (32-bit us counter)" \
	grep -q '^1,56,9526800862,.*,936891865000$' "$T/ieee802.11_meshid.csv"
check "htc: vendor namespace skipped, HE frame read" \
	grep -q '^1,60,967750278,0x04,.*,5180,-45,2,8,b0:be:83:5b:4b:40,' "$T/ieee802.11_htc.csv"

# the fuzzed headers: rejected by reason, the run goes on; tshark calls the revision invalid
for f in $D/negative/*.pcap; do
	b=$(basename "$f" .pcap)
	$A radiotap "$f" --format csv >"$T/n.csv" 2>"$T/n.err"
	rc=$?
	check "$b: rejected as file:packet 1: reason, no row, exit 0" sh -c "[ $rc -eq 0 ] &&
		grep -q '$b.pcap:packet 1: radiotap: unsupported radiotap version' $T/n.err &&
		[ \$(wc -l <$T/n.csv) -eq 1 ]"
	check "$b: tshark sees header revision 48 (invalid) too" sh -c \
		"tshark -r $f -T fields -e radiotap.version 2>/dev/null | grep -qx 48"
	$A radiotap "$f" --strict >/dev/null 2>&1
	check "$b: --strict exits 2" [ $? -eq 2 ]
done

# formats and errors
check "json parses, 318 frames, 0 malformed" sh -c "$A radiotap $D/wltrace-trace.pcap --format json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d[\"frames\"]) == 318 and d[\"malformed\"] == 0'"
check "table: summary line" sh -c "$A radiotap $D/zeek-radiotap.pcap | tail -n 1 |
	grep -qx '3 frames, 0 malformed, 0 TM/FTM exchanges, 0 PTP exchanges'"
$A radiotap tests/data/captures/ptp/ptp.pcap >/dev/null 2>"$T/e"
check "not a radiotap capture: exit 2" sh -c "[ $? -eq 2 ] && grep -q 'not 802.11 with radiotap' $T/e"

# No real capture holds TM or FTM frames: write one (responder R, initiator I capturing; its
# TSF = R's clock + 500 us, one-way delay 50 ns) and check the exchanges against tshark's view.
python3 - "$T/ftm.pcap" <<'PY'
import struct, sys
R, I = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
def rtap(tsft):  # TSFT, flags, channel 5180
    return struct.pack("<BBHI", 0, 0, 24, 0b1011) + struct.pack("<QBxHH", tsft, 0, 5180, 0x140) + b"\0" * 2
def mgmt(ra, ta, body):
    return struct.pack("<BBH", 0xd0, 0, 0) + ra + ta + R + struct.pack("<H", 0) + body
def ack(ra):
    return struct.pack("<BBH", 0xd4, 0, 0) + ra
def ftm(tok, fu, tod, toa):
    return bytes([4, 33, tok, fu]) + tod.to_bytes(6, "little") + toa.to_bytes(6, "little") + b"\0" * 4
def tm(tok, fu, tod, toa):
    return bytes([11, 1, tok, fu]) + struct.pack("<II", tod, toa) + bytes([0, 0])
us = 10**6  # ps
frames = [
    (1000, mgmt(R, I, bytes([4, 32, 1]))),                       # FTM request
    (2000, mgmt(I, R, ftm(1, 0, 0, 0))),                         # measured: t2 = 2000 us
    (2010, ack(R)),                                              # t3 = 2010 us
    (2100, mgmt(I, R, ftm(2, 1, 1500 * us - 50000, 1510 * us + 50000))),  # t1, t4 of token 1
    (3000, mgmt(I, R, tm(5, 0, 0, 0))),                          # TM measured: t2 = 3000 us
    (3004, ack(R)),
    (3100, mgmt(I, R, tm(6, 5, 250000 - 5, 250400 + 5))),        # 10 ns units
]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 127))
    for i, (tsft, fr) in enumerate(frames):
        p = rtap(tsft) + fr
        f.write(struct.pack("<IIII", 1700000000, i, len(p), len(p)) + p)
PY
$A radiotap "$T/ftm.pcap" --format csv >"$T/ftm.csv" 2>"$T/ftm.err"
check "synthetic FTM/TM capture: no malformed frame" [ ! -s "$T/ftm.err" ]
tshark -r "$T/ftm.pcap" -T fields -E separator=, -e frame.number -e radiotap.mactime \
	-e wlan.fixed.dialog_token -e wlan.fixed.followup_dialog_token -e wlan.fixed.ftm_tod \
	-e wlan.fixed.ftm_toa -e wlan.fixed.tod -e wlan.fixed.toa 2>/dev/null >"$T/ftm.ts"
# expected rows from tshark's fields: offset = ((t2 - t1) - (t4 - t3)) / 2, exact in ps.
# tshark 4.0 dissects a TM frame's tokens but not its TOD/TOA (it reads them as tagged
# elements and calls the frame malformed): those two are read from the capture's bytes here.
python3 - "$T/ftm.ts" "$T/ftm.pcap" >"$T/ftm.want" <<'PY'
import csv, struct, sys
rows = list(csv.reader(open(sys.argv[1])))
raw, p, frames = open(sys.argv[2], "rb").read(), 24, []
while p < len(raw):
    n = struct.unpack_from("<I", raw, p + 8)[0]
    frames.append(raw[p + 16:p + 16 + n]); p += 16 + n
mac = {int(r[0]): int(r[1]) for r in rows}
tok = lambda x: int(x, 0) if x else None
for r in rows:
    fr, fu = int(r[0]), tok(r[3])
    if not fu:
        continue
    if r[4]:
        kind, t1, t4 = "ftm", int(r[4]), int(r[5])
    else:
        body = frames[fr - 1][24 + 24:]
        kind, (t1, t4) = "tm", [v * 10000 for v in struct.unpack_from("<II", body, 4)]
    m = max(int(x[0]) for x in rows if tok(x[2]) == fu and int(x[0]) < fr)
    t2, t3 = mac[m] * 10**6, mac[m + 1] * 10**6
    off, dly = ((t2 - t1) - (t4 - t3)) / 2e3, ((t4 - t1) - (t3 - t2)) / 2e3
    print(f"{kind},{fr},{m},{m + 1},{t1},{mac[m]},{mac[m + 1]},{t4},{off:.3f},{dly:.3f}")
PY
awk -F, '/^kind,/ { on = 1; next } on && NF == 13 { printf "%s,%s,%s,%s,%s,%s,%s,%s,%.3f,%.3f\n",
	$1, $2, $3, $4, $8, $9, $10, $11, $12, $13 }' "$T/ftm.csv" >"$T/ftm.got"
check "FTM and TM exchanges: t1..t4, offset and delay as tshark's fields give" sh -c \
	"[ \$(wc -l <$T/ftm.want) -eq 2 ] && diff $T/ftm.want $T/ftm.got"
check "FTM offset 500 us, delay 50 ns" grep -q '^ftm,4,2,3,.*,500000.000,50.000$' "$T/ftm.got"
check "TM offset 500 us, delay 50 ns (10 ns units)" grep -q '^tm,7,5,6,.*,500000.000,50.000$' "$T/ftm.got"

# PTP over 802.11 (L2 PTP in LLC/SNAP data frames, none in the real captures): written here
# with offset 100 us and delay 50 ns; tshark must see the four messages, tsync-analyze the
# exchange (capture times as t2 and t3).
python3 - "$T/ptp11.pcap" <<'PY'
import struct, sys
M, S = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
def rtap(tsft):
    return struct.pack("<BBHI", 0, 0, 18, 0b11) + struct.pack("<QBx", tsft, 0)
def data(ra, ta, payload):
    return (struct.pack("<BBH", 0x08, 0x02, 0) + ra + ta + M + struct.pack("<H", 0) +
            bytes.fromhex("aaaa03000000") + struct.pack(">H", 0x88F7) + payload)
def ts(sec, ns):
    return struct.pack(">HIH", sec >> 32, sec & 0xffffffff, 0)[:6] + struct.pack(">I", ns)
def ptp(mtype, seq, port, body, flags=0):
    hdr = struct.pack(">BBHBBHq4s", mtype, 2, 34 + len(body), 0, 0, flags, 0, b"\0" * 4)
    return hdr + port + struct.pack(">HBb", seq, 0, 0) + body
mport, sport = M[:3] + b"\xff\xfe" + M[3:] + b"\0\1", S[:3] + b"\xff\xfe" + S[3:] + b"\0\1"
T0 = 1700000000
frames = [  # (capture ns after T0, frame)
    (100050, data(S, M, ptp(0x0, 7, mport, ts(0, 0), 0x0200))),          # Sync, t2
    (200000, data(S, M, ptp(0x8, 7, mport, ts(T0, 0)))),                 # Follow_Up: t1
    (1000000, data(M, S, ptp(0x1, 3, sport, ts(0, 0)))),                 # Delay_Req, t3
    (1100000, data(S, M, ptp(0x9, 3, mport, ts(T0, 900050) + sport))),   # Delay_Resp: t4
]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 127))
    for i, (ns, fr) in enumerate(frames):
        p = rtap(5000 + i) + fr
        f.write(struct.pack("<IIII", T0, ns, len(p), len(p)) + p)
PY
check "PTP over 802.11: tshark sees Sync, Follow_Up, Delay_Req, Delay_Resp" sh -c \
	"[ \"\$(tshark -r $T/ptp11.pcap -T fields -e ptp.v2.messagetype 2>/dev/null | tr '\n' ' ')\" = '0x00 0x08 0x01 0x09 ' ]"
$A radiotap "$T/ptp11.pcap" --format csv >"$T/ptp11.csv" 2>"$T/ptp11.err"
check "PTP over 802.11: one e2e exchange, offset 100000 ns, delay 50 ns" sh -c \
	"[ ! -s $T/ptp11.err ] && grep -qx 'e2e,4,7,100000,50' $T/ptp11.csv"
check "PTP over 802.11: tsync-analyze pcap reads the radiotap capture too" sh -c \
	"$A pcap $T/ptp11.pcap --format csv | grep -q '^e2e,4,7,'"
for b in ftm ptp11; do # the written captures' rows, field by field with tshark as well
	oracle "$T/$b.pcap" >"$T/$b.ts"
	$A radiotap "$T/$b.pcap" --format csv 2>/dev/null | sed '/^$/,$d' >"$T/$b.rows"
	compare "$T/$b.rows" "$T/$b.ts" >/dev/null
	check "$b.pcap: every frame agrees with tshark field by field" [ $? -eq 0 ]
done

# The emulated medium's per-station captures: read back frame for frame as tshark reads them,
# every captured frame accounted for, and the TSF clocks visible in the beacons: a station's
# TSFT at a beacon minus the AP's timestamp in it is their TSF offset (- the 32 us the
# 24-byte header takes at 6 Mb/s), drifting by the rate errors the emulator reports.
M=$BIN/tsync-wifi-medium
if [ -x "$M" ]; then
	$M --out "$T/med" --stations 3 --load 0.5 --duration 0.5 --seed 7 >"$T/med.out"
	check "wifi-medium: runs (3 stations, 50 % load)" [ $? -eq 0 ]
	for bad in "--stations 1" "--load abc" "--rate 7000" "--len 9"; do
		# shellcheck disable=SC2086 # one flag and its value
		$M --out "$T/bad" $bad >/dev/null 2>"$T/bad.err"
		rc=$?
		check "wifi-medium: '$bad' refused with a message naming it (exit $rc)" \
			sh -c "[ $rc -eq 2 ] && grep -q -- '${bad%% *}' '$T/bad.err'"
	done
	total=0
	for s in 0 1 2; do
		$A radiotap "$T/med/sta$s.pcap" --format csv >"$T/m$s.csv" 2>"$T/m$s.err"
		oracle "$T/med/sta$s.pcap" >"$T/m$s.ts"
		compare "$T/m$s.csv" "$T/m$s.ts" >"$T/m$s.cmp"
		r=$?
		check "wifi-medium sta$s capture: agrees with tshark, nothing malformed" \
			sh -c "[ $r -eq 0 ] && [ ! -s $T/m$s.err ]"
		total=$((total + $(tail -n +2 "$T/m$s.csv" | wc -l)))
	done
	check "wifi-medium: every captured frame read ($total)" \
		grep -q ", $total captured frames\$" "$T/med.out"
	check "wifi-medium: collisions happen at 50 % load" \
		sh -c "! grep -q ' 0 collisions' $T/med.out"
	tshark -r "$T/med/sta1.pcap" -Y 'wlan.fc.type_subtype == 8' -T fields -e frame.time_epoch \
		-e radiotap.mactime -e wlan.fixed.timestamp 2>/dev/null >"$T/bcn"
	check "wifi-medium: beacons give the TSF offset sta1 - sta0 within 2 us" python3 - \
		"$T/med.out" "$T/bcn" <<'PY'
import re, sys
sta = {int(m[0]): (int(m[1]), int(m[2])) for m in
       re.findall(r"sta(\d+): tsf offset (\d+) us, rate error ([+-]?\d+) ppb", open(sys.argv[1]).read())}
rows = [l.split() for l in open(sys.argv[2])]
assert len(rows) >= 4, rows
for t, mac, ts in rows:
    t = float(t)
    want = (sta[1][0] - sta[0][0]) + t * (sta[1][1] - sta[0][1]) / 1e3 - 32
    got = int(mac) - int(ts)
    assert abs(got - want) <= 2, (t, got, want)
PY
	# Timing Measurement on the emulated medium: station 1's capture (its TSFT for t2 and its
	# own ACK's t3, the AP's 10 ns TOD/TOA for t1 and t4) must give the true TSF offset
	# station 1 - AP (from the offsets and rate errors the emulator reports, at the measured
	# frame's time) within the 1 us TSF resolution, at any load.
	cat >"$T/tmcheck.py" <<'PY'
import csv, math, re, sys
sta = {int(m[0]): (int(m[1]), int(m[2])) for m in
       re.findall(r"sta(\d+): tsf offset (\d+) us, rate error ([+-]?\d+) ppb", open(sys.argv[1]).read())}
times = {int(a): float(b) for a, b in (l.split() for l in open(sys.argv[3]))}
err = []
for r in csv.reader(open(sys.argv[2])):
    if r[0] != "tm" or r[11] in ("", "null"):
        continue
    t = times[int(r[2])]
    truth = (sta[1][0] - sta[0][0]) * 1e3 + t * (sta[1][1] - sta[0][1])
    err.append(float(r[11]) - truth)
assert len(err) >= 25, f"{len(err)} exchanges"
rms = math.sqrt(sum(e * e for e in err) / len(err))
print(f"{len(err)} exchanges: error mean {sum(err) / len(err):.1f} ns, rms {rms:.1f} ns, "
      f"max |e| {max(abs(e) for e in err):.1f} ns")
sys.exit(0 if max(abs(e) for e in err) <= 1000 else 1)
PY
	for load in 0.05 0.5; do
		$M --out "$T/tm" --stations 3 --load $load --duration 3 --tm-interval 100 \
			--seed 11 >"$T/tm.out"
		$A radiotap "$T/tm/sta1.pcap" --format csv 2>"$T/tm.err" |
			awk -F, '/^kind,/ { on = 1; next } on' >"$T/tm.ex"
		tshark -r "$T/tm/sta1.pcap" -T fields -e frame.number -e frame.time_epoch \
			2>/dev/null >"$T/tm.times"
		python3 "$T/tmcheck.py" "$T/tm.out" "$T/tm.ex" "$T/tm.times" >"$T/tm.res" 2>&1
		r=$?
		sed 's/^/    /' "$T/tm.res"
		check "TM on the emulated medium (load $load): offsets within 1 us of the truth" \
			sh -c "[ $r -eq 0 ] && [ ! -s $T/tm.err ]"
	done
else
	echo "  (tsync-wifi-medium not built: medium replay skipped)"
fi
finish
