#!/bin/sh
# chrony exports against a real chronyd: tsync-chrony-feed sends known offsets through an SHM
# segment and a SOCK socket; each one must appear in chronyd's refclocks.log raw-offset column
# (column 7) within 1 µs, in order, with the same sign (chrony's raw offset = reference minus
# system time). chronyd runs with -x (never touches the system clock) in a private 0700
# directory; the EXIT trap stops it and removes its SHM segment and the directory.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

FEED=$BIN/tsync-chrony-feed
TOL=1e-6
OFFSETS="1e-3,-2.5e-4,1.23456789e-4,-0.5,3.2e-8,0,0.999999,-7.654321e-6,2.5,-1.000001,4.4e-7,-3e-9"

command -v chronyd >/dev/null 2>&1 || skip_all "chronyd not installed (apt-get install chrony)"
[ -x "$FEED" ] || {
	fail "$FEED not built (make BUILD=$BUILD)"
	finish
	exit 1
}

D=$(mktemp -d /tmp/tsync-chrony.XXXXXX) || exit 1
chmod 700 "$D"
CPID=
SHMKEY=

cleanup() {
	if [ -n "$CPID" ] && kill -0 "$CPID" 2>/dev/null; then
		kill "$CPID" 2>/dev/null
		i=0
		while kill -0 "$CPID" 2>/dev/null && [ $i -lt 40 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		kill -KILL "$CPID" 2>/dev/null
		wait "$CPID" 2>/dev/null
	fi
	[ -n "$SHMKEY" ] && ipcrm -M "$SHMKEY" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

shm_exists() { ipcs -m | awk -v k="$1" '$1 == k { f = 1 } END { exit !f }'; }

# An SHM unit nobody uses (a running system chronyd/gpsd keeps to units 0..3).
UNIT=
for u in 86 87 88 89 90 91 92 93 94 95; do
	k=$(printf '0x%08x' $((0x4e545030 + u)))
	if ! shm_exists "$k"; then
		UNIT=$u
		SHMKEY=$k
		break
	fi
done
[ -n "$UNIT" ] || {
	fail "no free SHM unit in 86..95"
	finish
	exit 1
}

# poll 0: filtered every second; dpoll -4: SHM read every 62.5 ms; filter 16: room for every
# sample between two polls. No makestep, no sources, no NTP or command UDP ports.
cat >"$D/chrony.conf" <<EOF
pidfile $D/chronyd.pid
bindcmdaddress $D/chronyd.sock
cmdport 0
port 0
logdir $D
log refclocks
refclock SHM $UNIT refid TSHM poll 0 dpoll -4 filter 16
refclock SOCK $D/chrony.sock refid TSOC poll 0 filter 16
EOF

# The kernel clock's frequency and tick before/after (adjtimex read-only, modes 0), to show that
# chronyd did not touch them. Needs python3; the check is skipped without it.
kclock() {
	command -v python3 >/dev/null 2>&1 || return 1
	python3 -c '
import ctypes, struct
b = ctypes.create_string_buffer(256)
if ctypes.CDLL(None, use_errno=True).adjtimex(b) < 0: raise SystemExit(1)
print("freq=%d tick=%d" % (struct.unpack_from("l", b, 16)[0], struct.unpack_from("l", b, 88)[0]))'
}
KBEFORE=$(kclock)

chronyd -x -n -u root -f "$D/chrony.conf" -l "$D/chronyd.log" &
CPID=$!
i=0
while [ $i -lt 100 ]; do
	[ -S "$D/chrony.sock" ] && shm_exists "$SHMKEY" && break
	kill -0 "$CPID" 2>/dev/null || break
	sleep 0.05
	i=$((i + 1))
done
if ! [ -S "$D/chrony.sock" ] || ! shm_exists "$SHMKEY"; then
	fail "chronyd started (SOCK socket and SHM segment $SHMKEY exist)"
	cat "$D/chronyd.log" 2>/dev/null
	finish
	exit 1
fi
ok "chronyd started (pid $CPID, SHM unit $UNIT key $SHMKEY, SOCK $D/chrony.sock)"
check "chronyd runs with control of the system clock disabled (-x)" \
	grep -q 'Disabled control of system clock' "$D/chronyd.log"

# The feed refuses a unit another tsync writer holds (here: a second feed on the same unit).
"$FEED" --shm "$UNIT" --offset 0 --count 100 --interval 0.01 >/dev/null 2>&1 &
HOLD=$!
sleep 0.2
"$FEED" --shm "$UNIT" --offset 0 >/dev/null 2>"$D/busy.err"
rc=$?
wait "$HOLD"
check "a second writer on SHM unit $UNIT is refused as 'unit in use'" \
	sh -c "[ $rc -eq 1 ] && grep -q 'unit in use' '$D/busy.err'"
"$FEED" --shm 300 --offset 0 >/dev/null 2>"$D/flag.err"
check "a bad flag is named in the error (exit 2)" \
	sh -c "[ $? -eq 2 ] && grep -q -- '--shm: 300 outside 0..255' '$D/flag.err'"
sleep 1.2 # let chronyd's filter drop those zero samples before the measured sequence

# Measured sequences: every SHM sample waits until chronyd has taken it (--wait-read).
check "feed SHM unit $UNIT" sh -c "'$FEED' --shm $UNIT --offsets $OFFSETS --interval 0.1 \
	--wait-read >'$D/shm.out'"
check "feed SOCK" sh -c "'$FEED' --sock '$D/chrony.sock' --offsets $OFFSETS --interval 0.1 \
	>'$D/sock.out'"
sleep 0.3

# raw offsets chronyd logged for a refid, in order; skip the filtered ("-") lines
logged() { awk -v r="$1" '$3 == r && $4 ~ /^[0-9]+$/ { print $7 }' "$D/refclocks.log"; }
# the last N logged raw offsets for refid $1 against the sent list in file $2 (one per line,
# scaled by $3 and shifted by $4): prints the max |difference|, fails if any > TOL or the
# count differs
compare() {
	n=$(wc -l <"$2")
	logged "$1" | tail -n "$n" >"$D/logged.$1"
	awk -v s="$3" -v d="$4" '{ printf "%.12g\n", $1 * s + d }' "$2" | paste - "$D/logged.$1" |
		awk -v tol="$TOL" -v n="$n" '
		NF == 2 { c++; x = $1 - $2; if (x < 0) x = -x; if (x > m) m = x }
		END { printf "%d of %d, max |sent - raw| = %.3g s\n", c, n, m; exit !(c == n && m <= tol) }'
}
sent() { awk '$1 == "sample" { print $4 }' "$1"; }
sent "$D/shm.out" >"$D/shm.sent"
sent "$D/sock.out" >"$D/sock.sent"
NSENT=$(echo "$OFFSETS" | tr ',' '\n' | wc -l)

for src in shm:TSHM sock:TSOC; do
	f=${src%%:*}
	r=${src#*:}
	check "$f: all $NSENT offsets were sent" [ "$(wc -l <"$D/$f.sent")" -eq "$NSENT" ]
	if res=$(compare "$r" "$D/$f.sent" 1 0); then
		ok "$f: chrony's raw offsets equal the sent ones within $TOL s ($res)"
	else
		fail "$f: chrony's raw offsets differ from the sent ones ($res)"
		echo "    sent:   $(tr '\n' ' ' <"$D/$f.sent")"
		echo "    logged: $(tr '\n' ' ' <"$D/logged.$r")"
	fi
	# negative checks: the same comparison catches a value off by 2 µs and a flipped sign
	if compare "$r" "$D/$f.sent" 1 2e-6 >/dev/null; then
		fail "$f: negative check: offsets shifted by 2 µs were accepted"
	else
		ok "$f: negative check: offsets shifted by 2 µs do not match"
	fi
	if compare "$r" "$D/$f.sent" -1 0 >/dev/null; then
		fail "$f: negative check: negated offsets were accepted"
	else
		ok "$f: negative check: negated offsets do not match"
	fi
done

# Meaning of the sign, from chrony's side: with a steady raw offset of +20 ms (reference ahead),
# `chronyc sources` must report the local clock 20 ms behind the source ("Last sample" -20ms,
# "positive offsets indicate that the local clock is ahead of the source").
"$FEED" --sock "$D/chrony.sock" --offset 0.02 --count 10 --interval 0.25 >/dev/null
last=$(chronyc -n -h "$D/chronyd.sock" sources 2>&1 | awk '$2 == "TSOC" { sub(/\[.*/, "", $7); print $7 }')
check "sign: chronyc sees the system clock 20 ms behind after +0.02 s samples (Last sample: $last)" \
	sh -c "case '$last' in -20ms*) true ;; *) false ;; esac"

# Leap indicator: column 5 of refclocks.log is '+' (insert) / '-' (delete) / 'N' (none).
lastleap() { awk -v r="$1" '$3 == r && $4 ~ /^[0-9]+$/ { l = $5 } END { print l }' "$D/refclocks.log"; }
"$FEED" --sock "$D/chrony.sock" --offset 0.02 --leap 1 >/dev/null
"$FEED" --shm "$UNIT" --offset 0.02 --leap 2 --wait-read >/dev/null
sleep 0.2
check "leap: SOCK leap 1 logged as '+' ($(lastleap TSOC))" [ "$(lastleap TSOC)" = "+" ]
check "leap: SHM leap 2 logged as '-' ($(lastleap TSHM))" [ "$(lastleap TSHM)" = "-" ]

KAFTER=$(kclock)
if [ -n "$KBEFORE" ]; then
	check "kernel clock frequency/tick untouched ($KBEFORE -> $KAFTER)" [ "$KBEFORE" = "$KAFTER" ]
fi
check "chronyd still running at the end" kill -0 "$CPID"
finish
