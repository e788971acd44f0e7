/* SPDX-License-Identifier: MIT */
/*
 * Config text: ptp4l-style INI files and --key=value command-line overrides.
 * Syntax and error messages are documented in include/tsync/config.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/config.h"
#include "config_private.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trim whitespace at both ends, in place. */
static char *trim(char *s)
{
	char *e;

	while (is_space(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space(e[-1]))
		*--e = '\0';
	return s;
}

/* Reject NUL and control bytes (tab and CR excepted). Cut the '#' comment. */
static int sanitize(char *line, size_t len, const char *where, struct config_error *err)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '#') {
			line[i] = '\0';
			return 0;
		}
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\v' && c != '\f') || c == 0x7f) {
			cfg_error(err, where, "invalid character 0x%02x at column %zu", c, i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

/* The interface sections headed so far in one buffer: a second [eth0] is an error. */
struct seen {
	struct cfg_section **v;
	size_t n, cap;
};

static int seen_add(struct seen *h, struct cfg_section *sec, const char *where,
                    struct config_error *err)
{
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i] == sec) {
			cfg_error(err, where, "duplicate section [%.60s]", sec->name);
			return -EINVAL;
		}
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		struct cfg_section **v = realloc(h->v, cap * sizeof(*v));
		if (!v) {
			cfg_error(err, where, "out of memory");
			return -ENOMEM;
		}
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n++] = sec;
	return 0;
}

static int parse_header(struct config *cfg, struct cfg_section **sec, struct seen *seen, char *s,
                        const char *where, struct config_error *err)
{
	char *close = strchr(s, ']'), *name;

	if (!close) {
		cfg_error(err, where, "unterminated section header");
		return -EINVAL;
	}
	*close = '\0';
	if (*trim(close + 1)) {
		cfg_error(err, where, "unexpected text after section header");
		return -EINVAL;
	}
	name = trim(s + 1);
	if (!*name) {
		cfg_error(err, where, "empty section name");
		return -EINVAL;
	}
	for (char *p = name; *p; p++) {
		if (is_space(*p) || *p == '[') {
			cfg_error(err, where, "bad section name '%.60s'", name);
			return -EINVAL;
		}
	}
	*sec = cfg_section(cfg, name, true);
	if (!*sec) {
		cfg_error(err, where, "out of memory");
		return -ENOMEM;
	}
	/* [global] may come back (ptp4l allows it); an interface section may not */
	return (*sec)->name ? seen_add(seen, *sec, where, err) : 0;
}

static int parse_setting(struct config *cfg, struct cfg_section *sec, char *s, const char *where,
                         struct config_error *err)
{
	char *key = s, *val = s;
	long idx;

	while (*val && !is_space(*val) && *val != '=')
		val++;
	if (val == key) {
		cfg_error(err, where, "missing key before '='");
		return -EINVAL;
	}
	if (*val == '=') {
		*val++ = '\0';
	} else if (*val) {
		*val++ = '\0';
		while (is_space(*val))
			val++;
		if (*val == '=')
			val++;
	}
	val = trim(val);
	idx = cfg_find(cfg, key);
	if (idx < 0) {
		cfg_error(err, where, "unknown key '%.60s'", key);
		return -EINVAL;
	}
	if (!*val) {
		cfg_error(err, where, "missing value for '%.60s'", key);
		return -EINVAL;
	}
	return cfg_store(cfg, sec, idx, false, val, where, err);
}

int config_read_buffer(struct config *cfg, const char *buf, size_t len, const char *origin,
                       struct config_error *err)
{
	struct cfg_section *sec = &cfg->global;
	struct seen seen = {0};
	char *line = NULL, where[160], *s;
	size_t pos = 0, cap = 0;
	unsigned long lineno = 0;
	int rc = 0;

	if (err)
		err->msg[0] = '\0';
	while (pos < len && !rc) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		lineno++;
		if (l + 1 > cap) {
			char *p = realloc(line, l + 1);
			if (!p) {
				cfg_error(err, origin ? origin : "config", "out of memory");
				rc = -ENOMEM;
				break;
			}
			line = p;
			cap = l + 1;
		}
		memcpy(line, buf + pos, l);
		line[l] = '\0';
		pos += l + (nl ? 1 : 0);
		if (origin)
			snprintf(where, sizeof(where), "%.120s:%lu", origin, lineno);
		else
			snprintf(where, sizeof(where), "line %lu", lineno);

		rc = sanitize(line, l, where, err);
		if (rc)
			break;
		s = trim(line);
		if (!*s)
			continue;
		if (*s == '[')
			rc = parse_header(cfg, &sec, &seen, s, where, err);
		else
			rc = parse_setting(cfg, sec, s, where, err);
	}
	free(line);
	free(seen.v);
	return rc;
}

int config_read_string(struct config *cfg, const char *text, const char *origin,
                       struct config_error *err)
{
	return config_read_buffer(cfg, text, strlen(text), origin, err);
}

/* Whole file into a malloc'd buffer. 0 or -errno. */
static int slurp(FILE *f, char **out, size_t *outlen)
{
	size_t len = 0, cap = 4096, k;
	char *buf = malloc(cap), *p;

	if (!buf)
		return -ENOMEM;
	while ((k = fread(buf + len, 1, cap - len, f)) > 0) {
		len += k;
		if (len == cap) {
			p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		free(buf);
		return -e;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int config_read_file(struct config *cfg, const char *path, struct config_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (err)
		err->msg[0] = '\0';
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		cfg_error(err, path, "cannot open: %s", strerror(-rc));
		return rc;
	}
	errno = 0;
	rc = slurp(f, &buf, &len);
	fclose(f);
	if (rc) {
		cfg_error(err, path, "cannot read: %s", strerror(-rc));
		return rc;
	}
	rc = config_read_buffer(cfg, buf, len, path, err);
	free(buf);
	return rc;
}

int config_set(struct config *cfg, const char *section, const char *name, const char *value,
               struct config_error *err)
{
	struct cfg_section *sec;
	char where[160];
	long idx;

	if (err)
		err->msg[0] = '\0';
	snprintf(where, sizeof(where), "option '--%.60s=%.60s'", name ? name : "",
	         value ? value : "");
	idx = name ? cfg_find(cfg, name) : -1;
	if (idx < 0) {
		cfg_error(err, where, "unknown key '%.60s'", name ? name : "");
		return -EINVAL;
	}
	if (!value || !*value) {
		cfg_error(err, where, "missing value for '%.60s'", name);
		return -EINVAL;
	}
	if (section && *section && strcmp(section, "global")) {
		if (cfg->items[idx].scope != CFG_SCOPE_PORT) {
			cfg_error(err, where, "key '%.60s' not allowed in section [%.60s]", name,
			          section);
			return -EINVAL;
		}
	}
	sec = cfg_section(cfg, section && *section ? section : NULL, true);
	if (!sec) {
		cfg_error(err, where, "out of memory");
		return -ENOMEM;
	}
	return cfg_store(cfg, sec, idx, true, value, where, err);
}

int config_set_option(struct config *cfg, const char *opt, struct config_error *err)
{
	const char *s = opt, *eq;
	char where[160], *key;
	long idx;
	int rc;

	if (err)
		err->msg[0] = '\0';
	snprintf(where, sizeof(where), "option '%.120s'", opt ? opt : "");
	if (!opt) {
		cfg_error(err, where, "missing option");
		return -EINVAL;
	}
	if (s[0] == '-')
		s += s[1] == '-' ? 2 : 1;
	eq = strchr(s, '=');
	if (!eq) {
		cfg_error(err, where, "expected --key=value");
		return -EINVAL;
	}
	if (eq == s) {
		cfg_error(err, where, "missing key before '='");
		return -EINVAL;
	}
	key = strndup(s, (size_t)(eq - s));
	if (!key) {
		cfg_error(err, where, "out of memory");
		return -ENOMEM;
	}
	idx = cfg_find(cfg, key);
	if (idx < 0) {
		cfg_error(err, where, "unknown key '%.60s'", key);
		rc = -EINVAL;
	} else if (!eq[1]) {
		cfg_error(err, where, "missing value for '%.60s'", key);
		rc = -EINVAL;
	} else {
		rc = cfg_store(cfg, &cfg->global, idx, true, eq + 1, where, err);
	}
	free(key);
	return rc;
}
