// SPDX-License-Identifier: MIT
/* Acceptable master table: parsing and matching (see accept.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "accept.h"

int ptp_port_id_parse(const char *s, size_t len, struct ptp_port_id *id)
{
	uint8_t b[8];
	unsigned nib = 0;
	size_t i = 0;

	/* 16 hex digits, optionally with '.' after digits 6 and 10 (ptp4l's form) */
	for (; i < len && nib < 16; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.' && (nib == 6 || nib == 10))
			continue;
		if (!isxdigit(ch))
			return -EINVAL;
		int v = isdigit(ch) ? ch - '0' : tolower(ch) - 'a' + 10;
		if (nib & 1)
			b[nib / 2] = (uint8_t)(b[nib / 2] << 4 | v);
		else
			b[nib / 2] = (uint8_t)v;
		nib++;
	}
	if (nib != 16)
		return -EINVAL;
	id->port = 0;
	if (i < len) {
		unsigned long port = 0;
		if (s[i++] != '-' || i == len)
			return -EINVAL;
		for (; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -EINVAL;
			port = port * 10 + (unsigned long)(s[i] - '0');
			if (port > 0xffff)
				return -EINVAL;
		}
		if (!port)
			return -EINVAL;
		id->port = (uint16_t)port;
	}
	memcpy(id->clock.id, b, 8);
	return 0;
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

int accept_table_parse(struct accept_table *t, const char *list, char *err, size_t errlen)
{
	const char *s = list ? list : "";

	memset(t, 0, sizeof(*t));
	while (*s) {
		while (*s && is_sep(*s))
			s++;
		if (!*s)
			break;
		size_t len = 0;
		while (s[len] && !is_sep(s[len]))
			len++;
		struct ptp_port_id id;
		if (ptp_port_id_parse(s, len, &id)) {
			snprintf(err, errlen,
			         "bad entry '%.*s' (expected a clockIdentity like "
			         "001122.fffe.334455, "
			         "optionally -PORT)",
			         (int)(len > 40 ? 40 : len), s);
			return -EINVAL;
		}
		if (t->n == ACCEPT_MAX) {
			snprintf(err, errlen, "more than %d entries", ACCEPT_MAX);
			return -E2BIG;
		}
		t->e[t->n].clock = id.clock;
		t->e[t->n].port = id.port;
		t->n++;
		s += len;
	}
	return 0;
}

bool accept_table_allows(const struct accept_table *t, const struct ptp_port_id *sender)
{
	if (!t->n)
		return true;
	for (unsigned i = 0; i < t->n && i < ACCEPT_MAX; i++)
		if (!ptp_clock_id_cmp(&t->e[i].clock, &sender->clock) &&
		    (!t->e[i].port || t->e[i].port == sender->port))
			return true;
	return false;
}
