/* SPDX-License-Identifier: MIT */
/* Internals shared by config.c (table, storage, getters) and config_parse.c (text). */
#ifndef TSYNC_CONFIG_PRIVATE_H
#define TSYNC_CONFIG_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include "tsync/config.h"

union cfg_value {
	long long i;
	unsigned long long u;
	double d;
	char *s; /* owned */
};

struct cfg_val {
	bool set;
	union cfg_value v;
};

struct cfg_section {
	char *name;           /* NULL for [global] */
	struct cfg_val *file; /* n entries: values from files */
	struct cfg_val *opt;  /* n entries: command-line overrides */
};

struct config {
	const struct config_item *items;
	struct config_item *owned; /* config_create_parts: the joined table (== items) */
	size_t n;
	struct cfg_section global;
	struct cfg_section **secs; /* interface sections, declaration order */
	size_t nsec, cap;
};

/* Index of name in the table, or -1. */
long cfg_find(const struct config *cfg, const char *name);
/* Section by name (NULL or "global" = global); create it when asked. NULL if absent/ENOMEM. */
struct cfg_section *cfg_section(struct config *cfg, const char *name, bool create);

/*
 * Store text as the value of item idx in sec (opt: override layer). where prefixes errors
 * ("file:12", "line 12", "option '--x=1'"). Checks scope, type and range. 0 or -errno.
 */
int cfg_store(struct config *cfg, struct cfg_section *sec, long idx, bool opt, const char *text,
              const char *where, struct config_error *err);

/* err->msg = "where: <fmt>"; tolerates err == NULL. */
void cfg_error(struct config_error *err, const char *where, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
