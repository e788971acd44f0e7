// SPDX-License-Identifier: MIT
/*
 * Servo dispatcher: servo_create() picks the implementation by enum and applies what every
 * servo shares (config defaults, thresholds in ns, max_frequency clamp, the first_update flag,
 * the last state); the servo_* calls forward to the vtable with defaults for optional ops.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "servo_private.h"

void servo_config_defaults(struct servo_config *cfg, bool sw_ts)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sw_ts = sw_ts;
	cfg->step_threshold_s = 0.0;
	cfg->first_step_threshold_s = 20e-6;
	cfg->max_frequency_ppb = 0.0; /* the clock's limit */
	/* linuxptp: const 0 and scale 0 select the hw/sw gain set in pi.c */
	cfg->pi_proportional_const = 0.0;
	cfg->pi_integral_const = 0.0;
	cfg->pi_proportional_scale = 0.0;
	cfg->pi_proportional_exponent = -0.3;
	cfg->pi_proportional_norm_max = 0.7;
	cfg->pi_integral_scale = 0.0;
	cfg->pi_integral_exponent = 0.4;
	cfg->pi_integral_norm_max = 0.3;
	cfg->kalman_meas_noise_ns = 0.0;  /* adaptive */
	cfg->kalman_freq_noise_ppb = 0.1; /* ppb/sqrt(s): a modest XO */
}

static int config_valid(const struct servo_config *c)
{
	const double v[] = {
	        c->step_threshold_s,         c->first_step_threshold_s,   c->max_frequency_ppb,
	        c->pi_proportional_const,    c->pi_integral_const,        c->pi_proportional_scale,
	        c->pi_proportional_exponent, c->pi_proportional_norm_max, c->pi_integral_scale,
	        c->pi_integral_exponent,     c->pi_integral_norm_max,     c->kalman_meas_noise_ns,
	        c->kalman_freq_noise_ppb};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!isfinite(v[i]))
			return 0;
	/* linuxptp's config ranges: consts and scales >= 0, norm_max in (0, 1] and (0, 2] */
	if (c->pi_proportional_const < 0 || c->pi_integral_const < 0 ||
	    c->pi_proportional_scale < 0 || c->pi_integral_scale < 0)
		return 0;
	if (c->pi_proportional_norm_max <= 0 || c->pi_proportional_norm_max > 1.0 ||
	    c->pi_integral_norm_max <= 0 || c->pi_integral_norm_max > 2.0)
		return 0;
	if (c->max_frequency_ppb < 0 || c->kalman_meas_noise_ns < 0 || c->kalman_freq_noise_ppb < 0)
		return 0;
	return 1;
}

struct servo *servo_create(enum servo_type type, const struct servo_config *cfg, double fadj_ppb,
                           double max_ppb)
{
	struct servo_config def;
	struct servo *s;

	if (!cfg) {
		servo_config_defaults(&def, false);
		cfg = &def;
	}
	if (!config_valid(cfg) || !(max_ppb > 0) || !isfinite(max_ppb) || !isfinite(fadj_ppb)) {
		errno = EINVAL;
		return NULL;
	}

	switch (type) {
	case SERVO_PI:
		s = pi_servo_create(cfg, fadj_ppb);
		break;
	case SERVO_LINREG:
		s = linreg_servo_create(cfg, fadj_ppb);
		break;
	case SERVO_KALMAN:
		s = kalman_servo_create(cfg, fadj_ppb);
		break;
	default:
		errno = EINVAL;
		return NULL;
	}
	if (!s)
		return NULL;

	s->type = type;
	s->state = SERVO_UNLOCKED;
	/* linuxptp: thresholds <= 0 mean "never"; seconds -> ns */
	s->step_threshold = cfg->step_threshold_s > 0 ? cfg->step_threshold_s * 1e9 : 0.0;
	s->first_step_threshold =
	        cfg->first_step_threshold_s > 0 ? cfg->first_step_threshold_s * 1e9 : 0.0;
	s->max_frequency = max_ppb;
	if (cfg->max_frequency_ppb > 0 && cfg->max_frequency_ppb < max_ppb)
		s->max_frequency = cfg->max_frequency_ppb;
	s->first_update = 1;
	s->interval_s = 1.0;
	s->ops->sync_interval(s, s->interval_s);
	return s;
}

void servo_destroy(struct servo *s)
{
	if (s)
		s->ops->destroy(s);
}

double servo_sample(struct servo *s, int64_t offset_ns, uint64_t local_ns, double weight,
                    enum servo_state *state)
{
	enum servo_state st = SERVO_UNLOCKED;
	double ppb;

	if (!(weight > 0.0) || weight > 1.0)
		weight = 1.0;
	ppb = servo_clamp(s, s->ops->sample(s, offset_ns, local_ns, weight, &st));
	if (st == SERVO_JUMP || st == SERVO_LOCKED)
		s->first_update = 0;
	s->state = st;
	if (state)
		*state = st;
	return ppb;
}

void servo_sync_interval(struct servo *s, double interval_s)
{
	if (!(interval_s > 0) || !isfinite(interval_s))
		return;
	s->interval_s = interval_s;
	s->ops->sync_interval(s, interval_s);
}

void servo_reset(struct servo *s)
{
	s->ops->reset(s);
	s->state = SERVO_UNLOCKED;
}

int servo_error_estimate(struct servo *s, double *err_ns)
{
	if (!s->ops->error_estimate)
		return -EOPNOTSUPP;
	return s->ops->error_estimate(s, err_ns);
}

enum servo_state servo_state(const struct servo *s)
{
	return s->state;
}

void servo_leap_or_step(struct servo *s)
{
	servo_reset(s);
}

static const char *const type_names[] = {
        [SERVO_PI] = "pi",
        [SERVO_LINREG] = "linreg",
        [SERVO_KALMAN] = "kalman",
};

const char *servo_type_name(enum servo_type t)
{
	if ((unsigned)t < sizeof(type_names) / sizeof(type_names[0]))
		return type_names[t];
	return "unknown";
}

int servo_parse_type(const char *s, enum servo_type *out)
{
	unsigned i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (!strcasecmp(s, type_names[i])) {
			*out = (enum servo_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *servo_state_name(enum servo_state st)
{
	switch (st) {
	case SERVO_UNLOCKED:
		return "s0";
	case SERVO_JUMP:
		return "s1";
	case SERVO_LOCKED:
		return "s2";
	}
	return "s?";
}
