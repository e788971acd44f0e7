# tsync test-bench helpers: network namespaces joined by veth pairs (POSIX sh; source it).
#
#   . testbeds/netns.sh
#   bed_trap                                  # bed_cleanup on EXIT, INT, TERM (call once)
#   bed_ns_add a; bed_ns_add b                # namespaces "${BED_PREFIX}a", "${BED_PREFIX}b"
#   bed_link a veth0 10.0.0.1 b veth0 10.0.0.2  # veth pair, IPv4 (/24 unless given), up
#   bed_netem a veth0 "delay 200us 50us loss 1%"  # tc netem on an egress (bed_has_netem:
#                                             # some kernels lack sch_netem, this one does)
#   bed_exec b ip addr                        # run a command inside a namespace
#   bed_bg b /tmp/out ptp4l -i veth0 ...      # background process, stdout+stderr to a file
#   bed_switch sw; bed_port a eth1 10.0.1.1 sw; bed_port b eth1 10.0.1.2 sw  # via a bridge
#   bed_relay_link a e0 10.0.2.1 b e0 10.0.2.2 mid "--delay 200us --jitter 50us --loss 1%"
#                                             # through a user-space link emulator (no netem)
#   bed_cleanup                               # kill bg processes, delete namespaces
#
# Names: every namespace gets the prefix BED_PREFIX (default "tsb-<pid>-"), so parallel runs do
# not collide; veth ends are created directly inside their namespaces, so the interface names
# (IF1, IF2) only need to be unique within a namespace. `bed_ns NAME` prints the full name.
# IPv6: duplicate address detection is off in every namespace, so the link-local address
# (fe80::/64 from the MAC) is usable as soon as the link is up.
# Shared by all namespaces (not isolated): /dev/shm (vclocks, chrony SHM), the filesystem and
# the one host clock (CLOCK_REALTIME, CLOCK_MONOTONIC_RAW): use BED_PREFIX in shared-memory
# names and remove them yourself.
# Functions return non-zero on failure and print "bed: ..." on stderr.

BED_PREFIX=${BED_PREFIX:-tsb-$$-}
BED_NSLIST=""
BED_PIDS=""
BED_PORTS=0

bed_ns() { # NAME -> full namespace name
	echo "$BED_PREFIX$1"
}

bed_err() {
	echo "bed: $*" >&2
	return 1
}

bed_ns_add() { # NAME
	_n=$(bed_ns "$1")
	ip netns add "$_n" || bed_err "cannot create namespace $_n" || return 1
	BED_NSLIST="$BED_NSLIST $_n"
	ip -n "$_n" link set lo up
	ip netns exec "$_n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null 2>&1
	return 0
}

# bed_addr NS IF ADDR: ADDR without a prefix length gets /24 (IPv4) or /64 (IPv6).
bed_addr() {
	_a=$3
	case "$_a" in
	*/*) ;;
	*:*) _a="$_a/64" ;;
	*) _a="$_a/24" ;;
	esac
	ip -n "$(bed_ns "$1")" addr add "$_a" dev "$2" nodad 2>/dev/null ||
		ip -n "$(bed_ns "$1")" addr add "$_a" dev "$2" ||
		bed_err "cannot add $_a to $1/$2"
}

bed_link() { # NS1 IF1 ADDR1 NS2 IF2 ADDR2 (ADDR "-" for none)
	[ $# -eq 6 ] || bed_err "usage: bed_link NS1 IF1 ADDR1 NS2 IF2 ADDR2" || return 1
	_n1=$(bed_ns "$1")
	_n2=$(bed_ns "$4")
	ip -n "$_n1" link add "$2" type veth peer name "$5" netns "$_n2" ||
		bed_err "cannot create veth $1/$2 <-> $4/$5" || return 1
	[ "$3" = - ] || bed_addr "$1" "$2" "$3" || return 1
	[ "$6" = - ] || bed_addr "$4" "$5" "$6" || return 1
	ip -n "$_n1" link set "$2" up && ip -n "$_n2" link set "$5" up || return 1
	bed_link_wait "$1" "$2" && bed_link_wait "$4" "$5"
}

# bed_link_wait NS IF [TIMEOUT_S=3]: wait until IF is operational with its IPv6 link-local
# address. The kernel reports veth carrier changes through linkwatch, up to 1 s late; until
# then IPv6 has no multicast route on the link (received multicast counts as Ip6InNoRoutes).
bed_link_wait() {
	_t=$(( ${3:-3} * 20 ))
	while [ "$_t" -gt 0 ]; do
		ip -n "$(bed_ns "$1")" -6 addr show dev "$2" scope link 2>/dev/null |
			grep -q 'inet6 fe80' && return 0
		sleep 0.05
		_t=$((_t - 1))
	done
	bed_err "$1/$2: link not up with an IPv6 link-local address after ${3:-3} s"
}

bed_switch() { # NS [BRIDGE]: a namespace holding a bridge (default name br0)
	bed_ns_add "$1" || return 1
	ip -n "$(bed_ns "$1")" link add "${2:-br0}" type bridge &&
		ip -n "$(bed_ns "$1")" link set "${2:-br0}" up
}

bed_port() { # NS IF ADDR SWITCH_NS [BRIDGE]: veth from NS/IF to a new port of the bridge
	BED_PORTS=$((BED_PORTS + 1))
	_p="p$BED_PORTS"
	bed_link "$1" "$2" "$3" "$4" "$_p" - || return 1
	ip -n "$(bed_ns "$4")" link set "$_p" master "${5:-br0}"
}

bed_netem() { # NS IF "netem arguments"
	# shellcheck disable=SC2086
	ip netns exec "$(bed_ns "$1")" tc qdisc replace dev "$2" root netem $3 ||
		bed_err "tc netem '$3' on $1/$2 failed"
}

bed_has_netem() { # true if this kernel has sch_netem (some test kernels are built without it)
	_n=tsb-netem-probe-$$
	ip netns add "$_n" 2>/dev/null || return 1
	ip -n "$_n" link set lo up
	ip netns exec "$_n" tc qdisc add dev lo root netem delay 1us >/dev/null 2>&1
	_r=$?
	ip netns del "$_n"
	return $_r
}

# bed_relay_link NS1 IF1 ADDR1 NS2 IF2 ADDR2 MID "tsync-netem args": like bed_link, but through
# a middle namespace MID where tsync-netem (a user-space link emulator: delay, jitter, loss,
# rate, per-direction delay for asymmetry) forwards frames; for kernels without sch_netem.
# "a" is the NS1 side: --delay-ab applies from NS1 to NS2. Needs $BIN/tsync-netem.
bed_relay_link() {
	[ $# -eq 8 ] || bed_err "usage: bed_relay_link NS1 IF1 ADDR1 NS2 IF2 ADDR2 MID ARGS" || return 1
	bed_ns_add "$7" || return 1
	bed_link "$1" "$2" "$3" "$7" ra - || return 1
	bed_link "$7" rb - "$4" "$5" "$6" || return 1
	# shellcheck disable=SC2086
	bed_bg "$7" "${BED_RELAY_LOG:-/dev/null}" "${BIN:-build/bin}/tsync-netem" --a ra --b rb $8
	BED_RELAYPID=$BED_LASTPID
	sleep 0.2
	bed_alive "$BED_RELAYPID" || bed_err "tsync-netem did not start in $7"
}

bed_exec() { # NS cmd...
	_n=$(bed_ns "$1")
	shift
	ip netns exec "$_n" "$@"
}

bed_bg() { # NS OUTFILE cmd...: start in the background, remember the pid (in $BED_LASTPID)
	_n=$(bed_ns "$1")
	_o=$2
	shift 2
	ip netns exec "$_n" "$@" >"$_o" 2>&1 &
	BED_LASTPID=$!
	BED_PIDS="$BED_PIDS $BED_LASTPID"
}

bed_wait_for() { # FILE PATTERN [TIMEOUT_S=5]: wait until FILE has a line matching PATTERN
	_t=$(( ${3:-5} * 20 ))
	while [ "$_t" -gt 0 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		_t=$((_t - 1))
	done
	bed_err "timed out waiting for '$2' in $1"
}

bed_alive() { # PID: running (not a zombie waiting to be reaped)
	[ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

bed_stop() { # PID...: TERM, re-sent until gone (a TERM that lands between fork and exec of a
	# background job is swallowed by the inherited trap), KILL after 2 s
	_t=40
	while :; do
		_alive=""
		for _p in "$@"; do
			bed_alive "$_p" && _alive="$_alive $_p"
		done
		[ -n "$_alive" ] || return 0
		_t=$((_t - 1))
		_sig=TERM
		[ "$_t" -gt 0 ] || _sig=KILL
		for _p in $_alive; do
			kill -s "$_sig" "$_p" 2>/dev/null
		done
		[ "$_sig" = KILL ] && return 0
		sleep 0.05
	done
}

bed_cleanup() { # stop what bed_bg started, delete every namespace this run made
	# shellcheck disable=SC2086
	bed_stop $BED_PIDS
	for _p in $BED_PIDS; do
		wait "$_p" 2>/dev/null
	done
	BED_PIDS=""
	for _n in $BED_NSLIST; do
		# processes left inside (started with bed_exec ... &) would keep it alive
		# shellcheck disable=SC2046
		bed_stop $(ip netns pids "$_n" 2>/dev/null)
		ip netns del "$_n" 2>/dev/null
	done
	BED_NSLIST=""
}

bed_trap() { # run bed_cleanup on exit and on INT/TERM (then exit 130/143)
	trap 'bed_cleanup' EXIT
	trap 'bed_cleanup; trap - EXIT; exit 130' INT
	trap 'bed_cleanup; trap - EXIT; exit 143' TERM
}
