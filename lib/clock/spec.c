// SPDX-License-Identifier: MIT
/* Clock specs: "sys", "phc[:DEV]", "vclock:NAME", "sim" -> struct tclock_spec, and opening one. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock_private.h"
#include "tsync/vclock.h"

static const char *const kinds[] = {"sys", "phc", "vclock", "sim"};

int tclock_spec_parse(const char *s, struct tclock_spec *out, char *err, size_t errlen)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	size_t klen = colon ? (size_t)(colon - s) : (s ? strlen(s) : 0);
	const char *arg = colon ? colon + 1 : NULL;
	unsigned i;

	if (!s || !*s) {
		snprintf(err, errlen,
		         "empty clock spec (expected sys, phc:/dev/ptpN, vclock:NAME or "
		         "sim)");
		return -EINVAL;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i]) == klen && !strncmp(s, kinds[i], klen))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		snprintf(err, errlen,
		         "clock spec '%s': unknown clock type '%.*s' (expected sys, phc, vclock or "
		         "sim)",
		         s, (int)klen, s);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->type = (enum tclock_type)i;
	if (out->type == TCLOCK_SYS || out->type == TCLOCK_SIM) {
		if (arg) {
			snprintf(err, errlen, "clock spec '%s': %s takes no argument", s, kinds[i]);
			return -EINVAL;
		}
		return 0;
	}
	if (out->type == TCLOCK_VCLOCK && (!arg || !*arg)) {
		snprintf(err, errlen, "clock spec '%s': vclock needs a name (vclock:NAME)", s);
		return -EINVAL;
	}
	if (out->type == TCLOCK_PHC && arg && !*arg) {
		snprintf(err, errlen, "clock spec '%s': empty PHC device after 'phc:'", s);
		return -EINVAL;
	}
	if (arg && strlen(arg) >= sizeof(out->name)) {
		snprintf(err, errlen, "clock spec '%s': name longer than %zu characters", s,
		         sizeof(out->name) - 1);
		return -EINVAL;
	}
	if (out->type == TCLOCK_VCLOCK) {
		char path[128];
		if (vclock_path(arg, path, sizeof(path))) {
			snprintf(err, errlen, "clock spec '%s': bad vclock name '%s'", s, arg);
			return -EINVAL;
		}
	}
	if (out->type == TCLOCK_PHC && arg && arg[0] != '/') {
		snprintf(err, errlen, "clock spec '%s': PHC device must be a path (phc:/dev/ptpN)",
		         s);
		return -EINVAL;
	}
	if (arg)
		snprintf(out->name, sizeof(out->name), "%s", arg);
	return 0;
}

const char *tclock_spec_str(const struct tclock_spec *spec, char *buf, size_t len)
{
	const char *k = (unsigned)spec->type < 4 ? kinds[spec->type] : "?";
	if (spec->name[0])
		snprintf(buf, len, "%s:%s", k, spec->name);
	else
		snprintf(buf, len, "%s", k);
	return buf;
}

struct tclock *tclock_spec_open(const struct tclock_spec *spec, char *err, size_t errlen)
{
	char s[96];
	struct tclock *c;

	tclock_spec_str(spec, s, sizeof(s));
	if (spec->type == TCLOCK_SIM || (spec->type == TCLOCK_PHC && !spec->name[0])) {
		snprintf(err, errlen, "clock %s: cannot be opened by name here", s);
		errno = EINVAL;
		return NULL;
	}
	c = tclock_create(spec->type, spec->name[0] ? spec->name : NULL);
	if (!c) {
		int e = errno;
		if (spec->type == TCLOCK_VCLOCK)
			snprintf(err, errlen, "vclock %s: %s", spec->name, vclock_strerror(-e));
		else if (spec->type == TCLOCK_PHC)
			snprintf(err, errlen, "cannot open PHC %s: %s", spec->name, strerror(e));
		else
			snprintf(err, errlen, "cannot open the local clock: %s", strerror(e));
		errno = e;
	}
	return c;
}
