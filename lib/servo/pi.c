// SPDX-License-Identifier: MIT
/*
 * PI servo with linuxptp's semantics (pi.c there), written in servo.h's sign convention:
 * linuxptp computes the frequency error of the clock (+ = too fast) and its caller sets the
 * negated value; here `drift` and the result are the frequency to set (+ = faster).
 *
 *   gains   kp = kp_scale * T^kp_exponent, clamped to kp_norm_max / T
 *           ki = ki_scale * T^ki_exponent, clamped to ki_norm_max / T       (T: sync interval, s)
 *           scales: hardware timestamps 0.7 / 0.3, software 0.1 / 0.001;
 *           pi_proportional_const and pi_integral_const both > 0: fixed gains (exponent 0,
 *           norm_max 1.0 and 2.0, i.e. only clamped when unstable).
 *   s0      first sample: remember it, UNLOCKED.
 *   s0->    second sample (at least 0.016/ki seconds later, at most 1000 s): the frequency
 *           error from the two offsets updates drift; JUMP if first_update and
 *           |offset| > first_step_threshold or |offset| > step_threshold, else LOCKED.
 *   s2      drift - (kp + ki) * offset * weight; the integral (drift) follows unless the output
 *           hits max_frequency (anti-windup). |offset| > step_threshold: back to s0 (the next
 *           acquisition steps).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "servo_private.h"

#define HWTS_KP_SCALE   0.7
#define HWTS_KI_SCALE   0.3
#define SWTS_KP_SCALE   0.1
#define SWTS_KI_SCALE   0.001
#define MAX_KP_NORM_MAX 1.0
#define MAX_KI_NORM_MAX 2.0
/* the two acquisition samples must be this far apart, in units of 1/ki (linuxptp) */
#define FREQ_EST_KI     0.016
#define FREQ_EST_MAX_S  1000.0
#define FREQ_EST_MARGIN 0.001

struct pi_servo {
	struct servo base;
	int64_t offset[2]; /* ns, local minus master */
	uint64_t local[2]; /* ns */
	int count;         /* acquisition samples held: 0, 1, 2 (= running) */
	double drift;      /* integral term: frequency to set, ppb, + = faster */
	double last_freq;  /* last returned, ppb */
	double kp, ki;     /* current gains (per ns of offset -> ppb; 1/s and 1/s^2 in effect) */
	/* configured shape of the gains */
	double kp_scale, kp_exponent, kp_norm_max;
	double ki_scale, ki_exponent, ki_norm_max;
};

static struct pi_servo *to_pi(struct servo *s)
{
	return container_of(s, struct pi_servo, base);
}

/* Acquisition: second sample. Returns the frequency to set. */
static double pi_acquire(struct pi_servo *p, int64_t offset_ns, uint64_t local_ns,
                         enum servo_state *state)
{
	struct servo *s = &p->base;
	double dt_s, min_s, dz;

	p->offset[1] = offset_ns;
	p->local[1] = local_ns;
	if (p->local[0] >= p->local[1]) {
		/* time went backwards or stood still: start over */
		p->count = 0;
		*state = SERVO_UNLOCKED;
		return p->last_freq;
	}
	dt_s = (double)(p->local[1] - p->local[0]) / 1e9;
	dt_s += dt_s * FREQ_EST_MARGIN;
	min_s = FREQ_EST_KI / p->ki;
	if (min_s > FREQ_EST_MAX_S)
		min_s = FREQ_EST_MAX_S;
	if (dt_s < min_s) {
		/* wait longer; keep the first sample */
		*state = SERVO_UNLOCKED;
		return p->last_freq;
	}

	/* The offset grew by dz over the interval: the clock runs dz/dt too fast. The factor
	 * (1e9 + drift) turns a rate measured in local time into one in master time. */
	dz = (double)(p->offset[1] - p->offset[0]);
	p->drift -= (1e9 + p->drift) * dz / (double)(p->local[1] - p->local[0]);
	p->drift = servo_clamp(s, p->drift);

	*state = servo_want_step(s, (double)offset_ns) ? SERVO_JUMP : SERVO_LOCKED;
	p->count = 2;
	return p->drift;
}

static double pi_sample(struct servo *s, int64_t offset_ns, uint64_t local_ns, double weight,
                        enum servo_state *state)
{
	struct pi_servo *p = to_pi(s);
	double ppb = p->last_freq, ki_term;

	switch (p->count) {
	case 0:
		p->offset[0] = offset_ns;
		p->local[0] = local_ns;
		p->count = 1;
		*state = SERVO_UNLOCKED;
		break;
	case 1:
		ppb = pi_acquire(p, offset_ns, local_ns, state);
		break;
	default:
		if (servo_over_step_threshold(s, offset_ns)) {
			/* re-estimate the frequency, the acquisition then steps (linuxptp) */
			p->count = 0;
			*state = SERVO_UNLOCKED;
			break;
		}
		ki_term = p->ki * (double)offset_ns * weight;
		ppb = p->drift - p->kp * (double)offset_ns * weight - ki_term;
		if (ppb > s->max_frequency)
			ppb = s->max_frequency;
		else if (ppb < -s->max_frequency)
			ppb = -s->max_frequency;
		else
			p->drift -= ki_term;
		*state = SERVO_LOCKED;
		break;
	}
	p->last_freq = ppb;
	return ppb;
}

static void pi_sync_interval(struct servo *s, double interval_s)
{
	struct pi_servo *p = to_pi(s);

	p->kp = p->kp_scale * pow(interval_s, p->kp_exponent);
	if (p->kp > p->kp_norm_max / interval_s)
		p->kp = p->kp_norm_max / interval_s;
	p->ki = p->ki_scale * pow(interval_s, p->ki_exponent);
	if (p->ki > p->ki_norm_max / interval_s)
		p->ki = p->ki_norm_max / interval_s;
}

static void pi_reset(struct servo *s)
{
	/* like linuxptp: drift (the frequency set on the clock) survives */
	to_pi(s)->count = 0;
}

static void pi_destroy(struct servo *s)
{
	free(to_pi(s));
}

static const struct servo_ops pi_ops = {
        .sample = pi_sample,
        .sync_interval = pi_sync_interval,
        .reset = pi_reset,
        .error_estimate = NULL,
        .destroy = pi_destroy,
};

struct servo *pi_servo_create(const struct servo_config *cfg, double fadj_ppb)
{
	struct pi_servo *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->base.ops = &pi_ops;
	p->drift = fadj_ppb;
	p->last_freq = fadj_ppb;
	p->kp_scale = cfg->pi_proportional_scale;
	p->kp_exponent = cfg->pi_proportional_exponent;
	p->kp_norm_max = cfg->pi_proportional_norm_max;
	p->ki_scale = cfg->pi_integral_scale;
	p->ki_exponent = cfg->pi_integral_exponent;
	p->ki_norm_max = cfg->pi_integral_norm_max;

	if (cfg->pi_proportional_const > 0 && cfg->pi_integral_const > 0) {
		/* fixed gains, not scaled by the interval unless they would be unstable */
		p->kp_scale = cfg->pi_proportional_const;
		p->ki_scale = cfg->pi_integral_const;
		p->kp_exponent = 0.0;
		p->ki_exponent = 0.0;
		p->kp_norm_max = MAX_KP_NORM_MAX;
		p->ki_norm_max = MAX_KI_NORM_MAX;
	} else if (p->kp_scale <= 0 || p->ki_scale <= 0) {
		p->kp_scale = cfg->sw_ts ? SWTS_KP_SCALE : HWTS_KP_SCALE;
		p->ki_scale = cfg->sw_ts ? SWTS_KI_SCALE : HWTS_KI_SCALE;
	}
	return &p->base;
}
