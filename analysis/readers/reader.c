// SPDX-License-Identifier: MIT
/* Reader dispatch: format detection, diagnostics, the series container. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "readers/npy.h"
#include "readers/reader.h"

int series_push(struct series *s, double t, double x)
{
	if (s->sink) {
		s->n++;
		return s->sink(s->sink_ctx, t, x);
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		double *nt = realloc(s->t, cap * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		s->t = nt;
		double *nx = realloc(s->x, cap * sizeof(*nx));
		if (!nx)
			return -ENOMEM;
		s->x = nx;
		s->cap = cap;
	}
	s->t[s->n] = t;
	s->x[s->n++] = x;
	return 0;
}

void series_free(struct series *s)
{
	free(s->t);
	free(s->x);
	s->t = s->x = NULL;
	s->n = s->cap = 0;
}

int series_finite(const struct series *s, double **xout, double **tout, size_t *n)
{
	double *x = malloc((s->n ? s->n : 1) * sizeof(*x));
	double *t = tout ? malloc((s->n ? s->n : 1) * sizeof(*t)) : NULL;
	if (!x || (tout && !t)) {
		free(x);
		free(t);
		return -ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (isnan(s->x[i]))
			continue;
		if (t)
			t[k] = s->t[i];
		x[k++] = s->x[i];
	}
	*xout = x;
	if (tout)
		*tout = t;
	*n = k;
	return 0;
}

int reader_bad(struct reader_ctx *c, const char *where, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->bad++;
	if (c->opts->strict)
		return reader_fail(c, -EINVAL, "%s:%s: %s", c->path, where, msg);
	fprintf(c->opts->diag ? c->opts->diag : stderr, "%s:%s: %s (skipped)\n", c->path, where,
	        msg);
	return 0;
}

int reader_fail(struct reader_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return err;
}

double unit_scale(const char *unit, const char **si)
{
	static const struct {
		const char *name, *si;
		double scale;
	} units[] = {
	        {"s", "s", 1},     {"ms", "s", 1e3}, {"us", "s", 1e6}, {"ns", "s", 1e9},
	        {"ps", "s", 1e12}, {"ppm", "", 1e6}, {"ppb", "", 1e9}, {"", "", 1},
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(unit, units[i].name)) {
			if (si)
				*si = units[i].si;
			return units[i].scale;
		}
	}
	return 0;
}

static const char *const fmt_names[] = {"auto",   "text", "statlog", "ptp4l",
                                        "chrony", "pcap", "npy"};

const char *reader_format_name(enum input_format f)
{
	return (size_t)f < sizeof(fmt_names) / sizeof(fmt_names[0]) ? fmt_names[f] : "?";
}

int reader_format_parse(const char *name, enum input_format *f)
{
	for (size_t i = 0; i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++) {
		if (!strcmp(name, fmt_names[i])) {
			*f = (enum input_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

enum input_format reader_detect(const char *path)
{
	struct stat st;
	if (!stat(path, &st) && !S_ISREG(st.st_mode))
		return FMT_AUTO;
	FILE *f = fopen(path, "rb");
	enum input_format fmt = FMT_TEXT;
	unsigned char magic[4];
	char line[512];
	if (!f)
		return FMT_TEXT;
	char head[6];
	if (fread(head, 1, 6, f) == 6 && npy_magic(head, 6)) {
		fclose(f);
		return FMT_NPY;
	}
	rewind(f);
	if (fread(magic, 1, 4, f) == 4) {
		unsigned long v = (unsigned long)magic[0] | (unsigned long)magic[1] << 8 |
		                  (unsigned long)magic[2] << 16 | (unsigned long)magic[3] << 24;
		if (v == 0xa1b2c3d4 || v == 0xd4c3b2a1 || v == 0xa1b23c4d || v == 0x4d3cb2a1 ||
		    v == 0x0a0d0d0a) {
			fclose(f);
			return FMT_PCAP;
		}
	}
	rewind(f);
	for (int i = 0; i < 20 && fgets(line, sizeof(line), f); i++) {
		if (i == 0 && !strncmp(line, "# tsync statlog v1", 18)) {
			fmt = FMT_STATLOG;
			break;
		}
		if (strstr(line, "ptp4l[") || strstr(line, "phc2sys[") ||
		    strstr(line, "master offset") || strstr(line, " rms ")) {
			fmt = FMT_PTP4L;
			break;
		}
		int y, mo, d, h, mi;
		if (strstr(line, "Date (UTC)") ||
		    sscanf(line, "%4d-%2d-%2d %2d:%2d", &y, &mo, &d, &h, &mi) == 5) {
			fmt = FMT_CHRONY;
			break;
		}
	}
	fclose(f);
	return fmt;
}

int reader_read(const char *path, const struct reader_opts *o, struct series *out, char *errbuf,
                size_t errlen)
{
	struct reader_ctx c = {.path = path, .opts = o};
	enum input_format fmt = o->format == FMT_AUTO ? reader_detect(path) : o->format;
	int err;
	FILE *f = NULL;
	if (fmt == FMT_AUTO) {
		snprintf(errbuf, errlen,
		         "%s: not a regular file (a pipe?): its format cannot be detected without "
		         "consuming it; give --input text|statlog|ptp4l|chrony|pcap",
		         path);
		return -EINVAL;
	}
	if (fmt != FMT_PCAP && fmt != FMT_NPY) {
		f = fopen(path, "r");
		if (!f) {
			err = -errno;
			snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
			return err;
		}
	}
	switch (fmt) {
	case FMT_STATLOG:
		err = read_statlog(&c, f, out);
		break;
	case FMT_PTP4L:
		err = read_ptp4l(&c, f, out);
		break;
	case FMT_CHRONY:
		err = read_chrony(&c, f, out);
		break;
	case FMT_PCAP:
		err = read_pcap(&c, out);
		break;
	case FMT_NPY:
		err = read_npy(&c, out);
		break;
	default:
		err = read_text(&c, f, out);
		break;
	}
	if (f)
		fclose(f);
	if (!err && out->n == 0)
		err = reader_fail(&c, -ENODATA, "%s: no samples (empty input or no %s %s lines)",
		                  path, reader_format_name(fmt), o->column ? o->column : "offset");
	if (err) {
		snprintf(errbuf, errlen, "%s", c.err[0] ? c.err : strerror(-err));
		series_free(out);
	}
	return err;
}
