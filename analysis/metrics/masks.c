// SPDX-License-Identifier: MIT
/* Mask tables (see masks.h for the sources) and the 0.1 Hz dTE_L filter. */
#include <math.h>
#include <string.h>

#include "metrics/masks.h"

#define NS 1e-9

static const struct mask_seg eec1_mtie[] = {
        {0.1, 1, 40 * NS, 0},
        {1, 100, 40 * NS, 0.1},
        {100, 1000, 25.25 * NS, 0.2},
        {0, 0, 0, 0},
};
static const struct mask_seg eec1_tdev[] = {
        {0.1, 25, 3.2 * NS, 0},
        {25, 100, 0.64 * NS, 0.5},
        {100, 1000, 6.4 * NS, 0},
        {0, 0, 0, 0},
};
static const struct mask_seg ab_mtie[] = {{0, 1000, 40 * NS, 0}, {0, 0, 0, 0}};
static const struct mask_seg ab_tdev[] = {{0, 1000, 4 * NS, 0}, {0, 0, 0, 0}};
static const struct mask_seg c_mtie[] = {{0, 1000, 10 * NS, 0}, {0, 0, 0, 0}};
static const struct mask_seg c_tdev[] = {{0, 1000, 2 * NS, 0}, {0, 0, 0, 0}};

static const struct mask_def masks[] = {
        {"g8262-eec1", "G.8262 EEC option 1 wander generation", false, eec1_mtie, eec1_tdev, 0, 0,
         0},
        {"g8273.2-a", "G.8273.2 class A", true, ab_mtie, ab_tdev, 100 * NS, 0, 50 * NS},
        {"g8273.2-b", "G.8273.2 class B", true, ab_mtie, ab_tdev, 70 * NS, 0, 20 * NS},
        {"g8273.2-c", "G.8273.2 class C", true, c_mtie, c_tdev, 30 * NS, 0, 10 * NS},
        {"g8273.2-d", "G.8273.2 class D", true, NULL, NULL, 0, 5 * NS, 0},
        {"g8271.1-c", "G.8271.1 network limit, point C", false, NULL, NULL, 1100 * NS, 0, 0},
        {"g8271.1-e", "G.8271.1 end-to-end budget, point E", false, NULL, NULL, 1500 * NS, 0, 0},
};

const struct mask_def *mask_at(size_t i)
{
	return i < sizeof(masks) / sizeof(masks[0]) ? &masks[i] : NULL;
}

const struct mask_def *mask_find(const char *name)
{
	for (size_t i = 0; mask_at(i); i++)
		if (!strcmp(masks[i].name, name))
			return &masks[i];
	return NULL;
}

double mask_limit(const struct mask_seg *s, double tau)
{
	for (; s && s->tau_hi > 0; s++)
		if (tau > s->tau_lo && tau <= s->tau_hi)
			return s->a * pow(tau, s->b);
	return NAN;
}

void te_lowpass(const double *x, size_t n, double tau0, double fc, double *y)
{
	/* y[i] = y[i-1] + k (x[i] - y[i-1]), k = 1 - exp(-2 pi fc tau0): the impulse-invariant
	 * first-order low-pass; starts at x[0] so that there is no start-up transient */
	double k = 1 - exp(-2 * M_PI * fc * tau0), prev = n ? x[0] : 0;
	for (size_t i = 0; i < n; i++) {
		prev = prev + k * (x[i] - prev);
		y[i] = prev;
	}
}
