#!/bin/sh
# Migration benches (issue 5 item 8) and the evacuate comparison (item 7); results go to
# bench/migrate-compare.md by hand. Usage: bench/migrate-compare.sh [BUILD] (root, /dev/kvm).
# Links between two namespaces: "10g" (unshaped veth), "1g" (TBF 1 Gbit/s on both egresses),
# "wan" (100 Mbit/s, 20 ms RTT through tsync-netem: this kernel has no sch_netem).
# Matrix (kept small so it finishes in a few minutes; the table says what ran):
#   256 MiB dup-rich, low dirty, 1g: tsvmm none/zero/dup/disk/compress/all + QEMU
#   256 MiB dup-rich, high dirty, 1g; 1 GiB dup-rich, low dirty, 1g; 256 MiB on 10g and wan:
#   tsvmm none/all + QEMU
#   evacuate: 4 x 64 MiB, 400 Mbit/s budget on 1g: controller, sequential, all
# QEMU rows are skipped with a reason when qemu-system-x86 is absent.
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
BIN=$BUILD/bin
V=$BIN/tsvmm
. testbeds/netns.sh
. testbeds/migrate/qemu.sh
TMP=$(mktemp -d)
trap 'bed_cleanup; rm -rf "$TMP"' EXIT
trap 'bed_cleanup; rm -rf "$TMP"; trap - EXIT; exit 130' INT TERM
[ -c /dev/kvm ] && [ "$(id -u)" -eq 0 ] || { echo "needs root and /dev/kvm"; exit 1; }
QREASON=$(qemu_available) && HAVEQ=1 || HAVEQ=0
KHZ=$(qemu_tsc_khz)
head -c 32M /dev/urandom >"$TMP/disk.img"
PROFILE="zero=0.4,dup=0.2,disk=0.1,random=0.3"           # 70 % zero/dup/disk pages
QPROFILE="zero=400 dup=200 disk=100 random=300"          # disk pages are unique under QEMU
A=10.83.0.1
B=10.83.0.2
PORT=5000

link() { # 10g | 1g | wan
	bed_cleanup
	bed_ns_add a && bed_ns_add b || exit 1
	case $1 in
	wan) # tsync-netem forwards MTU-sized frames: no GSO/TSO/GRO super-frames on its path
		bed_relay_link a veth0 $A b veth0 $B m "--delay 10ms --rate 100mbit" || exit 1
		for x in "a veth0" "b veth0" "m ra" "m rb"; do
			# shellcheck disable=SC2086
			set -- $x
			bed_exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1
		done ;;
	*) bed_link a veth0 $A b veth0 $B || exit 1 ;;
	esac
	if [ "$1" = 1g ]; then
		bed_exec a tc qdisc replace dev veth0 root tbf rate 1gbit burst 1mb latency 50ms
		bed_exec b tc qdisc replace dev veth0 root tbf rate 1gbit burst 1mb latency 50ms
	fi
}
. testbeds/migrate/lib.sh # ctl, jget, wait_guest
row() { printf '| %-5s | %-6s | %-5s | %-9s | %9s | %9s | %11s | %s\n' "$@"; }

tsvmm_run() { # LINK MEM WSS RATE MODE
	PORT=$((PORT + 1))
	g="--mem $2 --disk $TMP/disk.img --profile $PROFILE --wss $3 --dirty-rate $4"
	# shellcheck disable=SC2086
	bed_bg b "$TMP/dst" "$V" run $g --migrate-plaintext --control "$TMP/dsock" --incoming "$B:$PORT"
	d=$BED_LASTPID
	# shellcheck disable=SC2086
	bed_bg a "$TMP/src" "$V" run $g --migrate-plaintext --control "$TMP/ssock"
	s=$BED_LASTPID
	if bed_wait_for "$TMP/dst" "waiting for a migration" 5 && wait_guest "$TMP/ssock" 5 30; then
		ctl "$TMP/ssock" "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"mode\":\"$5\",\"downtime-limit\":100}}" >/dev/null
		ctl "$TMP/ssock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:$B:$PORT\"}}" >/dev/null
		_t=2400
		while bed_alive "$s" && [ $_t -gt 0 ]; do sleep 0.05; _t=$((_t - 1)); done
	fi
	l=$(grep 'completed: downtime' "$TMP/src")
	tot=$(echo "$l" | sed -n 's/.*total \([0-9.]*\) ms.*/\1/p')
	dn=$(echo "$l" | sed -n 's/.*downtime \([0-9.]*\) ms.*/\1/p')
	by=$(echo "$l" | sed -n 's/.* \([0-9]*\) bytes.*/\1/p')
	row "$1" "$2" "$4" "tsvmm $5" "${tot:-fail}" "${dn:-fail}" "${by:-fail}" "|"
	bed_stop "$s" "$d"
}

qemu_run() { # LINK MEM_MB WSS RATE
	if [ $HAVEQ -eq 0 ]; then
		row "$1" "${2}M" "$4" "QEMU" "skipped" "" "" "| $QREASON"
		return
	fi
	PORT=$((PORT + 1))
	mkdir -p "$TMP/q"
	r=$(qemu_migrate a b $B $PORT "$2" "wss=$3 rate=$4 tsc_khz=$KHZ $QPROFILE" 100 "$TMP/q")
	row "$1" "${2}M" "$4" "QEMU 7.2" "$(echo "$r" | sed -n 's/.*total_ms=\([0-9]*\).*/\1/p')" \
		"$(echo "$r" | sed -n 's/.*downtime_ms=\([0-9]*\).*/\1/p')" \
		"$(echo "$r" | sed -n 's/.*bytes=\([0-9]*\).*/\1/p')" \
		"| guest ran after: $(echo "$r" | sed -n 's/.*hb_after=\([0-9]*\).*/\1/p') heartbeats, gap $(echo "$r" | sed -n 's/.*gap_ms=\([0-9.]*\).*/\1/p') ms"
}

echo "## migration: total time, downtime, bytes (downtime limit 100 ms; profile $PROFILE)"
echo "guest TSC $KHZ kHz; QEMU: $([ $HAVEQ -eq 1 ] && $QEMU_BIN --version | head -n 1 || echo "$QREASON")"
row link mem "dirty" vmm total_ms down_ms bytes "|"
row ----- ------ ----- --------- --------- --------- ----------- "|"
link 1g
for m in none zero dup disk compress all; do tsvmm_run 1g 256M 4096 1000 $m; done
qemu_run 1g 256 4096 1000
for m in none all; do tsvmm_run 1g 256M 16384 20000 $m; done
qemu_run 1g 256 16384 20000
for m in none all; do tsvmm_run 1g 1G 4096 1000 $m; done
qemu_run 1g 1024 4096 1000
link 10g
for m in none all; do tsvmm_run 10g 256M 4096 1000 $m; done
qemu_run 10g 256 4096 1000
link wan
for m in none all; do tsvmm_run wan 256M 4096 1000 $m; done
qemu_run wan 256 4096 1000

echo
echo "## evacuate: 4 x 64 MiB guests, mode all, budget 400 Mbit/s on the 1g link"
link 1g
for pol in controller sequential all; do
	args=""
	pids=""
	for i in 0 1 2 3; do
		PORT=$((PORT + 1))
		g="--mem 64M --profile zero=0.5,dup=0.2,random=0.3 --wss 2048 --dirty-rate $((1000 + 4000 * i))"
		# shellcheck disable=SC2086
		bed_bg b "$TMP/e.d$i" "$V" run $g --migrate-plaintext --control "$TMP/e.dsock$i" --incoming "$B:$PORT"
		pids="$pids $BED_LASTPID"
		# shellcheck disable=SC2086
		bed_bg a "$TMP/e.s$i" "$V" run $g --migrate-plaintext --control "$TMP/e.ssock$i"
		pids="$pids $BED_LASTPID"
		bed_wait_for "$TMP/e.d$i" "waiting for a migration" 5
		wait_guest "$TMP/e.ssock$i" 5 30
		args="$args $TMP/e.ssock$i=$B:$PORT,$TMP/e.dsock$i"
	done
	echo "\$ tsvmm evacuate --budget 400Mbit --policy $pol --mode all SRC=DST... (x4)"
	# shellcheck disable=SC2086
	bed_exec a "$V" evacuate --budget 400Mbit --policy $pol --mode all $args | grep -v '^vm [0-9]'
	# shellcheck disable=SC2086
	bed_stop $pids
done
echo
echo "## evacuate simulator (seed 1): score = makespan + mean duration"
"$V" evacuate --simulate all
