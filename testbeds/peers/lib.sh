# Run Debian's unmodified peers (ptp4l, chronyd) on tsync vclocks through the LD_PRELOAD library
# build/lib/libtsync-vclock-preload.so (POSIX sh; source after testbeds/netns.sh and
# testbeds/ptp/lib.sh, after ptp_init).
#
#   peer_ptp4l NS NAME VC CFG ARGS...  ptp4l on vclock VC with config text CFG (software stamps),
#                                      log $PTP_DIR/NAME.log; pid in $BED_LASTPID
#   peer_chronyd NS NAME VC CONF [ARGS...]  chronyd -d -u root (no -x unless in ARGS: it
#                                      steers, and the library puts every step and frequency
#                                      change on VC), log $PTP_DIR/NAME.log
#   peer_real_timex                    "freq=F status=S offset=O" of the real CLOCK_REALTIME
#                                      (adjtimex read, without the library)
PEER_PRELOAD=$(cd "$(dirname "$BIN")" && pwd)/lib/libtsync-vclock-preload.so

peer_ptp4l() {
	_pr_ns=$1
	_pr_name=$2
	_pr_vc=$3
	printf '[global]\n%s\nuds_address %s\n' "$4" "$PTP_DIR/$_pr_name.uds" >"$PTP_DIR/$_pr_name.cfg"
	shift 4
	bed_bg "$_pr_ns" "$PTP_DIR/$_pr_name.log" env TSYNC_VCLOCK="$_pr_vc" LD_PRELOAD="$PEER_PRELOAD" \
		ptp4l -f "$PTP_DIR/$_pr_name.cfg" -m -q "$@"
}

peer_chronyd() {
	_pr_ns=$1
	_pr_name=$2
	_pr_vc=$3
	mkdir -p "$PTP_DIR/$_pr_name.run" && chmod 700 "$PTP_DIR/$_pr_name.run"
	printf '%s\npidfile %s\ncmdport 0\nbindcmdaddress %s\n' "$4" "$PTP_DIR/$_pr_name.run/pid" \
		"$PTP_DIR/$_pr_name.run/sock" >"$PTP_DIR/$_pr_name.conf"
	shift 4
	bed_bg "$_pr_ns" "$PTP_DIR/$_pr_name.log" env TSYNC_VCLOCK="$_pr_vc" LD_PRELOAD="$PEER_PRELOAD" \
		chronyd -d -u root -f "$PTP_DIR/$_pr_name.conf" "$@"
}

peer_real_timex() {
	python3 -c '
import ctypes
class T(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("pad", ctypes.c_long * 30)]
t = T()
ctypes.CDLL(None).adjtimex(ctypes.byref(t))
print("freq=%d status=%d offset=%d" % (t.freq, t.status, t.offset))'
}
