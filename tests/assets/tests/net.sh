#!/bin/sh
# net: the virtio-net card behind "-netdev user" gets 10.0.2.15 by DHCP
# (busybox udhcpc), the gateway 10.0.2.2 answers ping, and, when the kernel
# command line has bringup.net.port=N, a TCP connection to 10.0.2.2:N reaches
# the host's 127.0.0.1:N through slirp's NAT and carries one line; with
# bringup.net.fwd=M, the guest serves one line on TCP port M for the host to
# fetch through hostfwd=tcp::HOSTPORT-:M.
# On failure: the reason goes to $BRINGUP_REASON, exit 1 (see /init).
fail() {
	echo "net: $*"
	echo "$*" >"${BRINGUP_REASON:-/dev/null}"
	exit 1
}

ifc=
for d in /sys/class/net/*; do
	[ -e "$d/device" ] && ifc=${d##*/} && break
done
[ -n "$ifc" ] || fail "no network card (virtio_net not loaded?)"
ip link set lo up
ip link set "$ifc" up || fail "cannot bring $ifc up"

# udhcpc only reports; this script applies the lease
cat >/tmp/udhcpc.sh <<'SCRIPT'
#!/bin/sh
case $1 in
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
	echo "$ip" >/tmp/lease
	;;
esac
exit 0
SCRIPT
chmod +x /tmp/udhcpc.sh
udhcpc -i "$ifc" -n -q -t 5 -T 3 -s /tmp/udhcpc.sh || fail "udhcpc: no lease on $ifc"
lease=$(cat /tmp/lease 2>/dev/null)
echo "net: $ifc leased $lease"
[ "$lease" = 10.0.2.15 ] || fail "leased '$lease', expected 10.0.2.15"
ping -c 1 -W 5 10.0.2.2 >/dev/null || fail "the gateway 10.0.2.2 does not answer ping"
echo "net: 10.0.2.2 answers ping"

port=
fwd=
set -f
# shellcheck disable=SC2013 # words, not lines
for arg in $(cat /proc/cmdline); do
	case $arg in
	bringup.net.port=*) port=${arg#bringup.net.port=} ;;
	bringup.net.fwd=*) fwd=${arg#bringup.net.fwd=} ;;
	esac
done
set +f
if [ -n "$port" ]; then
	echo "BRINGUP-NET-HELLO from $lease" | nc -w 5 10.0.2.2 "$port" ||
		fail "nc 10.0.2.2 $port failed"
	echo "net: sent a line to 10.0.2.2:$port"
fi
if [ -n "$fwd" ]; then
	echo "BRINGUP-NET-FWD from $lease" | timeout 120 nc -l -p "$fwd" &
	pid=$!
	sleep 1
	echo "net: serving a line on port $fwd"
	wait "$pid" || fail "nobody fetched the line on port $fwd (hostfwd)"
	echo "net: the host fetched the line on port $fwd"
fi
exit 0
