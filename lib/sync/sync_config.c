// SPDX-License-Identifier: MIT
/* The discipline engine's config fragment (servo, clock, exports) and its resolution. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tsync/chrony.h"
#include "tsync/sync.h"

#define G CFG_SCOPE_GLOBAL

static const struct config_enum servo_enum[] = {
        {"pi", SERVO_PI}, {"linreg", SERVO_LINREG}, {"kalman", SERVO_KALMAN}, {NULL, 0}};
static const struct config_enum clock_enum[] = {
        {"sys", TCLOCK_SYS}, {"phc", TCLOCK_PHC}, {"vclock", TCLOCK_VCLOCK}, {NULL, 0}};

const struct config_item sync_config_items[] = {
        /* the clock */
        CFG_STRING("clock", G, NULL),
        CFG_ENUM("clock_type", G, TCLOCK_SYS, clock_enum),
        CFG_STRING("vclock", G, NULL),
        CFG_STRING("phc_device", G, NULL),
        CFG_BOOL("free_running", G, 0),
        /* the servo (linuxptp's names and defaults) */
        CFG_INT("freq_est_interval", G, 1, 0, 30),
        CFG_ENUM("clock_servo", G, SERVO_PI, servo_enum),
        CFG_DOUBLE("step_threshold", G, 0.0, 0.0, 1e9),
        CFG_DOUBLE("first_step_threshold", G, 0.00002, 0.0, 1e9),
        CFG_INT("max_frequency", G, 900000000, 0, 2147483647),
        CFG_DOUBLE("pi_proportional_const", G, 0.0, 0.0, 1e9),
        CFG_DOUBLE("pi_integral_const", G, 0.0, 0.0, 1e9),
        CFG_DOUBLE("pi_proportional_scale", G, 0.0, 0.0, 1e9),
        CFG_DOUBLE("pi_proportional_exponent", G, -0.3, -1e9, 1e9),
        CFG_DOUBLE("pi_proportional_norm_max", G, 0.7, 1e-9, 1.0),
        CFG_DOUBLE("pi_integral_scale", G, 0.0, 0.0, 1e9),
        CFG_DOUBLE("pi_integral_exponent", G, 0.4, -1e9, 1e9),
        CFG_DOUBLE("pi_integral_norm_max", G, 0.3, 1e-9, 2.0),
        CFG_DOUBLE("kalman_meas_noise", G, 0.0, 0.0, 1e9),
        CFG_DOUBLE("kalman_freq_noise", G, 0.1, 0.0, 1e6),
        /* exports */
        CFG_INT("chrony_shm_unit", G, -1, -1, CHRONY_SHM_UNIT_MAX),
        CFG_STRING("chrony_sock_path", G, NULL),
        CFG_STRING("statlog", G, NULL),
};
const size_t sync_config_n = sizeof(sync_config_items) / sizeof(sync_config_items[0]);

static bool given(const struct config *cfg, const char *key)
{
	return config_source(cfg, NULL, key) != CFG_SRC_DEFAULT;
}

static int read_clock(const struct config *cfg, struct tclock_spec *spec, char *err, size_t errlen)
{
	const char *s = config_get_string(cfg, NULL, "clock");
	const char *vc = config_get_string(cfg, NULL, "vclock");
	const char *dev = config_get_string(cfg, NULL, "phc_device");

	if (s) {
		static const char *const old[] = {"clock_type", "vclock", "phc_device"};
		for (unsigned i = 0; i < 3; i++) {
			if (given(cfg, old[i])) {
				snprintf(err, errlen, "'clock %s' and '%s' both given", s, old[i]);
				return -EINVAL;
			}
		}
		return tclock_spec_parse(s, spec, err, errlen);
	}
	memset(spec, 0, sizeof(*spec));
	spec->type = (enum tclock_type)config_get_int(cfg, NULL, "clock_type");
	if (spec->type == TCLOCK_VCLOCK && (!vc || !*vc)) {
		snprintf(err, errlen, "clock_type vclock needs 'vclock NAME'");
		return -EINVAL;
	}
	if (spec->type != TCLOCK_VCLOCK && vc && *vc) {
		snprintf(err, errlen, "'vclock %s' given but clock_type is not vclock", vc);
		return -EINVAL;
	}
	const char *name = spec->type == TCLOCK_VCLOCK ? vc : spec->type == TCLOCK_PHC ? dev : NULL;
	if (name && *name) {
		char buf[96];
		snprintf(buf, sizeof(buf), "%s:%s", spec->type == TCLOCK_VCLOCK ? "vclock" : "phc",
		         name);
		return tclock_spec_parse(buf, spec, err, errlen);
	}
	return 0;
}

int sync_config_read(const struct config *cfg, bool sw_ts, struct sync_params *p,
                     struct tclock_spec *spec, char *err, size_t errlen)
{
	struct servo_config *sc = &p->sc;

	memset(p, 0, sizeof(*p));
	p->servo = (enum servo_type)config_get_int(cfg, NULL, "clock_servo");
	servo_config_defaults(sc, sw_ts);
	sc->step_threshold_s = config_get_double(cfg, NULL, "step_threshold");
	sc->first_step_threshold_s = config_get_double(cfg, NULL, "first_step_threshold");
	sc->max_frequency_ppb = config_get_int(cfg, NULL, "max_frequency");
	sc->pi_proportional_const = config_get_double(cfg, NULL, "pi_proportional_const");
	sc->pi_integral_const = config_get_double(cfg, NULL, "pi_integral_const");
	sc->pi_proportional_scale = config_get_double(cfg, NULL, "pi_proportional_scale");
	sc->pi_proportional_exponent = config_get_double(cfg, NULL, "pi_proportional_exponent");
	sc->pi_proportional_norm_max = config_get_double(cfg, NULL, "pi_proportional_norm_max");
	sc->pi_integral_scale = config_get_double(cfg, NULL, "pi_integral_scale");
	sc->pi_integral_exponent = config_get_double(cfg, NULL, "pi_integral_exponent");
	sc->pi_integral_norm_max = config_get_double(cfg, NULL, "pi_integral_norm_max");
	sc->kalman_meas_noise_ns = config_get_double(cfg, NULL, "kalman_meas_noise");
	sc->kalman_freq_noise_ppb = config_get_double(cfg, NULL, "kalman_freq_noise");
	p->free_running = config_get_bool(cfg, NULL, "free_running");
	p->hw_stamps = !sw_ts;
	p->chrony_shm_unit = config_get_int(cfg, NULL, "chrony_shm_unit");
	p->chrony_sock = config_get_string(cfg, NULL, "chrony_sock_path");
	p->statlog = config_get_string(cfg, NULL, "statlog");
	return read_clock(cfg, spec, err, errlen);
}
