// SPDX-License-Identifier: MIT
/*
 * tsync-analyze bench: time each metric on N synthetic phase points (seeded white PM plus
 * random-walk phase) at the chosen taus, and report the peak RSS. No file I/O is timed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "analyze_cli.h"
#include "metrics/metrics.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cmd_bench(const struct cli *c, size_t n)
{
	double *x = malloc(n * sizeof(*x)), acc = 0;
	unsigned long long s = 12345;
	char list[256], *save = NULL;
	if (!x)
		return EXIT_INPUT;
	for (size_t i = 0; i < n; i++) {
		double u[2];
		for (int k = 0; k < 2; k++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			u[k] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
		}
		acc += u[0] * 1e-10;
		x[i] = acc + u[1] * 1e-9;
	}
	fprintf(c->out, "N = %zu phase points, taus %s\n%-8s %6s %10s\n", n, c->taus, "metric",
	        "taus", "time[s]");
	snprintf(list, sizeof(list), "%s", c->metrics);
	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		enum dev_kind k;
		size_t *m, nm;
		if (dev_parse(p, &k) || taus_parse(c->taus, 1.0, dev_max_m(k, n), &m, &nm)) {
			fprintf(stderr, "tsync-analyze bench: bad metric or taus\n");
			free(x);
			return EXIT_INPUT;
		}
		struct dev_point *pt = calloc(nm ? nm : 1, sizeof(*pt));
		double t0 = now();
		int e = pt ? dev_compute(k, x, n, 1.0, m, nm, pt) : -1;
		double dt = now() - t0;
		fprintf(c->out, "%-8s %6zu %10.3f%s\n", p, nm, dt, e ? " (failed)" : "");
		free(pt);
		free(m);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(c->out, "peak RSS %.1f MiB (the phase array alone: %.1f MiB)\n",
	        (double)ru.ru_maxrss / 1024.0, (double)n * sizeof(double) / 1048576.0);
	free(x);
	return EXIT_OK;
}
