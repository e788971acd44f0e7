/* SPDX-License-Identifier: MIT */
/*
 * Typed configuration table shared by every daemon (ptp4l-style INI files + --key=value).
 *
 * Each daemon declares one `static const struct config_item table[]` (use the CFG_* macros
 * below) and creates a config from it. Values come from three places, strongest first:
 *
 *   1. command-line overrides (config_set_option / config_set): they win over everything a
 *      file says, in [global] *and* in per-interface sections (an override given for one
 *      section wins for that section only);
 *   2. files / strings (config_read_file / config_read_string): a value in [eth0] wins over
 *      [global] for eth0; a later line wins over an earlier one;
 *   3. the table's default.
 *
 * Lookup for a section (an interface name) falls back to [global], then to the default:
 *   section override > global override > section file value > global file value > default.
 *
 * File syntax (a superset of ptp4l's):
 *   # comment            '#' starts a comment anywhere on a line (values cannot contain '#')
 *   [global]             settings for every port (also the section before any header)
 *   [eth0]               declares the interface eth0; following keys apply to it only (a
 *                        second [eth0] in the same file or string is an error; [global] may
 *                        repeat; an interface also given by -i may have its section)
 *   key value            whitespace separated, like ptp4l;
 *   key = value          also accepted ('=' with optional spaces); ptp4l accepts only the first
 *   Lines may be of any length and end in LF or CRLF. A value is the rest of the line with
 *   surrounding whitespace trimmed (strings may contain inner spaces).
 * Values: INT/UINT decimal or 0x hex (a leading 0 is decimal, not octal); DOUBLE anything
 *   strtod takes except nan/inf (1e-6, 0.5); BOOL 0/1/true/false/on/off/yes/no (any case);
 *   ENUM one of the item's names (case-sensitive, like ptp4l); STRING anything.
 *
 * Errors fill struct config_error with one line naming where and what, for example
 *   "cfg.conf:12: unknown key 'foo'"
 *   "cfg.conf:3: bad value 'x' for 'priority1' (expected integer)"
 *   "cfg.conf:4: value 300 out of range [0, 255] for 'priority1'"
 *   "cfg.conf:7: key 'domainNumber' not allowed in section [eth0]"
 *   "line 9: missing value for 'x'"                  (config_read_string with origin NULL)
 *   "cfg.conf:2: unterminated section header"
 *   "cfg.conf:9: duplicate section [eth0]"
 *   "option '--foo=1': unknown key 'foo'"            (config_set_option)
 * and the call returns -EINVAL (-ENOENT/-EACCES/... from opening a file, -ENOMEM).
 * A failed read may have applied the lines before the bad one; daemons treat any error as fatal.
 *
 * Not thread-safe; a config belongs to the thread that created it.
 */
#ifndef TSYNC_CONFIG_H
#define TSYNC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum config_type {
	CFG_TYPE_INT,    /* long long in [min_i, max_i] */
	CFG_TYPE_UINT,   /* unsigned long long in [min_u, max_u] */
	CFG_TYPE_DOUBLE, /* double in [min_d, max_d] */
	CFG_TYPE_BOOL,   /* 0 or 1 */
	CFG_TYPE_STRING, /* any text, default may be NULL */
	CFG_TYPE_ENUM,   /* one of enums[].name, stored as its value */
};

enum config_scope {
	CFG_SCOPE_GLOBAL, /* only in [global] (or before any section) and on the command line */
	CFG_SCOPE_PORT,   /* also in per-interface sections */
};

struct config_enum {
	const char *name;
	int value;
};

/* One entry of a daemon's table. Fill through the CFG_* macros. */
struct config_item {
	const char *name;
	enum config_type type;
	enum config_scope scope;
	long long def_i, min_i, max_i;          /* INT, BOOL, ENUM (default value) */
	unsigned long long def_u, min_u, max_u; /* UINT */
	double def_d, min_d, max_d;             /* DOUBLE */
	const char *def_s;                      /* STRING */
	const struct config_enum *enums;        /* ENUM: array ending with {NULL, 0} */
};

#define CFG_INT(n, sc, def, lo, hi)                                                                \
	{                                                                                          \
		.name = (n), .type = CFG_TYPE_INT, .scope = (sc), .def_i = (def), .min_i = (lo),   \
		.max_i = (hi)                                                                      \
	}
#define CFG_UINT(n, sc, def, lo, hi)                                                               \
	{                                                                                          \
		.name = (n), .type = CFG_TYPE_UINT, .scope = (sc), .def_u = (def), .min_u = (lo),  \
		.max_u = (hi)                                                                      \
	}
#define CFG_DOUBLE(n, sc, def, lo, hi)                                                             \
	{                                                                                          \
		.name = (n), .type = CFG_TYPE_DOUBLE, .scope = (sc), .def_d = (def),               \
		.min_d = (lo), .max_d = (hi)                                                       \
	}
#define CFG_BOOL(n, sc, def)                                                                       \
	{                                                                                          \
		.name = (n), .type = CFG_TYPE_BOOL, .scope = (sc), .def_i = (def), .min_i = 0,     \
		.max_i = 1                                                                         \
	}
#define CFG_STRING(n, sc, def)                                                                     \
	{                                                                                          \
		.name = (n), .type = CFG_TYPE_STRING, .scope = (sc), .def_s = (def)                \
	}
#define CFG_ENUM(n, sc, def, list)                                                                 \
	{                                                                                          \
		.name = (n), .type = CFG_TYPE_ENUM, .scope = (sc), .def_i = (def), .enums = (list) \
	}

struct config_error {
	char msg[256]; /* "" when no error */
};

struct config;

/*
 * Create a config over a daemon's table (not copied: it must outlive the config).
 * Validates the table: unique non-empty names, defaults inside [min, max], min <= max,
 * ENUM lists non-empty with the default among their values.
 * Returns NULL with errno EINVAL (bad table) or ENOMEM.
 */
struct config *config_create(const struct config_item *table, size_t n);
void config_destroy(struct config *cfg);

/*
 * Table fragments: a library shares its keys (e.g. the discipline engine's servo, clock and
 * export keys, sync.h) as a fragment that any daemon's table includes. config_create_parts
 * joins the fragments in order (copied: the items' strings and enum lists must outlive the
 * config) and validates the whole like config_create: a key in two fragments is an error.
 */
struct config_part {
	const struct config_item *items;
	size_t n;
};
#define CONFIG_PART(array)                                                                         \
	{                                                                                          \
		(array), sizeof(array) / sizeof((array)[0])                                        \
	}
struct config *config_create_parts(const struct config_part *parts, size_t nparts);

/* Parse a file; errors name "path:line". 0 or -errno (see top of file). */
int config_read_file(struct config *cfg, const char *path, struct config_error *err);

/* Parse text of length strlen(text); origin names it in errors ("origin:line: ..."), or NULL
 * for "line N: ...". */
int config_read_string(struct config *cfg, const char *text, const char *origin,
                       struct config_error *err);

/* Parse a buffer of len bytes (may hold NUL bytes, which are an error, never a crash). */
int config_read_buffer(struct config *cfg, const char *buf, size_t len, const char *origin,
                       struct config_error *err);

/*
 * Command-line override: "--key=value", "-key=value" or "key=value", for the global scope
 * (wins over all files, in every section). 0, -EINVAL (unknown key, bad value, no '=').
 */
int config_set_option(struct config *cfg, const char *opt, struct config_error *err);

/* Command-line override of one key for section (NULL = global); value as text. 0 or -EINVAL.
 * A per-section override of a GLOBAL-scope key is refused. Declares the section if new. */
int config_set(struct config *cfg, const char *section, const char *name, const char *value,
               struct config_error *err);

/* Declare an interface section (like "-i eth0" or "[eth0]"); 0 if already there, -EINVAL for
 * "" or "global", -ENOMEM. */
int config_add_section(struct config *cfg, const char *name);

/* Interface sections in the order they were declared ([global] is not one of them). */
size_t config_section_count(const struct config *cfg);
const char *config_section_name(const struct config *cfg, size_t i); /* NULL if i >= count */
bool config_has_section(const struct config *cfg, const char *name);

/* Is name a key of the table? (for tools building getopt_long tables from the config) */
bool config_has_key(const struct config *cfg, const char *name);
const struct config_item *config_item(const struct config *cfg, const char *name);

/*
 * Getters. section: an interface name or NULL for [global]; an unknown section behaves like
 * one that sets nothing (falls back to global). Calling a getter with a name missing from the
 * table or of the wrong type is a bug: it logs "bug: ..." with pr_err and returns 0/NULL.
 *   config_get_int:    INT, UINT, BOOL, ENUM, narrowed to int (tables keep int-range limits
 *                      for items read this way; use config_get_i64/u64 for wider ones)
 *   config_get_string: the stored string (valid until the next set of that key or destroy),
 *                      the default (may be NULL) when unset.
 */
int config_get_int(const struct config *cfg, const char *section, const char *name);
long long config_get_i64(const struct config *cfg, const char *section, const char *name);
unsigned long long config_get_u64(const struct config *cfg, const char *section, const char *name);
double config_get_double(const struct config *cfg, const char *section, const char *name);
bool config_get_bool(const struct config *cfg, const char *section, const char *name);
const char *config_get_string(const struct config *cfg, const char *section, const char *name);

/* Where the value a getter returns came from. */
enum config_source {
	CFG_SRC_DEFAULT,
	CFG_SRC_FILE,
	CFG_SRC_OPTION,
};
enum config_source config_source(const struct config *cfg, const char *section, const char *name);

#endif
