#!/bin/sh
# tsync-analyze end to end: every reader, every command, every output format, plots, errors.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
A=$BIN/tsync-analyze
D=tests/data/analysis
[ -x "$A" ] || skip_all "$A not built"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# NIST SP 1065 1000-point set as frequency data, through the text reader and the CLI
awk 'BEGIN { n = 1234567890; for (i = 0; i < 1000; i++) { printf "%.17g\n", n / 2147483647;
	n = (16807 * n) % 2147483647 } }' >"$T/nist.txt"
$A stability "$T/nist.txt" --data freq --rate 1 --taus 1,10,100 --metrics adev,oadev,mdev,tdev,hdev,totdev \
	--format csv >"$T/nist.csv" 2>"$T/err"
check "stability csv header" grep -qx 'metric,tau,value,n,ci_lo,ci_hi' "$T/nist.csv"
nist() { # metric tau published
	v=$(awk -F, -v m="$1" -v t="$2" '$1 == m && $2 == t { print $3 }' "$T/nist.csv")
	awk -v v="$v" -v p="$3" 'BEGIN { d = v - p; if (d < 0) d = -d; exit !(v != "" && d <= 1e-6 * p) }'
}
check "NIST oadev(10) = 9.159953e-02" nist oadev 10 9.159953e-02
check "NIST mdev(100) = 2.170921e-02" nist mdev 100 2.170921e-02
check "NIST tdev(100) = 1.253382" nist tdev 100 1.253382
check "NIST totdev(10) = 9.134743e-02" nist totdev 10 9.134743e-02
check "NIST adev(100) = 3.897804e-02" nist adev 100 3.897804e-02
check "NIST hdev(10) = 1.052754e-01" nist hdev 10 1.052754e-01
check "csv prints 17 significant digits" grep -q '^oadev,1,0.29223187810675' "$T/nist.csv"

# stats: json keys, every reader
$A stats $D/ptp4l.log --format json >"$T/s.json"
check "stats json has every key" sh -c "for k in count mean stddev rms min max max_abs p50 p90 p99 p999; do
	grep -q \"\\\"\$k\\\": \" $T/s.json || exit 1; done"
check "stats json: 200 ptp4l samples" grep -q '"count": 200,' "$T/s.json"
check "stats json parses" python3 -c "import json,sys; json.load(open('$T/s.json'))"
check "statlog reader" sh -c "$A stats $D/statlog.log --format csv | grep -q '^$D/statlog.log,offset,s,256,'"
check "chrony reader" sh -c "$A stats $D/chrony-tracking.log --format csv | grep -q ',offset,s,40,'"
check "pcap reader through stats" sh -c "$A stats $D/ptp-e2e-udp4.pcap --format csv |
	awk -F, 'NR == 2 && \$4 == 8 && \$5 + 6.75e-08 < 1e-20 && \$5 + 6.75e-08 > -1e-20 { ok = 1 } END { exit !ok }'"
check "several files give a json array" sh -c "$A stats $D/statlog.log $D/ptp4l.log --format json |
	python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 2'"
check "ptp4l delay column" sh -c "$A stats $D/ptp4l.log --column delay | grep -q 'delay \\[s\\]'"

# malformed lines: reported with file:line, skipped; --strict fatal (exit 2)
$A stats $D/ptp4l-bad.log >"$T/o" 2>"$T/e"
check "malformed ptp4l lines reported and skipped" sh -c "grep -q 'ptp4l-bad.log:2: ' $T/e &&
	grep -q 'ptp4l-bad.log:4: ' $T/e && grep -q 'count    3' $T/o"
$A stats $D/ptp4l-bad.log --strict >/dev/null 2>"$T/e"
check "--strict: exit 2 naming the line" sh -c "[ $? -eq 2 ] && grep -q 'ptp4l-bad.log:2:' $T/e"
$A stats $D/te-two-col.txt 2>"$T/e" >/dev/null
check "text reader reports line 4" grep -q 'te-two-col.txt:4: not a number' "$T/e"
$A stats $D/empty.txt >/dev/null 2>"$T/e"
check "empty input: exit 2, clear message" sh -c "[ $? -eq 2 ] && grep -q 'empty.txt: no samples' $T/e"
$A stats /nonexistent.log >/dev/null 2>"$T/e"
check "missing file: exit 2" sh -c "[ $? -eq 2 ] && grep -q 'No such file' $T/e"
$A stats $D/ptp-bad-packet.pcap --strict >/dev/null 2>"$T/e"
check "malformed packet named by number" sh -c "[ $? -eq 2 ] && grep -q 'ptp-bad-packet.pcap:packet 4:' $T/e"
$A stability $D/ptp4l.log --metrics nope >/dev/null 2>&1
check "unknown metric: exit 2" [ $? -eq 2 ]
$A frobnicate x >/dev/null 2>&1
check "unknown command: exit 2" [ $? -eq 2 ]

# hostile inputs (tests/fuzz/regress): reported with file:line or file:packet N, never a crash
printf '1e-9\nnan\n2e-9\ninf\n' >"$T/hostile.txt"
$A stats "$T/hostile.txt" >"$T/o" 2>"$T/e"
check "nan and inf text samples reported, not averaged" sh -c "grep -q 'hostile.txt:2: not a finite number' $T/e &&
	grep -q 'hostile.txt:4: not a finite number' $T/e && grep -q 'count    2' $T/o && ! grep -q -E 'nan|inf' $T/o"
for f in tests/fuzz/regress/pcap/*; do
	$A pcap "$f" --format csv >/dev/null 2>"$T/e"
	rc=$?
	check "capture time past 2262 rejected: $(basename "$f")" sh -c "[ $rc -lt 128 ] &&
		grep -q ':packet 1: .*beyond 2262' $T/e"
done
$A stats tests/fuzz/regress/statlog/histogram-range-beyond-double --plot "$T/h.png" >/dev/null 2>&1
check "histogram of a range beyond DBL_MAX: no crash" [ $? -lt 128 ]

# pcap command
$A pcap $D/ptp-e2e-udp4.pcap --format csv >"$T/p.csv"
check "pcap: 8 exchanges" sh -c "[ \$(grep -c '^e2e,' $T/p.csv) -eq 8 ]"
check "pcap: first offset -120 ns, delay 2500 ns" awk -F, '$2 == 5 && $4 == "1700000000.123456789" &&
	$8 * 1e9 > -120.0000001 && $8 * 1e9 < -119.9999999 && $9 * 1e9 > 2499.9999 && $9 * 1e9 < 2500.0001 { ok = 1 }
	END { exit !ok }' "$T/p.csv"
check "pcap json parses" sh -c "$A pcap $D/ptp-e2e-udp4.pcap --format json | python3 -m json.tool >/dev/null"

# stability / mask output and plots
check "stability json parses" sh -c "$A stability $D/statlog.log --metrics oadev,mtie,tierms --format json |
	python3 -m json.tool >/dev/null"
$A mask $D/ptp4l.log --mask g8271.1-c --format csv >"$T/m.csv"
check "mask g8271.1-c passes (exit 0)" sh -c "[ $? -eq 0 ] && grep -q '^max|TE|,.*,pass' $T/m.csv"
$A mask $D/ptp4l.log --mask g8273.2-c >/dev/null
check "mask g8273.2-c fails (exit 1)" [ $? -eq 1 ]
$A mask $D/ptp4l.log --mask nosuch >/dev/null 2>&1
check "unknown mask: exit 2" [ $? -eq 2 ]
# pcap reader against Wireshark's dissector on real captures (tests/data/captures/ptp/README.md):
# tshark's fields, paired and computed here in exact integers, must give the reader's rows
# (seq, t1..t4, offset, delay) one for one. ptp_ethernet.pcap: L2 E2E two-step;
# ptp_corrections.pcap: UDP with correctionFields; ptp_v2_1.pcap: ptp4l P2P (Pdelay_Req only).
ptp_oracle() { # capture -> rows "kind seq t1 t2 t3 t4 offset delay" (ns integers)
	tshark -r "$1" -T fields -E separator=/t -E occurrence=f -e frame.time_epoch \
		-e ptp.v2.messagetype -e ptp.v2.sequenceid -e ptp.v2.flags.twostep \
		-e ptp.v2.correction.ns -e ptp.v2.correction.subns -e ptp.v2.clockidentity \
		-e ptp.v2.sourceportid -e ptp.v2.sdr.origintimestamp.seconds \
		-e ptp.v2.sdr.origintimestamp.nanoseconds -e ptp.v2.fu.preciseorigintimestamp.seconds \
		-e ptp.v2.fu.preciseorigintimestamp.nanoseconds -e ptp.v2.dr.receivetimestamp.seconds \
		-e ptp.v2.dr.receivetimestamp.nanoseconds -e ptp.v2.dr.requestingsourceportidentity \
		-e ptp.v2.dr.requestingsourceportid -e ptp.v2.pdrs.requestreceipttimestamp.seconds \
		-e ptp.v2.pdrs.requestreceipttimestamp.nanoseconds \
		-e ptp.v2.pdrs.requestingportidentity -e ptp.v2.pdrs.requestingsourceportid \
		-e ptp.v2.pdfu.responseorigintimestamp.seconds \
		-e ptp.v2.pdfu.responseorigintimestamp.nanoseconds \
		-e ptp.v2.pdfu.requestingportidentity -e ptp.v2.pdfu.requestingsourceportid 2>/dev/null |
	python3 -c '
import sys
def ns(s):  # "sec.frac" -> int ns, exact
    a, _, b = s.partition(".")
    return int(a) * 10**9 + int((b + "000000000")[:9])
def ts(s, n): return int(s) * 10**9 + int(n)
def half(x, d):  # x / d rounded half away from zero, exact
    q, r = divmod(abs(x), d)
    return (q + (2 * r >= d)) * (1 if x >= 0 else -1)
sync, last, dreq, preq, presp = {}, {}, {}, {}, {}
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    if len(f) < 24 or f[1] == "":
        continue
    cap, typ, seq = ns(f[0]), int(f[1], 16), int(f[2])
    two = f[3] in ("1", "True")
    corr = int(f[4] or 0) * 65536 + round(float(f[5] or 0) * 65536)
    src = (f[6], f[7])
    if typ == 0:
        s = [seq, ts(f[8], f[9]), cap, corr]
        if two: sync[src + (seq,)] = s
        else: last[src] = s
    elif typ == 8 and src + (seq,) in sync:
        s = sync.pop(src + (seq,)); s[1] = ts(f[10], f[11]); s[3] += corr; last[src] = s
    elif typ == 1:
        dreq[src + (seq,)] = cap
    elif typ == 9 and (f[14], f[15], seq) in dreq and src in last:
        t3 = dreq.pop((f[14], f[15], seq)); q, t1, t2, cs = last[src]; t4 = ts(f[12], f[13])
        ms, sm = (t2 - t1) * 65536 - cs, (t4 - t3) * 65536 - corr
        print("e2e", q, t1, t2, t3, t4, half(ms - sm, 2 * 65536), half(ms + sm, 2 * 65536))
    elif typ == 2:
        preq[src + (seq,)] = cap
    elif typ == 3 and (f[18], f[19], seq) in preq:
        t1 = preq.pop((f[18], f[19], seq)); t2 = ts(f[16], f[17])
        if two: presp[(f[18], f[19], seq)] = (t1, t2, cap, corr)
        else: print("pdelay", seq, t1, t2, t2, cap, "nan", half((cap - t1) * 65536 - corr, 2 * 65536))
    elif typ == 10 and (f[22], f[23], seq) in presp:
        t1, t2, t4, cr = presp.pop((f[22], f[23], seq)); t3 = ts(f[20], f[21])
        d = (t4 - t1) * 65536 - (t3 - t2) * 65536 - cr - corr
        print("pdelay", seq, t1, t2, t3, t4, "nan", half(d, 2 * 65536))
'
}
ptp_reader() { # capture -> the reader's rows in the same form
	$A pcap "$1" --format csv 2>/dev/null | python3 -c '
import sys
def ns(s):
    a, _, b = s.partition(".")
    return int(a) * 10**9 + int((b + "000000000")[:9])
for line in list(sys.stdin)[1:]:
    k, _, seq, t1, t2, t3, t4, off, d = line.strip().split(",")
    o = "nan" if off in ("nan", "NaN", "") else round(float(off) * 1e9)
    print(k, seq, ns(t1), ns(t2), ns(t3), ns(t4), o, round(float(d) * 1e9))
'
}
if command -v tshark >/dev/null; then
	for f in ptp_ethernet ptp_corrections ptp ptp_v2_1; do
		c=tests/data/captures/ptp/$f.pcap
		ptp_oracle "$c" >"$T/$f.ws"
		ptp_reader "$c" >"$T/$f.rd"
		check "$f.pcap: reader's exchanges = tshark's fields ($(wc -l <"$T/$f.ws") rows)" \
			cmp -s "$T/$f.ws" "$T/$f.rd"
	done
	check "ptp_ethernet.pcap: tshark gives E2E exchanges to compare" [ -s "$T/ptp_ethernet.ws" ]
	# No real capture here holds Pdelay responses: P2P through pcapgen's files (made by
	# tests/unit/analysis/pcapgen.c: pg_write_pdelay, pg_write_pdelay_both_ends, 6, 6300 ns)
	ptp_oracle $D/ptp-p2p-l2.pcap >"$T/p2p.ws"
	ptp_reader $D/ptp-p2p-l2.pcap >"$T/p2p.rd"
	check "P2P two-step: reader's Pdelay exchanges = tshark's fields ($(wc -l <"$T/p2p.ws") rows)" \
		sh -c "[ -s $T/p2p.ws ] && cmp -s $T/p2p.ws $T/p2p.rd"
	# captured at one end: the far end's requests (t1, t4 only capture times standing for the
	# responder's t2, t3: a delay near zero or below) are no rows of the reader
	ptp_oracle $D/ptp-p2p-both-ends.pcap >"$T/both.ws"
	ptp_reader $D/ptp-p2p-both-ends.pcap >"$T/both.rd"
	awk '$8 > 1000' "$T/both.ws" >"$T/both.local"
	check "P2P at one end: tshark sees both ends' exchanges" \
		[ "$(wc -l <"$T/both.ws")" -eq $((2 * $(wc -l <"$T/both.local"))) ]
	check "P2P at one end: the reader keeps only the local requester's" \
		sh -c "[ -s $T/both.local ] && cmp -s $T/both.local $T/both.rd"
else
	echo "  (tshark missing: comparison with Wireshark skipped; apt-get install tshark)"
fi

# many files: --by-file rows plus the total; --memory: exact while it fits, sketched beyond
awk 'BEGIN { srand(3); for (i = 0; i < 20000; i++) printf "%.17g\n", (rand() - 0.5) * 1e-6 }' >"$T/h1.txt"
awk 'BEGIN { srand(4); for (i = 0; i < 10000; i++) printf "%.17g\n", (rand() - 0.3) * 1e-6 }' >"$T/h2.txt"
$A stats "$T/h1.txt" "$T/h2.txt" --by-file --format csv >"$T/byfile.csv"
check "stats --by-file: a row per file and the total" sh -c "awk -F, 'NR > 1 { print \$1 \",\" \$4 }' $T/byfile.csv |
	tr '\n' ' ' | grep -qx '$T/h1.txt,20000 $T/h2.txt,10000 total,30000 '"
cat "$T/h1.txt" "$T/h2.txt" >"$T/h12.txt"
check "stats --by-file total = stats of the files joined" sh -c "[ \"\$(awk -F, '\$1 == \"total\" { \$1 = \"\"; print }' $T/byfile.csv)\" = \
	\"\$($A stats $T/h12.txt --format csv | awk -F, 'NR == 2 { \$1 = \"\"; print }')\" ]"
$A stats "$T/h12.txt" --memory 1G --format csv >"$T/m-big.csv"
$A stats "$T/h12.txt" --format csv >"$T/m-none.csv"
check "stats --memory large: exact (the same bytes)" cmp -s "$T/m-big.csv" "$T/m-none.csv"
$A stats "$T/h12.txt" --memory 64K --format csv >"$T/m-small.csv"
check "stats --memory small: percentiles within 1e-4 relative, count/min/max exact" awk -F, '
	NR == 2 && FNR == 2 { for (k = 4; k <= 14; k++) e[k] = $k; next }
	FNR == 2 { ok = ($4 == e[4] && $8 == e[8] && $9 == e[9]); differ = 0
		for (k = 11; k <= 14; k++) { d = $k - e[k]; if (d < 0) d = -d; a = e[k] < 0 ? -e[k] : e[k]
			if (d > 1.0001e-4 * a + 1e-18) ok = 0; if (d > 0) differ = 1 }
		exit !(ok && differ) }' "$T/m-none.csv" "$T/m-small.csv"
$A stats "$T/h12.txt" --memory 12X >/dev/null 2>&1
check "stats --memory with a bad unit: exit 2" [ $? -eq 2 ]
$A stability "$T/h1.txt" "$T/h2.txt" --by-file --metrics oadev,mtie --taus 1,10 --format csv >"$T/stab.csv"
check "stability --by-file: 4 rows per file, file column" sh -c "[ \$(grep -c '^$T/h1.txt,' $T/stab.csv) = 4 ] &&
	[ \$(grep -c '^$T/h2.txt,' $T/stab.csv) = 4 ] && head -1 $T/stab.csv | grep -q '^file,metric,'"

# a text file big enough for the parallel reader (> 4 MiB): same values as the sequential
# reader of the same lines through a pipe, and a malformed line reported with its number
awk 'BEGIN { srand(5); for (i = 0; i < 300000; i++) printf "%.17g\n", (rand() - 0.5) * 1e-6 }' >"$T/big.txt"
check "parallel text reader = sequential (pipe)" sh -c "[ \"\$($A stability $T/big.txt --metrics oadev,mtie --format csv)\" = \
	\"\$(cat $T/big.txt | $A stability /dev/stdin --input text --metrics oadev,mtie --format csv)\" ]"
awk 'NR == 200001 { print "1.5e-9x"; next } { print }' "$T/big.txt" >"$T/bigbad.txt"
$A stability "$T/bigbad.txt" --taus 1 >"$T/bigbad.out" 2>"$T/bigbad.err"
check "parallel text reader: malformed line 200001 reported, skipped" sh -c \
	"grep -q 'bigbad.txt:200001: not a number: \"1.5e-9x\" (skipped)' $T/bigbad.err && grep -q ', 299999 phase points' $T/bigbad.out"

# the binary input: .npy (numpy.save's format) gives the same values as the text
# (Debian's python3-numpy lives in /usr/bin/python3, which a pyenv python3 may shadow)
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if $PY -c 'import numpy' 2>/dev/null; then
	$PY -c "import numpy as np; np.save('$T/h1.npy', np.loadtxt('$T/h1.txt'))"
	check ".npy input: stability equals the text's" sh -c "[ \"\$($A stability $T/h1.npy --metrics oadev,mdev,tdev,mtie --format csv)\" = \
		\"\$($A stability $T/h1.txt --metrics oadev,mdev,tdev,mtie --format csv)\" ]"
	check ".npy input: stats equals the text's" sh -c "[ \"\$($A stats $T/h1.npy --format csv | cut -d, -f2-)\" = \
		\"\$($A stats $T/h1.txt --format csv | cut -d, -f2-)\" ]"
else
	echo "  (python3 numpy missing: .npy checks skipped)"
fi

png() { [ -s "$1" ] && [ "$(head -c 4 "$1" | tail -c 3)" = PNG ]; }
if command -v gnuplot >/dev/null; then
	$A stats $D/ptp4l.log --plot "$T/ts.png" >/dev/null
	check "time series + histogram plot (png) from a ptp4l log" png "$T/ts.png"
	$A stability $D/statlog.log --metrics adev,oadev,mdev,hdev,totdev,tdev --plot "$T/dev.svg" >/dev/null
	check "deviation plot (svg) from a statlog" grep -q '<svg' "$T/dev.svg"
	$A mask $D/statlog.log --mask g8262-eec1 --plot "$T/mask.png" >/dev/null
	check "MTIE/TDEV mask plot" png "$T/mask.png"
	$A stats $D/ptp4l.log --plot "$T/x.gif" >/dev/null 2>&1
	check "bad plot extension: exit 2" [ $? -eq 2 ]
else
	echo "  (gnuplot missing: plot checks skipped)"
fi
finish
