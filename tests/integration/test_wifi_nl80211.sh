#!/bin/sh
# wifi_tstamp nl80211 (ptpd-wl/wifi/wifi_nl80211.c) without Wi-Fi hardware: ptpd-wl with
# network_transport wifi, wifi_mode tm and the nl80211 source on an interface that has no
# nl80211 (a veth in a private network namespace) must fail cleanly: exit code 1 (a port whose
# transport cannot open), no crash or hang, and a message naming the cause (the kernel has no
# nl80211 / the interface is not an nl80211 one). Combinations that cannot work are refused by
# the config check before anything opens (exit code 1, the reason named).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
P=$BIN/ptpd-wl
[ -x "$P" ] || { fail "$P not built"; finish; exit 1; }
[ "$(id -u)" -eq 0 ] || skip_all "needs root (a private network namespace)"
unshare -n true 2>/dev/null || skip_all "unshare -n not available"
T=$(mktemp -d /tmp/tsync-test-wifinl.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT # unshare -n: the namespace and its veth go with the process

# free_running 1 on CLOCK_REALTIME: nothing is ever adjusted
conf() { # file, extra keys
	printf '[global]\nnetwork_transport wifi\nfree_running 1\nwifi_peer 02:00:00:00:00:01\n%s\n' \
		"$2" >"$1"
}
run() { # conf log: ptpd-wl on veth v0 in a fresh namespace, its exit code
	timeout 20 unshare -n sh -c "ip link add v0 type veth peer name v1 && ip link set v0 up &&
		exec $P -f $1 -i v0 -m" >"$2" 2>&1
	echo $?
}

conf "$T/nl.conf" "wifi_tstamp nl80211
wifi_mode tm"
rc=$(run "$T/nl.conf" "$T/nl.log")
sed 's/^/    /' "$T/nl.log" | tail -n 3
check "exit code 1 when the nl80211 source cannot open (rc=$rc; 124: hang, >128: crash)" \
	[ "$rc" = 1 ]
check "the message names wifi_tstamp nl80211, the interface and the cause" \
	grep -Eq "wifi_tstamp nl80211: v0: (the kernel has no nl80211|not an nl80211)" "$T/nl.log"
check "no sanitizer or crash report" sh -c "! grep -Eq 'Sanitizer|runtime error|core dumped' $T/nl.log"

conf "$T/ptp.conf" "wifi_tstamp nl80211"
rc=$(run "$T/ptp.conf" "$T/ptp.log")
check "wifi_tstamp nl80211 without wifi_mode tm refused by the config check (rc=$rc)" \
	sh -c "[ $rc = 1 ] && grep -q 'wifi_tstamp nl80211 needs wifi_mode tm' $T/ptp.log"
conf "$T/med.conf" "wifi_tstamp nl80211
wifi_mode tm
wifi_medium $T/none.sock"
rc=$(run "$T/med.conf" "$T/med.log")
check "wifi_tstamp nl80211 with the emulated medium refused, naming why (rc=$rc)" \
	sh -c "[ $rc = 1 ] && grep -q 'the emulated medium (wifi_medium) has none' $T/med.log"
finish
