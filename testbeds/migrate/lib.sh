# tsvmm control helpers for migration tests, benches and the demo (POSIX sh; source it with
# $V set to the tsvmm binary).
#   ctl SOCK JSON...          send control lines, print the replies (errors silenced)
#   jget JSON KEY             first numeric or string value of "KEY" in one line of JSON
#   wait_guest SOCK [MIN=2] [TIMEOUT_S=5]   until the guest reported more than MIN samples
#                             (it filled its memory and runs its loop)
#   wait_mig SOCK [TICKS=300] until query-migrate leaves setup/active/device (or the socket is
#                             gone); prints the last reply; TICKS of 50 ms
#   wait_exit PID [TIMEOUT_S=10]  until the process is gone (needs testbeds/netns.sh)

ctl() { "$V" ctl "$@" 2>/dev/null; }

jget() { echo "$1" | sed -n "s/.*\"$2\": \"*\([^,\"}]*\).*/\1/p" | head -n 1; }

wait_guest() {
	_t=$(( ${3:-5} * 20 ))
	while [ $_t -gt 0 ]; do
		_s=$(ctl "$1" '{"execute":"query-status"}')
		[ "$(jget "$_s" samples)" -gt "${2:-2}" ] 2>/dev/null && return 0
		sleep 0.05
		_t=$((_t - 1))
	done
	return 1
}

wait_mig() {
	_t=${2:-300}
	while [ $_t -gt 0 ]; do
		_q=$(ctl "$1" '{"execute":"query-migrate"}') || return 0
		case $(jget "$_q" status) in
		completed | failed | cancelled) echo "$_q"; return 0 ;;
		esac
		sleep 0.05
		_t=$((_t - 1))
	done
	return 1
}

wait_exit() {
	_t=$(( ${2:-10} * 20 ))
	while bed_alive "$1" && [ $_t -gt 0 ]; do
		sleep 0.05
		_t=$((_t - 1))
	done
	! bed_alive "$1"
}
