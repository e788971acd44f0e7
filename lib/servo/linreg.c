// SPDX-License-Identifier: MIT
/*
 * Linear-regression servo (the idea of linuxptp's linreg.c, our own formulation).
 *
 * Each sample becomes a point (t, c): t the local time in s since the first point, c the
 * offset with our own corrections removed (c_k = c_k-1 + z_k - z_k-1' - u * dt, z_k-1' the
 * previous offset after its step, u the frequency we had set), so c = theta0 + y t + noise
 * is a straight line whose slope y is the clock's natural frequency error (ppb).
 *
 * Window: adaptive, like linuxptp. Fits over the newest 4, 8, 16, 32 and 64 points are kept;
 * before each new point joins, every fit predicts it and a running mean of |prediction error|
 * is updated (plain mean over the first 10, then exponential, 0.02). The largest window whose
 * error is within 5% of the best smaller one is used.
 *
 * Control: frequency = -slope - offset_estimate / Tc, offset_estimate the fit at t_k plus our
 * corrections, Tc = interval for windows up to 16 points, 2 or 3 intervals for 32 and 64
 * (linuxptp's corr_interval). Clamped to max_frequency.
 *
 * States: UNLOCKED until 4 points; at the first fit JUMP (step by -offset) if first_update and
 * |offset estimate| > first_step_threshold, or > step_threshold, else LOCKED. Running, a raw
 * |offset| > step_threshold restarts the acquisition like the PI servo (linuxptp's linreg
 * instead steps at once on the fitted offset). weight is ignored (as in linuxptp).
 */
#include <math.h>
#include <stdlib.h>

#include "servo_private.h"

#define MIN_LOG2    2
#define MAX_LOG2    6
#define MAX_POINTS  (1 << MAX_LOG2)
#define N_FITS      (MAX_LOG2 - MIN_LOG2 + 1)
#define ERR_SMOOTH  0.02
#define ERR_INITIAL 10
#define ERR_EQUALS  1.05

struct fit {
	int valid;
	double a, b; /* c = a + b * t: ns, ns/s */
	double err;  /* mean |prediction error|, ns */
	int err_n;
};

struct linreg_servo {
	struct servo base;
	double t[MAX_POINTS], c[MAX_POINTS];
	int n, last; /* points held, index of the newest */
	struct fit fits[N_FITS];
	int have_prev;
	int64_t z_prev;  /* previous offset after its step, ns */
	uint64_t l_prev; /* previous local time after its step, ns */
	double t_prev, c_prev;
	double u; /* frequency set now, ppb */
};

static struct linreg_servo *to_lr(struct servo *s)
{
	return container_of(s, struct linreg_servo, base);
}

/* Least squares over the newest n points, centred on their mean time. */
static void fit_points(struct linreg_servo *lr, int n, struct fit *f)
{
	double tm = 0, cm = 0, stt = 0, stc = 0, dt;
	int i, j;

	for (i = 0; i < n; i++) {
		j = (lr->last - i + MAX_POINTS) % MAX_POINTS;
		tm += lr->t[j];
		cm += lr->c[j];
	}
	tm /= n;
	cm /= n;
	for (i = 0; i < n; i++) {
		j = (lr->last - i + MAX_POINTS) % MAX_POINTS;
		dt = lr->t[j] - tm;
		stt += dt * dt;
		stc += dt * (lr->c[j] - cm);
	}
	if (!(stt > 0)) {
		f->valid = 0;
		return;
	}
	f->b = stc / stt;
	f->a = cm - f->b * tm;
	f->valid = 1;
}

static void score_fits(struct linreg_servo *lr, double t, double c)
{
	struct fit *f;
	double e;
	int i;

	for (i = 0; i < N_FITS; i++) {
		f = &lr->fits[i];
		if (!f->valid)
			continue;
		e = fabs(f->a + f->b * t - c);
		if (f->err_n < ERR_INITIAL) {
			f->err = (f->err * f->err_n + e) / (f->err_n + 1);
			f->err_n++;
		} else {
			f->err += ERR_SMOOTH * (e - f->err);
		}
	}
}

/* Index of the window to use, -1 if none. */
static int best_fit(const struct linreg_servo *lr)
{
	const struct fit *f;
	int i, best = -1;

	for (i = 0; i < N_FITS; i++) {
		f = &lr->fits[i];
		if (!f->valid)
			continue;
		if (best < 0 ||
		    (f->err_n >= ERR_INITIAL && f->err < lr->fits[best].err * ERR_EQUALS))
			best = i;
	}
	return best;
}

static double linreg_sample(struct servo *s, int64_t offset_ns, uint64_t local_ns, double weight,
                            enum servo_state *state)
{
	struct linreg_servo *lr = to_lr(s);
	double t, c, dt, theta, tc;
	int i, best, log2n;

	(void)weight;
	if (s->state != SERVO_UNLOCKED && servo_over_step_threshold(s, offset_ns)) {
		s->ops->reset(s);
		*state = SERVO_UNLOCKED;
		return lr->u;
	}
	if (!lr->have_prev) {
		t = 0;
		c = (double)offset_ns;
	} else {
		dt = (double)(int64_t)(local_ns - lr->l_prev) / 1e9;
		if (!(dt > 0)) {
			s->ops->reset(s);
			*state = SERVO_UNLOCKED;
			return lr->u;
		}
		t = lr->t_prev + dt;
		c = lr->c_prev + (double)(offset_ns - lr->z_prev) - lr->u * dt;
	}
	score_fits(lr, t, c);
	lr->last = (lr->last + 1) % MAX_POINTS;
	lr->t[lr->last] = t;
	lr->c[lr->last] = c;
	if (lr->n < MAX_POINTS)
		lr->n++;
	for (i = 0; i < N_FITS; i++)
		if ((1 << (i + MIN_LOG2)) <= lr->n)
			fit_points(lr, 1 << (i + MIN_LOG2), &lr->fits[i]);
	lr->have_prev = 1;
	lr->z_prev = offset_ns;
	lr->l_prev = local_ns;
	lr->t_prev = t;
	lr->c_prev = c;

	best = best_fit(lr);
	if (best < 0) {
		*state = SERVO_UNLOCKED;
		return lr->u;
	}
	/* offset now = fitted uncorrected offset + what our corrections added (z - c) */
	theta = lr->fits[best].a + lr->fits[best].b * t + ((double)offset_ns - c);
	*state = SERVO_LOCKED;
	if (servo_want_step(s, theta)) {
		theta -= (double)offset_ns;
		lr->z_prev -= offset_ns;
		lr->l_prev -= (uint64_t)offset_ns;
		*state = SERVO_JUMP;
	}
	log2n = best + MIN_LOG2;
	tc = s->interval_s * (log2n <= 4 ? 1 : log2n / 2);
	lr->u = servo_clamp(s, -lr->fits[best].b - theta / tc);
	return lr->u;
}

static void linreg_sync_interval(struct servo *s, double interval_s)
{
	(void)s;
	(void)interval_s; /* base.interval_s is read directly */
}

static void linreg_reset(struct servo *s)
{
	struct linreg_servo *lr = to_lr(s);
	int i;

	lr->n = 0;
	lr->have_prev = 0;
	for (i = 0; i < N_FITS; i++) {
		lr->fits[i].valid = 0;
		lr->fits[i].err_n = 0;
		lr->fits[i].err = 0;
	}
}

static void linreg_destroy(struct servo *s)
{
	free(to_lr(s));
}

static const struct servo_ops linreg_ops = {
        .sample = linreg_sample,
        .sync_interval = linreg_sync_interval,
        .reset = linreg_reset,
        .error_estimate = NULL,
        .destroy = linreg_destroy,
};

struct servo *linreg_servo_create(const struct servo_config *cfg, double fadj_ppb)
{
	struct linreg_servo *lr = calloc(1, sizeof(*lr));

	(void)cfg;
	if (!lr)
		return NULL;
	lr->base.ops = &linreg_ops;
	lr->u = fadj_ppb;
	return &lr->base;
}
