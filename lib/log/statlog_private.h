/* SPDX-License-Identifier: MIT */
/* Shared by the statlog writer (statlog.c) and reader (statlog_read.c). */
#ifndef TSYNC_STATLOG_PRIVATE_H
#define TSYNC_STATLOG_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

/* Is c allowed in a column name or metadata key? */
static inline bool statlog_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/*
 * Check a column spec "name[unit]" or "name" of length len (not NUL-terminated).
 * On success *name_len is the length of the name and the unit (if any) spans
 * spec[name_len + 1 .. len - 2]. Returns false for an invalid spec.
 */
static inline bool statlog_parse_column(const char *spec, size_t len, size_t *name_len)
{
	size_t i = 0;

	while (i < len && statlog_name_char(spec[i]))
		i++;
	*name_len = i;
	if (i == 0)
		return false;
	if (i == len)
		return true;
	if (spec[i] != '[' || spec[len - 1] != ']' || len - i < 3)
		return false;
	for (size_t j = i + 1; j < len - 1; j++)
		if (spec[j] == '[' || spec[j] == ']' || spec[j] == ' ' || spec[j] == '\t' ||
		    (unsigned char)spec[j] < 0x20 || spec[j] == 0x7f)
			return false;
	return true;
}

#endif
