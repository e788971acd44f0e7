# tsvmm control helpers for migration tests, benches and the demo (POSIX sh; source it with
# $V set to the tsvmm binary).
#   ctl SOCK JSON...          send control lines, print the replies (errors silenced)
#   jget JSON KEY             first numeric or string value of "KEY" in one line of JSON
#   wait_guest SOCK [MIN=2] [TIMEOUT_S=5]   until the guest reported more than MIN samples
#                             (it filled its memory and runs its loop)
#   wait_mig SOCK [TICKS=300] until query-migrate leaves setup/active/device (or the socket is
#                             gone); prints the last reply; TICKS of 50 ms
#   wait_exit PID [TIMEOUT_S=10]  until the process is gone (needs testbeds/netns.sh)
#   guest_advances SOCK       the guest runs: status running and its samples grow in 0.3 s
#   mkcerts DIR NAME IP       test X.509 credentials (openssl): DIR/NAME-ca.pem (and .key), and
#                             signed by it DIR/NAME-srv.pem/.key and DIR/NAME-cli.pem/.key for IP
#   storage_pair_start TAG PORT  storage-migration pair (needs $TMP/base.img, $GUEST, $B and
#                             namespaces a, b): the destination in b on a copy of the template,
#                             waiting on $B:PORT (its disk at the switch kept in
#                             $TMP/TAG.switch.img), the source in a on its own copy ($SRC_ENV in
#                             its environment; STORAGE_MOVE=1, the default, first copies 1 MiB of
#                             the template from 8 MiB to 0: the source's own change); serial
#                             consoles in $TMP/TAG.dser and .sser; sets DPID and SPID
#   storage_pair_stop TAG     quit both, stop what does not exit within 5 s

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

guest_advances() {
	_s1=$(ctl "$1" '{"execute":"query-status"}')
	sleep 0.3
	_s2=$(ctl "$1" '{"execute":"query-status"}')
	[ "$(jget "$_s2" status)" = running ] && [ "$(jget "$_s2" samples)" -gt "$(jget "$_s1" samples)" ] 2>/dev/null
}

mkcerts() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2 CA" \
		-keyout "$1/$2-ca.key" -out "$1/$2-ca.pem" -days 2 \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null || return 1
	printf 'subjectAltName=IP:%s\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" >"$1/$2.ext"
	for _r in srv cli; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2 $_r" \
			-keyout "$1/$2-$_r.key" -out "$1/$2-$_r.csr" 2>/dev/null &&
			openssl x509 -req -in "$1/$2-$_r.csr" -CA "$1/$2-ca.pem" -CAkey "$1/$2-ca.key" \
				-CAcreateserial -days 2 -extfile "$1/$2.ext" -out "$1/$2-$_r.pem" 2>/dev/null || return 1
	done
}

storage_pair_start() {
	cp "$TMP/base.img" "$TMP/$1.src.img"
	[ "${STORAGE_MOVE:-1}" = 1 ] &&
		dd if="$TMP/base.img" of="$TMP/$1.src.img" bs=1M skip=8 count=1 conv=notrunc 2>/dev/null
	cp "$TMP/base.img" "$TMP/$1.dst.img"
	# shellcheck disable=SC2086
	bed_bg b "$TMP/$1.dst" env TSVMM_MIG_DISK_COPY="$TMP/$1.switch.img" "$V" run $GUEST \
		--disk "$TMP/$1.dst.img" --control "$TMP/$1.dsock" --serial "$TMP/$1.dser" --incoming "$B:$2"
	DPID=$BED_LASTPID
	# shellcheck disable=SC2086
	bed_bg a "$TMP/$1.src" env ${SRC_ENV:-TSVMM_NONE=} "$V" run $GUEST --disk "$TMP/$1.src.img" \
		--control "$TMP/$1.ssock" --serial "$TMP/$1.sser"
	SPID=$BED_LASTPID
	bed_wait_for "$TMP/$1.dst" "waiting for a migration" 5 && wait_guest "$TMP/$1.ssock"
}

storage_pair_stop() {
	ctl "$TMP/$1.dsock" '{"execute":"quit"}' >/dev/null
	ctl "$TMP/$1.ssock" '{"execute":"quit"}' >/dev/null
	wait_exit "$DPID" 5 || bed_stop "$DPID"
	wait_exit "$SPID" 5 || bed_stop "$SPID"
}
