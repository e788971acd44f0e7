/* SPDX-License-Identifier: MIT */
/*
 * Typed config table: validation, storage per section, value parsing, getters.
 * The text syntax (files, --key=value) lives in config_parse.c.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tsync/config.h"
#include "tsync/log.h"
#include "config_private.h"

void cfg_error(struct config_error *err, const char *where, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (!err)
		return;
	len = snprintf(err->msg, sizeof(err->msg), "%s: ", where);
	if (len < 0 || (size_t)len >= sizeof(err->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg + len, sizeof(err->msg) - len, fmt, ap);
	va_end(ap);
}

long cfg_find(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (!strcmp(cfg->items[i].name, name))
			return (long)i;
	return -1;
}

static bool enum_has_value(const struct config_enum *e, long long v)
{
	for (; e->name; e++)
		if (e->value == v)
			return true;
	return false;
}

static bool item_valid(const struct config_item *it)
{
	if (!it->name || !it->name[0])
		return false;
	switch (it->type) {
	case CFG_TYPE_INT:
	case CFG_TYPE_BOOL:
		return it->min_i <= it->max_i && it->def_i >= it->min_i && it->def_i <= it->max_i;
	case CFG_TYPE_UINT:
		return it->min_u <= it->max_u && it->def_u >= it->min_u && it->def_u <= it->max_u;
	case CFG_TYPE_DOUBLE:
		return it->min_d <= it->max_d && it->def_d >= it->min_d && it->def_d <= it->max_d;
	case CFG_TYPE_STRING:
		return true;
	case CFG_TYPE_ENUM:
		return it->enums && it->enums[0].name && enum_has_value(it->enums, it->def_i);
	}
	return false;
}

static int section_init(struct cfg_section *s, const char *name, size_t n)
{
	s->name = name ? strdup(name) : NULL;
	s->file = calloc(n ? n : 1, sizeof(*s->file));
	s->opt = calloc(n ? n : 1, sizeof(*s->opt));
	if ((name && !s->name) || !s->file || !s->opt)
		return -ENOMEM;
	return 0;
}

static void vals_free(const struct config *cfg, struct cfg_val *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < cfg->n; i++)
		if (cfg->items[i].type == CFG_TYPE_STRING && v[i].set)
			free(v[i].v.s);
	free(v);
}

static void section_fini(const struct config *cfg, struct cfg_section *s)
{
	vals_free(cfg, s->file);
	vals_free(cfg, s->opt);
	free(s->name);
}

struct config *config_create(const struct config_item *table, size_t n)
{
	struct config *cfg;

	for (size_t i = 0; i < n; i++) {
		if (!item_valid(&table[i]))
			goto einval;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(table[i].name, table[j].name))
				goto einval;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	cfg->items = table;
	cfg->n = n;
	if (section_init(&cfg->global, NULL, n))
		goto fail;
	return cfg;
fail:
	config_destroy(cfg);
	errno = ENOMEM;
	return NULL;
einval:
	errno = EINVAL;
	return NULL;
}

struct config *config_create_parts(const struct config_part *parts, size_t nparts)
{
	struct config_item *all;
	struct config *cfg;
	size_t n = 0, k = 0;

	for (size_t i = 0; i < nparts; i++)
		n += parts[i].n;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return NULL;
	for (size_t i = 0; i < nparts; i++)
		for (size_t j = 0; j < parts[i].n; j++)
			all[k++] = parts[i].items[j];
	cfg = config_create(all, n);
	if (!cfg) {
		int e = errno;
		free(all);
		errno = e;
		return NULL;
	}
	cfg->owned = all;
	return cfg;
}

void config_destroy(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nsec; i++) {
		section_fini(cfg, cfg->secs[i]);
		free(cfg->secs[i]);
	}
	free(cfg->secs);
	section_fini(cfg, &cfg->global);
	free(cfg->owned);
	free(cfg);
}

static bool is_global_name(const char *name)
{
	return !name || !strcmp(name, "global");
}

static struct cfg_section *find_section(const struct config *cfg, const char *name)
{
	if (is_global_name(name))
		return (struct cfg_section *)&cfg->global;
	for (size_t i = 0; i < cfg->nsec; i++)
		if (!strcmp(cfg->secs[i]->name, name))
			return cfg->secs[i];
	return NULL;
}

struct cfg_section *cfg_section(struct config *cfg, const char *name, bool create)
{
	struct cfg_section *s = find_section(cfg, name), **secs;

	if (s || !create)
		return s;
	if (cfg->nsec == cfg->cap) {
		size_t cap = cfg->cap ? 2 * cfg->cap : 4;
		secs = realloc(cfg->secs, cap * sizeof(*secs));
		if (!secs)
			return NULL;
		cfg->secs = secs;
		cfg->cap = cap;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (section_init(s, name, cfg->n)) {
		section_fini(cfg, s);
		free(s);
		return NULL;
	}
	cfg->secs[cfg->nsec++] = s;
	return s;
}

int config_add_section(struct config *cfg, const char *name)
{
	if (!name || !name[0] || is_global_name(name))
		return -EINVAL;
	return cfg_section(cfg, name, true) ? 0 : -ENOMEM;
}

size_t config_section_count(const struct config *cfg)
{
	return cfg->nsec;
}

const char *config_section_name(const struct config *cfg, size_t i)
{
	return i < cfg->nsec ? cfg->secs[i]->name : NULL;
}

bool config_has_section(const struct config *cfg, const char *name)
{
	return name && !is_global_name(name) && find_section(cfg, name);
}

bool config_has_key(const struct config *cfg, const char *name)
{
	return name && cfg_find(cfg, name) >= 0;
}

const struct config_item *config_item(const struct config *cfg, const char *name)
{
	long i = name ? cfg_find(cfg, name) : -1;
	return i < 0 ? NULL : &cfg->items[i];
}

/* Decimal or 0x hex, whole string. 0, -EINVAL (syntax), -ERANGE (overflow). */
static int parse_ll(const char *s, long long *out)
{
	const char *p = s;
	char *end;
	int base = 10;

	if (*p == '+' || *p == '-')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16;
	if (!*p || *p == ' ')
		return -EINVAL;
	errno = 0;
	*out = strtoll(s, &end, base);
	if (*end || end == s)
		return -EINVAL;
	return errno == ERANGE ? -ERANGE : 0;
}

static int parse_ull(const char *s, unsigned long long *out)
{
	char *end;
	int base = 10;

	if (s[0] == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	if (!(s[0] >= '0' && s[0] <= '9'))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, base);
	if (*end)
		return -EINVAL;
	return errno == ERANGE ? -ERANGE : 0;
}

static int parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || isnan(*out))
		return -EINVAL;
	if (errno == ERANGE || isinf(*out))
		return -ERANGE;
	return 0;
}

static int parse_bool(const char *s, long long *out)
{
	static const char *const yes[] = {"1", "true", "on", "yes"};
	static const char *const no[] = {"0", "false", "off", "no"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

static void enum_names(const struct config_enum *e, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; e->name && used < len; e++) {
		int k = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", e->name);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

static int bad_value(const struct config_item *it, const char *text, const char *where,
                     struct config_error *err)
{
	static const char *const expect[] = {
	        [CFG_TYPE_INT] = "integer",   [CFG_TYPE_UINT] = "unsigned integer",
	        [CFG_TYPE_DOUBLE] = "number", [CFG_TYPE_BOOL] = "0/1, true/false, on/off",
	        [CFG_TYPE_STRING] = "string", [CFG_TYPE_ENUM] = "enum",
	};
	char names[160];

	if (it->type == CFG_TYPE_ENUM) {
		enum_names(it->enums, names, sizeof(names));
		cfg_error(err, where, "bad value '%.40s' for '%.40s' (expected one of: %s)", text,
		          it->name, names);
	} else {
		cfg_error(err, where, "bad value '%.40s' for '%.40s' (expected %s)", text, it->name,
		          expect[it->type]);
	}
	return -EINVAL;
}

static int out_of_range(const struct config_item *it, const char *text, const char *where,
                        struct config_error *err)
{
	switch (it->type) {
	case CFG_TYPE_INT:
		cfg_error(err, where, "value %.40s out of range [%lld, %lld] for '%.40s'", text,
		          it->min_i, it->max_i, it->name);
		break;
	case CFG_TYPE_UINT:
		cfg_error(err, where, "value %.40s out of range [%llu, %llu] for '%.40s'", text,
		          it->min_u, it->max_u, it->name);
		break;
	default:
		cfg_error(err, where, "value %.40s out of range [%g, %g] for '%.40s'", text,
		          it->min_d, it->max_d, it->name);
		break;
	}
	return -EINVAL;
}

/* Text -> value for item it. Strings are duplicated into out->s. */
static int parse_value(const struct config_item *it, const char *text, union cfg_value *out,
                       const char *where, struct config_error *err)
{
	int rc;

	switch (it->type) {
	case CFG_TYPE_INT:
		rc = parse_ll(text, &out->i);
		if (rc == -EINVAL)
			return bad_value(it, text, where, err);
		if (rc || out->i < it->min_i || out->i > it->max_i)
			return out_of_range(it, text, where, err);
		return 0;
	case CFG_TYPE_UINT:
		rc = parse_ull(text, &out->u);
		if (rc == -EINVAL)
			return bad_value(it, text, where, err);
		if (rc || out->u < it->min_u || out->u > it->max_u)
			return out_of_range(it, text, where, err);
		return 0;
	case CFG_TYPE_DOUBLE:
		rc = parse_double(text, &out->d);
		if (rc == -EINVAL)
			return bad_value(it, text, where, err);
		if (rc || out->d < it->min_d || out->d > it->max_d)
			return out_of_range(it, text, where, err);
		return 0;
	case CFG_TYPE_BOOL:
		return parse_bool(text, &out->i) ? bad_value(it, text, where, err) : 0;
	case CFG_TYPE_ENUM:
		for (const struct config_enum *e = it->enums; e->name; e++) {
			if (!strcmp(e->name, text)) {
				out->i = e->value;
				return 0;
			}
		}
		return bad_value(it, text, where, err);
	case CFG_TYPE_STRING:
		out->s = strdup(text);
		if (!out->s) {
			cfg_error(err, where, "out of memory");
			return -ENOMEM;
		}
		return 0;
	}
	return bad_value(it, text, where, err);
}

int cfg_store(struct config *cfg, struct cfg_section *sec, long idx, bool opt, const char *text,
              const char *where, struct config_error *err)
{
	const struct config_item *it = &cfg->items[idx];
	struct cfg_val *slot = opt ? &sec->opt[idx] : &sec->file[idx];
	union cfg_value v = {0};
	int rc;

	if (sec->name && it->scope != CFG_SCOPE_PORT) {
		cfg_error(err, where, "key '%.60s' not allowed in section [%.60s]", it->name,
		          sec->name);
		return -EINVAL;
	}
	rc = parse_value(it, text, &v, where, err);
	if (rc)
		return rc;
	if (it->type == CFG_TYPE_STRING && slot->set)
		free(slot->v.s);
	slot->v = v;
	slot->set = true;
	return 0;
}

/* The winning value for (section, idx): see the precedence in config.h. */
static const struct cfg_val *lookup(const struct config *cfg, const char *section, long idx,
                                    enum config_source *src)
{
	const struct cfg_section *s = is_global_name(section) ? NULL : find_section(cfg, section);
	const struct cfg_section *g = &cfg->global;

	*src = CFG_SRC_OPTION;
	if (s && s->opt[idx].set)
		return &s->opt[idx];
	if (g->opt[idx].set)
		return &g->opt[idx];
	*src = CFG_SRC_FILE;
	if (s && s->file[idx].set)
		return &s->file[idx];
	if (g->file[idx].set)
		return &g->file[idx];
	*src = CFG_SRC_DEFAULT;
	return NULL;
}

/* Item idx for a getter, or -1 after logging the bug. */
static long getter_item(const struct config *cfg, const char *name, unsigned types)
{
	long idx = name ? cfg_find(cfg, name) : -1;

	if (idx < 0) {
		pr_err("bug: config key '%s' is not in the table", name ? name : "(null)");
		return -1;
	}
	if (!(types & (1u << cfg->items[idx].type))) {
		pr_err("bug: config key '%s' read with the wrong type", name);
		return -1;
	}
	return idx;
}

#define INTEGRAL_TYPES                                                                             \
	((1u << CFG_TYPE_INT) | (1u << CFG_TYPE_UINT) | (1u << CFG_TYPE_BOOL) |                    \
	 (1u << CFG_TYPE_ENUM))

long long config_get_i64(const struct config *cfg, const char *section, const char *name)
{
	long idx = getter_item(cfg, name, INTEGRAL_TYPES);
	const struct config_item *it;
	const struct cfg_val *v;
	enum config_source src;

	if (idx < 0)
		return 0;
	it = &cfg->items[idx];
	v = lookup(cfg, section, idx, &src);
	if (it->type == CFG_TYPE_UINT)
		return (long long)(v ? v->v.u : it->def_u);
	return v ? v->v.i : it->def_i;
}

unsigned long long config_get_u64(const struct config *cfg, const char *section, const char *name)
{
	return (unsigned long long)config_get_i64(cfg, section, name);
}

int config_get_int(const struct config *cfg, const char *section, const char *name)
{
	long long v = config_get_i64(cfg, section, name);

	if (v > INT_MAX)
		return INT_MAX;
	if (v < INT_MIN)
		return INT_MIN;
	return (int)v;
}

bool config_get_bool(const struct config *cfg, const char *section, const char *name)
{
	return config_get_i64(cfg, section, name) != 0;
}

double config_get_double(const struct config *cfg, const char *section, const char *name)
{
	long idx = getter_item(cfg, name, 1u << CFG_TYPE_DOUBLE);
	const struct cfg_val *v;
	enum config_source src;

	if (idx < 0)
		return 0.0;
	v = lookup(cfg, section, idx, &src);
	return v ? v->v.d : cfg->items[idx].def_d;
}

const char *config_get_string(const struct config *cfg, const char *section, const char *name)
{
	long idx = getter_item(cfg, name, 1u << CFG_TYPE_STRING);
	const struct cfg_val *v;
	enum config_source src;

	if (idx < 0)
		return NULL;
	v = lookup(cfg, section, idx, &src);
	return v ? v->v.s : cfg->items[idx].def_s;
}

enum config_source config_source(const struct config *cfg, const char *section, const char *name)
{
	long idx = name ? cfg_find(cfg, name) : -1;
	enum config_source src = CFG_SRC_DEFAULT;

	if (idx >= 0)
		lookup(cfg, section, idx, &src);
	return src;
}
