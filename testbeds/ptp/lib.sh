# PTP bench helpers (POSIX sh; source after testbeds/netns.sh). Used by testbeds/ptp/bench-*.sh.
#
#   ptp_init                      private temp dir ($PTP_DIR), traps: everything below is undone
#                                 on exit (namespaces, daemons, vclocks, SHM segments, files)
#   ptp_vclock NAME ARGS...       create vclock "$BED_PREFIX$NAME" (tsync-vclock create ARGS),
#                                 prints its full name
#   ptpd_start NS NAME ARGS...    build/bin/ptpd-wl in NS, log $PTP_DIR/NAME.log, management
#                                 socket $PTP_DIR/NAME.uds; pid in $BED_LASTPID
#   ptp4l_start NS NAME CFG ARGS...  linuxptp's ptp4l with config text CFG, log $PTP_DIR/NAME.log
#   ptp_offsets LOG [FROM_S]      the "master offset" values of a ptp4l/ptpd-wl log, one a line,
#                                 from FROM_S seconds after its first line
#   ptp_stats                     stdin numbers -> "n=N rms=R mean=M max=X" (ns)
#   ptp_cpu_rss PID               "cpu_s=C rss_kb=R" of a running process
# PTP_KEEP=1 keeps $PTP_DIR for inspection.
BIN=${BIN:-${BUILD:-build}/bin}
PTP_VCLOCKS=""
PTP_SHM=""

ptp_cleanup() {
	bed_cleanup
	# ptp_vclock usually runs in a $(...) subshell: its names are kept in a file
	for _v in $PTP_VCLOCKS $(cat "$PTP_DIR/.vclocks" 2>/dev/null); do
		"$BIN/tsync-vclock" remove "$_v" 2>/dev/null
	done
	PTP_VCLOCKS=""
	for _k in $PTP_SHM; do
		ipcrm -M "$_k" 2>/dev/null
	done
	PTP_SHM=""
	if [ -n "$PTP_DIR" ] && [ -z "$PTP_KEEP" ]; then
		rm -rf "$PTP_DIR"
	fi
}

ptp_init() {
	PTP_DIR=$(mktemp -d /tmp/tsync-ptp.XXXXXX) || return 1
	chmod 700 "$PTP_DIR"
	trap 'ptp_cleanup' EXIT
	trap 'ptp_cleanup; trap - EXIT; exit 130' INT
	trap 'ptp_cleanup; trap - EXIT; exit 143' TERM
}

ptp_vclock() {
	_vn="$BED_PREFIX$1"
	shift
	"$BIN/tsync-vclock" create "$_vn" "$@" >/dev/null || return 1
	PTP_VCLOCKS="$PTP_VCLOCKS $_vn"
	echo "$_vn" >>"$PTP_DIR/.vclocks"
	echo "$_vn"
}

ptp_shm_cleanup_unit() { # UNIT: remove its segment on exit
	PTP_SHM="$PTP_SHM $(printf '0x%08x' $((0x4e545030 + $1)))"
}

ptpd_start() {
	_ns=$1
	_name=$2
	shift 2
	bed_bg "$_ns" "$PTP_DIR/$_name.log" "$BIN/ptpd-wl" -m -q \
		--uds_address="$PTP_DIR/$_name.uds" "$@"
}

ptp4l_start() {
	_ns=$1
	_name=$2
	printf '[global]\n%s\n' "$3" >"$PTP_DIR/$_name.cfg"
	shift 3
	bed_bg "$_ns" "$PTP_DIR/$_name.log" ptp4l -f "$PTP_DIR/$_name.cfg" -m -q "$@"
}

ptp_offsets() {
	awk -v from="${2:-0}" '
	{ t = $1; sub(/^[^[]*\[/, "", t); sub(/\].*/, "", t); t += 0 }
	NR == 1 { t0 = t }
	/master offset/ && t - t0 >= from {
		for (i = 1; i <= NF; i++) if ($i == "offset") { print $(i + 1); break }
	}' "$1"
}

ptp_stats() {
	awk '{ n++; s += $1; s2 += $1 * $1; a = $1 < 0 ? -$1 : $1; if (a > m) m = a }
	END { if (n) printf "n=%d rms=%.0f mean=%.0f max=%.0f\n", n, sqrt(s2 / n), s / n, m;
	      else print "n=0 rms=nan mean=nan max=nan" }'
}

ptp_cpu_rss() {
	[ -r "/proc/$1/stat" ] || { echo "cpu_s=nan rss_kb=nan"; return; }
	_tck=$(getconf CLK_TCK)
	_cpu=$(awk -v t="$_tck" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat")
	_rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$1/status")
	echo "cpu_s=$_cpu rss_kb=$_rss"
}

# kv KEY LINE: the value of KEY=value in LINE
kv() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
