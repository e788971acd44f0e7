// SPDX-License-Identifier: MIT
/* Tagged timestamps: source names and a log description (see tsync/tstamp.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tsync/tstamp.h"

static const char *const names[TS_SRC_COUNT] = {
        [TS_SRC_NONE] = "none", [TS_SRC_SYS] = "sys", [TS_SRC_PHC] = "phc", [TS_SRC_NIC] = "nic",
        [TS_SRC_TSF] = "tsf",   [TS_SRC_TSC] = "tsc", [TS_SRC_SIM] = "sim",
};

const char *ts_source_name(enum ts_source src)
{
	return (unsigned)src < TS_SRC_COUNT ? names[src] : "?";
}

int ts_source_parse(const char *name, enum ts_source *out)
{
	for (unsigned i = 0; name && i < TS_SRC_COUNT; i++) {
		if (!strcmp(name, names[i])) {
			*out = (enum ts_source)i;
			return 0;
		}
	}
	return -EINVAL;
}

char *tsync_ts_describe(const struct tsync_ts *t, char *buf, unsigned long len)
{
	static const struct {
		uint32_t ps;
		const char *unit;
	} units[] = {{1000000000u, "ms"}, {1000000u, "us"}, {1000u, "ns"}, {1u, "ps"}};
	char dev[8] = "";
	unsigned i = 0;

	if (t->src == TS_SRC_NONE) {
		snprintf(buf, len, "none");
		return buf;
	}
	if (t->src == TS_SRC_PHC || t->dev)
		snprintf(dev, sizeof(dev), "%u", (unsigned)t->dev);
	if (!t->res_ps) {
		snprintf(buf, len, "%s%s resolution unknown", ts_source_name(t->src), dev);
		return buf;
	}
	while (t->res_ps % units[i].ps)
		i++; /* the largest unit that divides the resolution: 6400 ps stays "6400 ps" */
	snprintf(buf, len, "%s%s %u %s", ts_source_name(t->src), dev, t->res_ps / units[i].ps,
	         units[i].unit);
	return buf;
}
