/* SPDX-License-Identifier: MIT */
/*
 * tsync-analyze readers: every input becomes a series of (t, x) samples.
 *   t: seconds (the file's own time base: statlog t, ptp4l's [monotonic] stamp, chrony's UTC
 *      date as Unix time, capture time for pcaps); NAN when the input carries none.
 *   x: the selected column converted to SI units (seconds for offsets and delays, unitless
 *      fractional frequency for ppb/ppm columns).
 * A malformed line is reported as "file:line: reason" (pcap: "file:packet N: reason") on the
 * diagnostic stream and skipped; with strict set it is fatal (-EINVAL). An input without a
 * single sample is an error (-ENODATA) with a message naming the file.
 */
#ifndef TSYNC_ANALYSIS_READER_H
#define TSYNC_ANALYSIS_READER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct series {
	char name[64]; /* column read, e.g. "offset" */
	char unit[16]; /* unit of x after conversion: "s" or "" (fractional frequency) */
	double *t, *x;
	size_t n, cap;
	/* when set, series_push hands each sample to sink (counting n) instead of storing it:
	 * the readers then stream in bounded memory. A non-zero return stops the read. */
	int (*sink)(void *ctx, double t, double x);
	void *sink_ctx;
};

int series_push(struct series *s, double t, double x); /* 0 or -ENOMEM */
void series_free(struct series *s);
/* Copy of x with NaN samples dropped (and the matching t into *tout if non-NULL). */
int series_finite(const struct series *s, double **xout, double **tout, size_t *n);

enum input_format {
	FMT_AUTO,
	FMT_TEXT,    /* one or two columns: [t] x, '#' comments */
	FMT_STATLOG, /* "# tsync statlog v1" */
	FMT_PTP4L,   /* ptp4l / phc2sys log lines */
	FMT_CHRONY,  /* chrony measurements/statistics/tracking/refclocks logs */
	FMT_PCAP,    /* pcap or pcapng capture of PTP */
	FMT_NPY,     /* NumPy .npy float64, shape (N,) x or (N, 2) t, x (npy.h) */
};

struct reader_opts {
	enum input_format format;
	const char *column; /* NULL: the reader's default column (offset) */
	bool strict;
	FILE *diag; /* where malformed-line reports go (stderr when NULL) */
};

/* Bookkeeping shared by the readers while one file is read. */
struct reader_ctx {
	const char *path;
	const struct reader_opts *opts;
	unsigned long bad; /* malformed lines seen */
	char err[256];     /* the fatal error, for the caller */
};

/* Report a malformed line/packet (where: "12" or "packet 12"): 0 to go on, -EINVAL if strict. */
int reader_bad(struct reader_ctx *c, const char *where, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Record the fatal error message; returns err. */
int reader_fail(struct reader_ctx *c, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The format of the file at path (FMT_TEXT when it cannot be opened). FMT_AUTO when path is
 * not a regular file (a pipe, a FIFO, a terminal): detection would consume the lines the
 * reader needs, so the caller must be told the format (reader_read refuses, naming --input). */
enum input_format reader_detect(const char *path);
const char *reader_format_name(enum input_format f);
int reader_format_parse(const char *name, enum input_format *f);

/*
 * Read path into out (zeroed by the caller). Returns 0, or -errno with errbuf filled
 * ("path: no samples", "path:7: malformed ...", "path: No such file or directory").
 */
int reader_read(const char *path, const struct reader_opts *o, struct series *out, char *errbuf,
                size_t errlen);

/* the individual readers (c->path open for reading by them) */
int read_text(struct reader_ctx *c, FILE *f, struct series *out);
int read_statlog(struct reader_ctx *c, FILE *f, struct series *out);
int read_ptp4l(struct reader_ctx *c, FILE *f, struct series *out);
int read_chrony(struct reader_ctx *c, FILE *f, struct series *out);
int read_pcap(struct reader_ctx *c, struct series *out);
int read_npy(struct reader_ctx *c, struct series *out);

/* Divisor to SI of a unit name ("ns" -> 1e9, "ppb" -> 1e9, "s" -> 1, "" -> 1); 0 if unknown.
 * (Dividing by 1e9 rounds correctly: -120 ns reads back as -1.2e-07 s, not -1.2000000000000002e-07.) */
double unit_scale(const char *unit, const char **si_unit);

#endif
