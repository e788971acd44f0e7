// SPDX-License-Identifier: MIT
/* Seeded closed-loop servo simulation: see include/tsync/servo_sim.h for the definitions. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "tsync/servo_sim.h"
#include "tsync/sim.h"
#include "tsync/stats.h"

#define SIM_START_NS (1000 * NS_PER_SEC) /* true time of the first sample */
#define MAX_SAMPLES  100000000UL
#define MIN_LOCK_NS  100.0

void servo_sim_defaults(struct servo_sim_params *p)
{
	*p = (struct servo_sim_params){
	        .type = SERVO_PI,
	        .cfg = NULL,
	        .seed = 1,
	        .duration_s = 1200,
	        .interval_s = 1,
	        .initial_offset_ns = 1e6,
	        .nat_ppm = 100,
	        .wander_ppb = 0,
	        .noise_ns = 0,
	        .spike_prob = 0,
	        .spike_mean_ns = 50000,
	        .lock_threshold_ns = 0,
	        .settle_s = -1,
	};
}

static int params_valid(const struct servo_sim_params *p)
{
	if (!(p->duration_s > 0) || !(p->interval_s > 0) || p->interval_s > p->duration_s)
		return 0;
	if (p->duration_s / p->interval_s >= (double)MAX_SAMPLES)
		return 0;
	if (!(p->noise_ns >= 0) || !(p->spike_prob >= 0) || !(p->spike_prob <= 1) ||
	    !(p->spike_mean_ns >= 0) || !(p->wander_ppb >= 0) || !(p->lock_threshold_ns >= 0))
		return 0;
	return isfinite(p->initial_offset_ns) && isfinite(p->nat_ppm) && isfinite(p->noise_ns) &&
	       isfinite(p->spike_mean_ns) && isfinite(p->settle_s);
}

static double measurement_noise(const struct servo_sim_params *p, struct sim_rng *rng)
{
	double n = p->noise_ns * sim_rng_gauss(rng);

	/* always draw, so the spike setting does not reshuffle the white noise */
	double u = sim_rng_uniform(rng), v = sim_rng_uniform(rng);

	if (p->spike_prob > 0 && u < p->spike_prob)
		n += -p->spike_mean_ns * log(1.0 - v) / 2;
	return n;
}

/* Statistics over the window of signed errors (tsync/stats.h definitions). */
static int window_stats(struct servo_sim_result *r, const double *win, double est_sum,
                        unsigned long covered)
{
	struct stats_error sc;
	unsigned long n = r->samples;

	if (!n)
		return 0;
	if (stats_error_score(win, n, &sc))
		return -ENOMEM;
	r->mean_ns = sc.mean;
	r->rms_ns = sc.rms;
	r->p99_ns = sc.p99_abs;
	r->max_ns = sc.max_abs;
	if (r->has_estimate) {
		r->est_mean_ns = est_sum / n;
		r->est_coverage = (double)covered / n;
	}
	return 0;
}

int servo_sim_run(const struct servo_sim_params *p, struct servo_sim_result *r,
                  void (*trace)(void *arg, const struct servo_sim_sample *smp), void *arg)
{
	struct sim_time st = {.now_ns = SIM_START_NS};
	struct vclock_params prm;
	struct servo_sim_sample smp;
	struct sim_rng rng;
	struct tclock *clk;
	struct servo *sv;
	struct stats_lock lock;
	double *win, settle, est_sum = 0, e;
	unsigned long n, k, covered = 0;
	tmv_t local;
	int err = 0;

	if (!p || !r || !params_valid(p))
		return -EINVAL;
	*r = (struct servo_sim_result){.lock_time_s = -1, .first_locked_s = -1};
	r->lock_threshold_ns = p->lock_threshold_ns > 0 ? p->lock_threshold_ns
	                                                : fmax(10 * p->noise_ns, MIN_LOCK_NS);
	settle = p->settle_s < 0 ? p->duration_s / 2 : p->settle_s;
	n = (unsigned long)floor(p->duration_s / p->interval_s + 1e-9) + 1;

	prm = (struct vclock_params){.initial_offset_ns = (tmv_t)llround(p->initial_offset_ns),
	                             .nat_ppm = p->nat_ppm,
	                             .wander_ppb = p->wander_ppb,
	                             .seed = p->seed};
	sim_rng_seed(&rng, p->seed);
	stats_lock_init(&lock, r->lock_threshold_ns);
	win = malloc(n * sizeof(*win));
	if (!win)
		return -ENOMEM;
	clk = tclock_sim_create(&st, &prm);
	if (!clk) {
		err = -errno;
		goto out_free;
	}
	sv = servo_create(p->type, p->cfg, 0.0, tclock_max_adj(clk));
	if (!sv) {
		err = -errno;
		goto out_clock;
	}
	servo_sync_interval(sv, p->interval_s);

	for (k = 0; k < n; k++) {
		smp.t_s = k * p->interval_s;
		st.now_ns = SIM_START_NS + (tmv_t)llround(smp.t_s * 1e9);
		smp.offset_ns = (int64_t)llround((double)tclock_sim_error(clk) +
		                                 measurement_noise(p, &rng));
		tclock_gettime(clk, &local);
		smp.freq_ppb = servo_sample(sv, smp.offset_ns, (uint64_t)local, 1.0, &smp.state);
		if (smp.state == SERVO_JUMP) {
			tclock_step(clk, -smp.offset_ns);
			r->jumps++;
		}
		if (smp.state != SERVO_UNLOCKED)
			tclock_adjfreq(clk, smp.freq_ppb);
		if (smp.state == SERVO_LOCKED && r->first_locked_s < 0)
			r->first_locked_s = smp.t_s;
		smp.error_ns = tclock_sim_error(clk);
		smp.estimate_ns = NAN;
		if (servo_error_estimate(sv, &smp.estimate_ns) == -EOPNOTSUPP)
			smp.estimate_ns = NAN;
		else
			r->has_estimate = true;
		if (trace)
			trace(arg, &smp);

		e = (double)smp.error_ns;
		stats_lock_add(&lock, e);
		if (smp.t_s + 1e-9 >= settle) {
			win[r->samples++] = e;
			if (!isnan(smp.estimate_ns)) {
				est_sum += smp.estimate_ns;
				covered += fabs(e) <= 3 * smp.estimate_ns;
			}
		}
	}
	r->final_state = servo_state(sv);
	if (stats_lock_index(&lock) >= 0) {
		r->locked = true;
		r->lock_time_s = (double)stats_lock_index(&lock) * p->interval_s;
	}
	err = window_stats(r, win, est_sum, covered);
	servo_destroy(sv);
out_clock:
	tclock_destroy(clk);
out_free:
	free(win);
	return err;
}
