/* SPDX-License-Identifier: MIT */
/* tsync-analyze command line: shared options and the sub-commands. */
#ifndef TSYNC_ANALYSIS_CLI_H
#define TSYNC_ANALYSIS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "readers/reader.h"

enum out_format { OUT_TABLE, OUT_CSV, OUT_JSON };

/* exit codes */
enum { EXIT_OK = 0, EXIT_MASK_FAIL = 1, EXIT_INPUT = 2 };

struct cli {
	enum out_format fmt;
	const char *plot; /* --plot FILE.png|FILE.svg */
	struct reader_opts ropts;
	double rate;         /* --rate HZ, 0: from the time stamps (else 1 Hz) */
	bool freq;           /* --data freq */
	const char *taus;    /* --taus */
	const char *metrics; /* --metrics */
	const char *mask;    /* --mask */
	bool no_ci;          /* --no-ci */
	unsigned threads;    /* --threads N, 0: one per CPU */
	size_t memory;       /* --memory LIMIT (bytes) for stats' kept samples, SIZE_MAX: all */
	bool by_file;        /* --by-file: a row per file plus the total */
	const char *title;   /* --title */
	int nfiles;
	char **files;
	FILE *out;
};

int cmd_stats(const struct cli *c);
int cmd_stability(const struct cli *c);
int cmd_mask(const struct cli *c);
int cmd_pcap(const struct cli *c);
int cmd_radiotap(const struct cli *c);        /* frames of a radiotap capture */
int cmd_bench(const struct cli *c, size_t n); /* synthetic N points, timed */

/* Read one file (errors printed) into s and its finite samples into *x / *t. EXIT_* code. */
int cli_load(const struct cli *c, const char *path, struct series *s, double **x, double **t,
             size_t *n);
/* The same, but a .npy file of finite x only is used in place: *x points into the mapping
 * (zero copy) and *t is NULL. Release with cli_unload. */
struct npy_map;
int cli_load_mapped(const struct cli *c, const char *path, struct series *s, double **x, double **t,
                    size_t *n, struct npy_map *map);
void cli_unload(struct series *s, double *x, double *t, struct npy_map *map);
/* Sample interval: 1 / --rate, else the median spacing of t (if any), else 1 s. */
double cli_tau0(const struct cli *c, const double *t, size_t n);
/* JSON / CSV number: %.17g, JSON null for NaN and infinities. */
void out_num(FILE *f, enum out_format fmt, double v);
void out_jstr(FILE *f, const char *s); /* a JSON string with escapes */

#endif
