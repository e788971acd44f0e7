// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: tsvmm evacuate's VM argument (vmm/manager/evac_spec.c evac_spec_parse:
 * SRC_SOCK=DST_ADDR:PORT[,DST_SOCK][@NETNS]) and its --link-stats NETNS:DEV
 * (evac_link_spec_parse).
 * Properties: an accepted argument has a non-empty source path and address, a port in
 * 1 .. 65535, no quote or backslash in the address and no '/' in the namespace, every field
 * NUL-terminated within its array; a refusal says "bad VM" and why.
 */
#include <string.h>

#include "manager/evac_spec.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[600], err[400];
	struct evac_spec o;
	if (size >= sizeof(spec))
		return 0;
	memcpy(spec, data, size);
	spec[size] = 0;
	err[0] = 0;
	if (!evac_spec_parse(spec, &o, err, sizeof(err))) {
		FUZZ_CHECK(memchr(o.src, 0, sizeof(o.src)) && o.src[0]);
		FUZZ_CHECK(memchr(o.dst_addr, 0, sizeof(o.dst_addr)) && o.dst_addr[0]);
		FUZZ_CHECK(memchr(o.dst_sock, 0, sizeof(o.dst_sock)));
		FUZZ_CHECK(memchr(o.netns, 0, sizeof(o.netns)) && !strchr(o.netns, '/'));
		FUZZ_CHECK(!strpbrk(o.dst_addr, "\"\\"));
		FUZZ_CHECK(o.dst_port >= 1);
	} else {
		FUZZ_CHECK(!strncmp(err, "bad VM '", 8));
	}
	struct evac_link_spec l;
	err[0] = 0;
	if (!evac_link_spec_parse(spec, &l, err, sizeof(err))) {
		FUZZ_CHECK(memchr(l.netns, 0, sizeof(l.netns)) && l.netns[0] &&
		           !strchr(l.netns, '/'));
		FUZZ_CHECK(memchr(l.dev, 0, sizeof(l.dev)) && l.dev[0] && !strchr(l.dev, '/') &&
		           !strchr(l.dev, ':'));
	} else {
		FUZZ_CHECK(!strncmp(err, "bad --link-stats '", 18));
	}
	return 0;
}
