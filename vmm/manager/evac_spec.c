// SPDX-License-Identifier: MIT
/* tsvmm evacuate: parse one VM argument (see evac_spec.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager/evac_spec.h"

static int bad(char *err, size_t len, const char *spec, const char *what)
{
	snprintf(err, len, "bad VM '%.200s': %s (SRC_SOCK=DST_ADDR:PORT[,DST_SOCK][@NETNS])", spec,
	         what);
	return -1;
}

/* Copy [p, p + n) into dst (size cap) as a string; -1 if it does not fit or is empty. */
static int part(char *dst, size_t cap, const char *p, size_t n)
{
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, p, n);
	dst[n] = 0;
	return 0;
}

int evac_spec_parse(const char *spec, struct evac_spec *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	const char *eq = strchr(spec, '=');
	if (!eq)
		return bad(err, errlen, spec, "no '='");
	if (part(o->src, sizeof(o->src), spec, (size_t)(eq - spec)))
		return bad(err, errlen, spec, "source socket path empty or too long");
	const char *end = eq + strlen(eq), *at = strrchr(eq, '@');
	if (at) {
		if (part(o->netns, sizeof(o->netns), at + 1, (size_t)(end - at - 1)) ||
		    strchr(o->netns, '/'))
			return bad(err, errlen, spec,
			           "namespace after '@' empty, too long or with '/'");
		end = at;
	}
	const char *comma = memchr(eq, ',', (size_t)(end - eq));
	if (comma) {
		if (part(o->dst_sock, sizeof(o->dst_sock), comma + 1, (size_t)(end - comma - 1)))
			return bad(err, errlen, spec, "destination socket path empty or too long");
		end = comma;
	}
	const char *colon = NULL;
	for (const char *p = eq + 1; p < end; p++)
		if (*p == ':')
			colon = p;
	if (!colon)
		return bad(err, errlen, spec, "no ':PORT' after the address");
	if (part(o->dst_addr, sizeof(o->dst_addr), eq + 1, (size_t)(colon - eq - 1)) ||
	    strpbrk(o->dst_addr, "\"\\"))
		return bad(err, errlen, spec,
		           "destination address empty, too long or with a quote or backslash");
	char port[8];
	char *pe;
	if (part(port, sizeof(port), colon + 1, (size_t)(end - colon - 1)))
		return bad(err, errlen, spec, "port missing or too long");
	long v = strtol(port, &pe, 10);
	if (*pe || v <= 0 || v > 65535)
		return bad(err, errlen, spec, "port not a number in 1 .. 65535");
	o->dst_port = (uint16_t)v;
	return 0;
}

int evac_link_spec_parse(const char *spec, struct evac_link_spec *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	const char *colon = strrchr(spec, ':');
	const char *why =
	        !colon ? "no ':DEV'"
	        : part(o->netns, sizeof(o->netns), spec, (size_t)(colon - spec)) ||
	                        strchr(o->netns, '/')
	                ? "namespace empty, too long or with '/'"
	        : part(o->dev, sizeof(o->dev), colon + 1, strlen(colon + 1)) || strchr(o->dev, '/')
	                ? "device empty, longer than 15 or with '/'"
	                : NULL;
	if (why)
		snprintf(err, errlen, "bad --link-stats '%.200s': %s (NETNS:DEV)", spec, why);
	return why ? -1 : 0;
}
