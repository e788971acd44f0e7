// SPDX-License-Identifier: MIT
/* Network interface helpers: index, MAC, clockIdentity, addresses (see tsync/net.h). */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "tsync/net.h"
#include "net_private.h"

int net_if_index(const char *iface, int *index)
{
	unsigned i;

	if (!iface || !*iface || strlen(iface) >= IFNAMSIZ)
		return -EINVAL;
	i = if_nametoindex(iface);
	if (!i)
		return errno == ENXIO ? -ENODEV : -errno;
	*index = (int)i;
	return 0;
}

int net_if_mac(const char *iface, uint8_t mac[NET_MAC_LEN])
{
	struct ifreq ifr;
	int fd, err = 0;

	if (!iface || !*iface || strlen(iface) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = errno == ENXIO ? -ENODEV : -errno;
	close(fd);
	if (err)
		return err;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return -EADDRNOTAVAIL;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, NET_MAC_LEN);
	return 0;
}

void net_eui48_to_eui64(const uint8_t mac[NET_MAC_LEN], uint8_t id[NET_EUI64_LEN])
{
	id[0] = mac[0];
	id[1] = mac[1];
	id[2] = mac[2];
	id[3] = 0xFF;
	id[4] = 0xFE;
	id[5] = mac[3];
	id[6] = mac[4];
	id[7] = mac[5];
}

int net_clock_identity(const char *iface, uint8_t id[NET_EUI64_LEN])
{
	uint8_t mac[NET_MAC_LEN];
	int rc = net_if_mac(iface, mac);

	if (rc)
		return rc;
	net_eui48_to_eui64(mac, id);
	return 0;
}

/* Walk getifaddrs() for the first address of family on iface accepted by want(). */
static int find_addr(const char *iface, int family, bool link_local, void *out)
{
	struct ifaddrs *ifa, *i;
	int idx, rc = net_if_index(iface, &idx);

	if (rc)
		return rc;
	if (getifaddrs(&ifa) < 0)
		return -errno;
	rc = -EADDRNOTAVAIL;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family || strcmp(i->ifa_name, iface))
			continue;
		if (family == AF_INET) {
			memcpy(out, &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
			       sizeof(struct in_addr));
			rc = 0;
			break;
		}
		const struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (!!IN6_IS_ADDR_LINKLOCAL(a) != link_local)
			continue;
		memcpy(out, a, sizeof(*a));
		rc = 0;
		break;
	}
	freeifaddrs(ifa);
	return rc;
}

int net_if_ipv4(const char *iface, struct in_addr *addr)
{
	return find_addr(iface, AF_INET, false, addr);
}

int net_if_ipv6(const char *iface, bool link_local, struct in6_addr *addr)
{
	return find_addr(iface, AF_INET6, link_local, addr);
}

char *net_mac_fmt(const uint8_t mac[NET_MAC_LEN], char *buf, unsigned long len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
	         mac[5]);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int net_mac_parse(const char *s, uint8_t mac[NET_MAC_LEN])
{
	uint8_t m[NET_MAC_LEN];

	if (!s)
		return -EINVAL;
	for (int i = 0; i < NET_MAC_LEN; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < NET_MAC_LEN - 1 && *s++ != ':')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	memcpy(mac, m, NET_MAC_LEN);
	return 0;
}

int net_sockopt(int fd, int level, int name, int val, const char *iface, const char *what,
                char *err, size_t errlen)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) == 0)
		return 0;
	int e = errno;
	return net_err(err, errlen, -e, "%s: %s: %s", iface, what, strerror(e));
}
