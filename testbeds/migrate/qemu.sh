# QEMU baseline for the migration benches (POSIX sh; source it after testbeds/netns.sh).
#
#   . testbeds/netns.sh; . testbeds/migrate/qemu.sh
#   qemu_migrate SRC_NS DST_NS DST_ADDR PORT MEM_MB "GUEST_CMDLINE" DOWNTIME_MS OUTDIR
#       -> prints "qemu total_ms=T downtime_ms=D bytes=B setup_ms=S hb_after=N gap_ms=G"
#
# Runs Debian's QEMU (qemu-system-x86_64 -accel kvm, qboot firmware: ~0.15 s to the payload)
# on the multiboot build of the tsvmm guest payload ($BUILD/guest/tsvmm-guest-mb.elf: same
# fill profile and dirtying loop; its cmdline takes wss= rate= zero= dup= random= tsc_khz=
# in permille / pages). The source boots in SRC_NS, an incoming QEMU waits in DST_NS
# (-incoming tcp:DST_ADDR:PORT); once the guest runs its loop (a heartbeat on its serial
# port), QMP (build/bin/tsync-qmp) sets downtime-limit and max-bandwidth (unlimited: the
# link decides, as for tsvmm) and migrates; query-migrate gives total time, downtime and
# bytes. The destination's serial must show new heartbeats: the guest runs after the move
# (hb_after), and gap_ms is the largest TSC gap the guest reported there (its stop).
# Needs: qemu-system-x86_64 and /usr/share/qemu/qboot.rom (qemu_available says why not).
# Optional (storage): QEMU_SRC_ARGS / QEMU_DST_ARGS are more arguments of the source's /
# destination's QEMU (e.g. a -drive and its -device), QEMU_MIG_ARGS more members of the
# migrate command (e.g. ,"blk":true,"inc":true: QEMU 7.2's block migration).
# QEMU_MIRROR=full|top (storage without shared storage: blockdev-mirror to an NBD export):
# both QEMUs name their drive "d0" (-drive ...,id=d0); the destination, while it waits for
# the migration, exports d0 writable over NBD (nbd-server-start on DST_ADDR:QEMU_NBD_PORT,
# default PORT+1000; nbd-server-add); the source opens that export (blockdev-add, driver
# nbd) and runs blockdev-mirror of d0 to it (sync full: every block; top: only what the
# source's top layer, a qcow2 overlay, allocates), waits until the job is ready
# (query-block-jobs), sets the capability pause-before-switchover and migrates RAM; in
# state pre-switchover (the source's vCPUs stopped, no device state sent yet, its disk
# still active) block-job-cancel ends the ready job, which first writes the blocks still
# dirty to the target, then migrate-continue completes the switch; then the destination
# stops its NBD server. So the destination's guest never runs before its disk holds the
# source's last write; the cancel is part of the downtime. QEMU_MIRROR_CANCEL=after: the
# order of QEMU's iotest 194 instead (no pause: cancel once the migration completed, while
# the destination may already run; safe only when the guest did not write at the end).
# The output line then also carries mirror_ready_ms (mirror start to ready), mirror_len
# (the job's bytes) and cancel_ms (the cancel to the job gone).

QEMU_BIN=${QEMU_BIN:-qemu-system-x86_64}
QEMU_BIOS=${QEMU_BIOS:-/usr/share/qemu/qboot.rom}

qemu_available() { # prints the reason and fails when QEMU cannot be used
	command -v "$QEMU_BIN" >/dev/null 2>&1 || { echo "$QEMU_BIN not installed (apt-get install qemu-system-x86)"; return 1; }
	[ -r "$QEMU_BIOS" ] || { echo "$QEMU_BIOS missing (qemu-system-data)"; return 1; }
	[ -c /dev/kvm ] || { echo "no /dev/kvm"; return 1; }
	[ -r "${BUILD:-build}/guest/tsvmm-guest-mb.elf" ] || { echo "guest-mb not built"; return 1; }
}

# the guest TSC rate in kHz, as tsvmm reads it from KVM (the multiboot guest cannot)
qemu_tsc_khz() {
	"${BIN:-build/bin}/tsvmm" run --mem 64M --duration 0.01 2>/dev/null |
		sed -n 's/.*TSC \([0-9]*\) kHz.*/\1/p' | head -n 1
}

_qjget() { # JSON KEY -> first value of "KEY"
	echo "$1" | sed -n "s/.*\"$2\": \"*\([^,\"}]*\).*/\1/p" | head -n 1
}

qemu_start() { # NS OUTDIR TAG MEM_MB CMDLINE [extra args]
	_qns=$1 _qo=$2 _tag=$3 _mem=$4 _cmd=$5
	shift 5
	rm -f "$_qo/$_tag.qmp" "$_qo/$_tag.ser"
	bed_bg "$_qns" "$_qo/$_tag.log" "$QEMU_BIN" -accel kvm -m "$_mem" -bios "$QEMU_BIOS" \
		-kernel "${BUILD:-build}/guest/tsvmm-guest-mb.elf" -append "$_cmd" \
		-nographic -nodefaults -vga none -serial "file:$_qo/$_tag.ser" \
		-qmp "unix:$_qo/$_tag.qmp,server=on,wait=off" "$@"
}

qemu_migrate() {
	_sn=$1 _dn=$2 _da=$3 _port=$4 _mem=$5 _cmd=$6 _dl=$7 _qo=$8
	_qmp="${BIN:-build/bin}/tsync-qmp"
	# shellcheck disable=SC2086
	qemu_start "$_dn" "$_qo" qdst "$_mem" "$_cmd" -incoming "tcp:$_da:$_port" ${QEMU_DST_ARGS:-}
	_dpid=$BED_LASTPID
	# shellcheck disable=SC2086
	qemu_start "$_sn" "$_qo" qsrc "$_mem" "$_cmd" ${QEMU_SRC_ARGS:-}
	_spid=$BED_LASTPID
	bed_wait_for "$_qo/qsrc.ser" "^hb " 60 || { echo "qemu: source guest did not start"; return 1; }
	_t=100
	until [ -S "$_qo/qdst.qmp" ] || [ $_t -eq 0 ]; do sleep 0.05; _t=$((_t - 1)); done
	"$_qmp" "$_qo/qsrc.qmp" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"downtime-limit\":$_dl,\"max-bandwidth\":100000000000}}" >/dev/null ||
		{ echo "qemu: migrate-set-parameters failed"; return 1; }
	_mx=
	if [ -n "${QEMU_MIRROR:-}" ]; then
		_qemu_mirror_start "$_da" "${QEMU_NBD_PORT:-$((_port + 1000))}" "$QEMU_MIRROR" ||
			{ bed_stop "$_spid" "$_dpid"; return 1; }
	fi
	"$_qmp" "$_qo/qsrc.qmp" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$_da:$_port\"${QEMU_MIG_ARGS:-}}}" >/dev/null ||
		{ echo "qemu: migrate failed"; return 1; }
	_t=6000
	while [ $_t -gt 0 ]; do
		_q=$("$_qmp" "$_qo/qsrc.qmp" '{"execute":"query-migrate"}')
		case $(_qjget "$_q" status) in
		completed | failed | cancelled) break ;;
		pre-switchover) # the source stopped, its device state not sent: end the mirror first
			_qemu_mirror_end
			"$_qmp" "$_qo/qsrc.qmp" '{"execute":"migrate-continue","arguments":{"state":"pre-switchover"}}' >/dev/null ;;
		esac
		sleep 0.05
		_t=$((_t - 1))
	done
	if [ -n "${QEMU_MIRROR:-}" ]; then
		[ "${QEMU_MIRROR_CANCEL:-}" = after ] && _qemu_mirror_end
		"$_qmp" "$_qo/qdst.qmp" '{"execute":"nbd-server-stop"}' >/dev/null
	fi
	_hb0=$(grep -c '^hb ' "$_qo/qdst.ser" 2>/dev/null)
	sleep 2.2
	_hb1=$(grep -c '^hb ' "$_qo/qdst.ser" 2>/dev/null)
	_gap=$(sed -n 's/^hb .* max gap \([0-9]*\) us/\1/p' "$_qo/qdst.ser" | sort -n | tail -n 1)
	echo "$_q" >"$_qo/qemu-query-migrate.json"
	echo "qemu status=$(_qjget "$_q" status) total_ms=$(_qjget "$_q" total-time) downtime_ms=$(_qjget "$_q" downtime) bytes=$(_qjget "$_q" transferred) setup_ms=$(_qjget "$_q" setup-time) hb_after=$((_hb1 - _hb0)) gap_ms=$(awk -v g="${_gap:-0}" 'BEGIN { printf "%.1f", g / 1000 }')$_mx"
	bed_stop "$_spid" "$_dpid"
}

_qms() { date +%s%3N; }

# DST_ADDR NBD_PORT SYNC: the destination's export, the source's mirror to it, until ready
_qemu_mirror_start() {
	"$_qmp" "$_qo/qdst.qmp" "{\"execute\":\"nbd-server-start\",\"arguments\":{\"addr\":{\"type\":\"inet\",\"data\":{\"host\":\"$1\",\"port\":\"$2\"}}}}" \
		"{\"execute\":\"nbd-server-add\",\"arguments\":{\"device\":\"d0\",\"writable\":true}}" >"$_qo/nbd.log" 2>&1 ||
		{ echo "qemu: the destination's NBD export failed: $(tail -n 1 "$_qo/nbd.log")"; return 1; }
	_m0=$(_qms)
	"$_qmp" "$_qo/qsrc.qmp" "{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"nbd\",\"node-name\":\"nbd0\",\"server\":{\"type\":\"inet\",\"host\":\"$1\",\"port\":\"$2\"},\"export\":\"d0\"}}" \
		"{\"execute\":\"blockdev-mirror\",\"arguments\":{\"job-id\":\"m0\",\"device\":\"d0\",\"target\":\"nbd0\",\"sync\":\"$3\"}}" >"$_qo/mirror.log" 2>&1 ||
		{ echo "qemu: blockdev-mirror failed: $(tail -n 1 "$_qo/mirror.log")"; return 1; }
	_t=12000
	while [ $_t -gt 0 ]; do
		_j=$("$_qmp" "$_qo/qsrc.qmp" '{"execute":"query-block-jobs"}')
		case $_j in
		*'"ready": true'*) break ;;
		*'"device": "m0"'*) ;;
		*) echo "qemu: the mirror job ended before it was ready: $_j"; return 1 ;;
		esac
		sleep 0.05
		_t=$((_t - 1))
	done
	[ $_t -gt 0 ] || { echo "qemu: the mirror was not ready in 600 s"; return 1; }
	_mx=" mirror_ready_ms=$(($(_qms) - _m0))"
	[ "${QEMU_MIRROR_CANCEL:-}" = after ] ||
		"$_qmp" "$_qo/qsrc.qmp" '{"execute":"migrate-set-capabilities","arguments":{"capabilities":[{"capability":"pause-before-switchover","state":true}]}}' >/dev/null ||
		{ echo "qemu: pause-before-switchover refused"; return 1; }
}

_qemu_mirror_end() { # the source stopped: end the ready job (the target gets its last writes)
	_j=$("$_qmp" "$_qo/qsrc.qmp" '{"execute":"query-block-jobs"}')
	_c0=$(_qms)
	"$_qmp" "$_qo/qsrc.qmp" '{"execute":"block-job-cancel","arguments":{"device":"m0"}}' >/dev/null
	_t=200
	while [ $_t -gt 0 ]; do
		case $("$_qmp" "$_qo/qsrc.qmp" '{"execute":"query-block-jobs"}') in
		*'"device": "m0"'*) ;;
		*) break ;;
		esac
		sleep 0.05
		_t=$((_t - 1))
	done
	_mx="$_mx mirror_len=$(_qjget "$_j" len) cancel_ms=$(($(_qms) - _c0))"
	[ $_t -gt 0 ] || _mx="$_mx mirror_cancel=timeout"
}
