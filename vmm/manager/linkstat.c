// SPDX-License-Identifier: MIT
/* tsvmm evacuate: a device's received bytes in its network namespace (see linkstat.h). */
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/socket.h>

#include "manager/linkstat.h"
#include "manager/relay.h"

int linkstat_read(struct linkstat *ls)
{
	int saved, r = relay_netns_enter(ls->spec.netns, &saved);
	if (r)
		return r;
	struct ifaddrs *ifa = NULL;
	r = getifaddrs(&ifa) ? -errno : -ENODEV;
	relay_netns_leave(saved);
	for (struct ifaddrs *i = ifa; r == -ENODEV && i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET || !i->ifa_data ||
		    strcmp(i->ifa_name, ls->spec.dev))
			continue;
		uint32_t now = ((const struct rtnl_link_stats *)i->ifa_data)->rx_bytes;
		if (ls->have)
			ls->total += (uint32_t)(now - ls->last); /* modulo 2^32 */
		ls->last = now;
		ls->have = true;
		r = 0;
	}
	freeifaddrs(ifa);
	return r;
}
