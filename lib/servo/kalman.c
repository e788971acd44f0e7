// SPDX-License-Identifier: MIT
/*
 * Kalman servo: a two-state filter over the clock's time offset and natural frequency error,
 * which also knows how wrong it is (servo_error_estimate: the bound vmclock publishes).
 *
 * Model (t in s, theta in ns, y and u in ppb = ns/s):
 *   theta(t_k+1) = theta(t_k) + (y + u_k) * dt + phase noise    u_k: frequency we set at t_k
 *   y(t_k+1)     = y(t_k) + frequency random walk
 *   z_k          = theta(t_k) + v_k,  v_k ~ N(0, R / weight)      z: offset_ns, local - master
 *   Q = [q1 dt + q2 dt^3/3, q2 dt^2/2; q2 dt^2/2, q2 dt]
 *   q1 = 1 ns^2/s (white FM, ADEV(1 s) ~ 1e-9), q2 = kalman_freq_noise_ppb^2 (ppb^2/s).
 *
 * R: kalman_meas_noise_ns^2 when configured, else estimated without the filter's help from
 * second differences of the control-corrected offsets (d = r_k - r_k-1 with r_k the offset
 * rate minus the frequency we set: var(d) = R (1/dt1^2 + (1/dt1 + 1/dt0)^2 + 1/dt0^2)); the
 * estimate is the median of the last 1024 such samples / 0.4549 (the median of chi^2(1)), so
 * delay spikes barely move it. P is rescaled with R (covariance scaling).
 *
 * Q adapts (see adapt_q): an EWMA (1/16) of nu^2/S above 1.5, or of nu/sqrt(S) beyond 3 of its
 * sigmas, multiplies Q by 1.1 per sample; NIS below 1.2 relaxes it by 1% per sample toward the
 * configured Q, so unmodelled wander cannot make the filter (and its estimate) overconfident.
 * Above 8 samples/s (an on-demand burst: 64 Sync/s) the steps are per 1/8 s, not per sample:
 * a quarter second of correlated timestamp noise would otherwise inflate Q 20-fold and the
 * filter would follow the noise. An adaptive R is inflated the same way while the innovations
 * stay white (heavy-tailed noise the median does not see), at most 8 samples/s.
 *
 * Outliers: an innovation above 5 sigma(S) is rejected (prediction only); the 4th outlier in a
 * row re-opens the gate, inflates P by the innovation and is followed (a real time step).
 *
 * Control: frequency = -y - theta / Tc, Tc = 2 sync intervals (halve the offset each sample)
 * but at least 0.25 s, clamped to max_frequency. The floor matters only above 8 Sync/s: at
 * 64 Sync/s a 31 ms Tc turned the estimate's few hundred ns of noise into +-10 ppm of steering
 * (a vmclock page, rated over a TSC baseline, cannot follow that).
 *
 * States: the first sample is held (s0); the second initialises the filter exactly from the two
 * offsets (theta = z, y = slope - u) and returns JUMP (step by -offset) if first_update and
 * |offset| > first_step_threshold, or |offset| > step_threshold, else LOCKED. Running, an
 * |offset| > step_threshold restarts the acquisition (s0), as linuxptp's PI does.
 *
 * Error estimate: sqrt(theta^2 + P00) after the last sample (and its step): the RMS of the
 * clock's true time error given everything the filter knows.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "servo_private.h"

#define Q_PHASE        1.0    /* ns^2/s */
#define GATE_SIGMA     5.0    /* innovation gate */
#define GATE_REOPEN    3      /* outliers in a row rejected before the gate re-opens */
#define TC_INTERVALS   2.0    /* offset correction time, in sync intervals */
#define TC_MIN_S       0.25   /* ... and at least this, s */
#define ADAPT_STEP_S   0.125  /* Q adapts at most one step per this, s */
#define R_WINDOW       1024   /* second-difference samples in the median */
#define R_MED_CHI2     0.4549 /* median of chi^2 with 1 degree of freedom */
#define R_PRIOR        1e6    /* ns^2 (1 us): used until R_MIN_SAMPLES, as a floor */
#define R_MIN_SAMPLES  8
#define R_FLOOR        1.0        /* ns^2: timestamps are whole ns */
#define DEF_FREQ_NOISE 0.1        /* ppb/sqrt(s) when configured 0 */
#define NIS_SMOOTH     (1.0 / 16) /* EWMA of the normalised innovation squared */
#define NIS_HIGH       1.5        /* above: the model is too confident, raise Q */
#define NIS_LOW        1.2        /* below: relax Q back toward the configured value */
#define QSCALE_UP      1.1
#define QSCALE_DOWN    0.99
#define QSCALE_MAX     1e8
#define CORR_SIGMAS    1.0 /* lag-1 EWMA above this many sigmas of a white one: wander */

struct kalman_servo {
	struct servo base;
	int count;       /* 0, 1: acquisition samples held; 2: running */
	int64_t z0;      /* first acquisition sample, ns */
	uint64_t l0;     /* its local time, ns */
	double theta, y; /* state: ns, ppb */
	double p[2][2];  /* covariance: ns^2, ns ppb, ppb^2 */
	double u;        /* frequency set now, ppb (+ = faster) */
	int rejects;     /* consecutive gated samples */
	double q2;       /* ppb^2/s, configured */
	double qscale;   /* >= 1: adaptive inflation of Q */
	double nis;      /* EWMA of innovation^2 / S, 1 when consistent */
	double bias;     /* EWMA of innovation / sqrt(S), 0 when consistent */
	double corr;     /* EWMA of x_k x_k-1 (x = innovation / sqrt(S)), 0 when white */
	double x_prev;   /* last normalised innovation */
	double rscale;   /* >= 1: adaptive inflation of R (heavy-tailed noise) */
	double r_fixed;  /* ns^2, 0 = adaptive */
	double r;        /* current R, ns^2 */
	/* second-difference R estimator */
	int have_prev, have_rate;
	int64_t z_prev;  /* previous offset after its step (0 after a JUMP), ns */
	uint64_t l_prev; /* previous local time, shifted by its step, ns */
	double rate_prev, dt_prev;
	double rs[R_WINDOW];     /* ring, oldest at rs_i when full */
	double sorted[R_WINDOW]; /* the same values, ascending */
	int rs_n, rs_i;
};

static struct kalman_servo *to_kf(struct servo *s)
{
	return container_of(s, struct kalman_servo, base);
}

/* Replace the oldest window sample by v: the ring keeps the order, `sorted` the values. */
static void rs_push(struct kalman_servo *k, double v)
{
	int lo = 0, hi, i;

	if (k->rs_n == R_WINDOW) {
		/* drop the oldest value from the sorted copy */
		double old = k->rs[k->rs_i];

		hi = k->rs_n - 1;
		while (lo < hi) {
			i = (lo + hi) / 2;
			if (k->sorted[i] < old)
				lo = i + 1;
			else
				hi = i;
		}
		memmove(&k->sorted[lo], &k->sorted[lo + 1], sizeof(double) * (k->rs_n - lo - 1));
		k->rs_n--;
	}
	k->rs[k->rs_i] = v;
	k->rs_i = (k->rs_i + 1) % R_WINDOW;
	lo = 0;
	hi = k->rs_n;
	while (lo < hi) {
		i = (lo + hi) / 2;
		if (k->sorted[i] < v)
			lo = i + 1;
		else
			hi = i;
	}
	memmove(&k->sorted[lo + 1], &k->sorted[lo], sizeof(double) * (k->rs_n - lo));
	k->sorted[lo] = v;
	k->rs_n++;
}

/* R from the window: median / median(chi^2(1)); the prior until enough samples. */
static double r_estimate(const struct kalman_servo *k)
{
	int n = k->rs_n;
	double med;

	if (k->r_fixed > 0)
		return k->r_fixed;
	if (n == 0)
		return R_PRIOR;
	med = n % 2 ? k->sorted[n / 2] : 0.5 * (k->sorted[n / 2 - 1] + k->sorted[n / 2]);
	med /= R_MED_CHI2;
	if (n < R_MIN_SAMPLES && med < R_PRIOR)
		med = R_PRIOR;
	return med > R_FLOOR ? med : R_FLOOR;
}

/* Feed the R estimator with this sample (every sample, gated or not). */
static void r_observe(struct kalman_servo *k, int64_t z, uint64_t l)
{
	double dt, rate, d, f;

	if (!k->have_prev)
		goto out;
	dt = (double)(int64_t)(l - k->l_prev) / 1e9;
	if (!(dt > 0)) {
		k->have_rate = 0;
		goto out;
	}
	rate = (double)(z - k->z_prev) / dt - k->u;
	if (k->have_rate) {
		d = rate - k->rate_prev;
		f = 1 / (dt * dt) + (1 / dt + 1 / k->dt_prev) * (1 / dt + 1 / k->dt_prev) +
		    1 / (k->dt_prev * k->dt_prev);
		rs_push(k, d * d / f);
	}
	k->rate_prev = rate;
	k->dt_prev = dt;
	k->have_rate = 1;
out:
	k->have_prev = 1;
	k->z_prev = z;
	k->l_prev = l;
}

/* The clock was stepped by -z after this sample: shift the estimator's history with it. */
static void r_stepped(struct kalman_servo *k, int64_t z)
{
	k->z_prev -= z;
	k->l_prev -= (uint64_t)z;
}

/* New R. While the window fills, P (then mostly measurement information) scales with R;
 * once full, R changes slowly and P follows through the filter. */
static void set_r(struct kalman_servo *k, double r)
{
	double f = r / k->r;

	k->r = r;
	if (k->rs_n >= R_WINDOW)
		return;
	k->p[0][0] *= f;
	k->p[0][1] *= f;
	k->p[1][0] *= f;
	k->p[1][1] *= f;
}

static double control(struct kalman_servo *k)
{
	double tc = fmax(TC_INTERVALS * k->base.interval_s, TC_MIN_S);

	k->u = servo_clamp(&k->base, -k->y - k->theta / tc);
	return k->u;
}

static void predict(struct kalman_servo *k, double dt)
{
	double q1 = Q_PHASE * k->qscale, q2 = k->q2 * k->qscale;
	double p00 = k->p[0][0], p01 = k->p[0][1], p11 = k->p[1][1];

	k->theta += (k->y + k->u) * dt;
	k->p[0][0] = p00 + 2 * dt * p01 + dt * dt * p11 + q1 * dt + q2 * dt * dt * dt / 3;
	k->p[0][1] = p01 + dt * p11 + q2 * dt * dt / 2;
	k->p[1][0] = k->p[0][1];
	k->p[1][1] = p11 + q2 * dt;
}

/* Innovation consistency. With the right Q and R the normalised innovations x = nu / sqrt(S)
 * are white N(0, 1): their squares average 1 and their EWMA mean m has variance a / (2 - a).
 * R is estimated apart (second differences), so a lasting excess (NIS EWMA > 1.5) or a
 * bias (m^2 > 9 var(m), slow wander smaller than the noise) means unmodelled clock dynamics:
 * inflate Q fast; relax it slowly toward the configured Q otherwise. This keeps the filter,
 * and its error estimate, from being overconfident when the model is wrong.
 * An excess whose innovations stay white (their lag-1 product's EWMA within 1 sigma of a
 * white sequence's) also means the noise is wider than the median-based R says: heavy-tailed
 * software stamps under load, where 30 % of the samples carry an exponential delay the
 * median does not see. Then R is inflated too (at most 8 Sync/s), so NIS comes back to 1
 * before Q has grown enough for the filter to follow the noise (issue 18: in simulation
 * 390-430 ns true sd instead of 90-210). */
static void adapt_q(struct kalman_servo *k, double nu, double s, double dt)
{
	double nis = nu * nu / s, x = nu / sqrt(s), xc = fmax(-GATE_SIGMA, fmin(GATE_SIGMA, x));
	const double var_m = NIS_SMOOTH / (2 - NIS_SMOOTH);
	double w = dt < ADAPT_STEP_S ? dt / ADAPT_STEP_S : 1.0; /* steps per sample */
	double up = w < 1.0 ? pow(QSCALE_UP, w) : QSCALE_UP;
	double down = w < 1.0 ? pow(QSCALE_DOWN, w) : QSCALE_DOWN;

	if (nis > GATE_SIGMA * GATE_SIGMA)
		nis = GATE_SIGMA * GATE_SIGMA;
	k->nis += NIS_SMOOTH * (nis - k->nis);
	k->bias += NIS_SMOOTH * (x - k->bias);
	k->corr += NIS_SMOOTH * (xc * k->x_prev - k->corr);
	k->x_prev = xc;
	if ((k->nis > NIS_HIGH || k->bias * k->bias > 9 * var_m) && k->qscale < QSCALE_MAX)
		k->qscale *= up;
	else if (k->nis < NIS_LOW && k->qscale > 1.0)
		k->qscale = fmax(1.0, k->qscale * down);
	if (w < 1.0 || k->r_fixed > 0)
		return; /* an on-demand burst (64 Sync/s), or R configured: R is left alone */
	if (k->nis > NIS_HIGH && k->corr <= CORR_SIGMAS * sqrt(var_m) * k->nis) {
		if (k->rscale < QSCALE_MAX)
			k->rscale *= up;
	} else if (k->nis < NIS_LOW && k->rscale > 1.0) {
		k->rscale = fmax(1.0, k->rscale * down);
	}
}

/* Measurement update with gating; returns 1 if the sample was used. */
static int update(struct kalman_servo *k, double z, double weight, double dt)
{
	double rw = k->r * k->rscale / weight, nu = z - k->theta, s, k0, k1;
	double p00, p01, p11;

	s = k->p[0][0] + rw;
	if (nu * nu > GATE_SIGMA * GATE_SIGMA * s) {
		if (k->rejects < GATE_REOPEN) {
			k->rejects++;
			return 0;
		}
		/* persistent: believe it, and let the state move there */
		k->p[0][0] += nu * nu;
		k->p[1][1] += nu * nu /
		              (GATE_REOPEN * GATE_REOPEN * k->base.interval_s * k->base.interval_s);
		s = k->p[0][0] + rw;
	}
	if (k->rejects == 0)
		adapt_q(k, nu, s, dt);
	k->rejects = 0;
	p00 = k->p[0][0];
	p01 = k->p[0][1];
	p11 = k->p[1][1];
	k0 = p00 / s;
	k1 = p01 / s;
	k->theta += k0 * nu;
	k->y += k1 * nu;
	/* Joseph-free form, kept symmetric: P - K S K' */
	k->p[0][0] = p00 - k0 * k0 * s;
	k->p[0][1] = p01 - k0 * k1 * s;
	k->p[1][0] = k->p[0][1];
	k->p[1][1] = p11 - k1 * k1 * s;
	if (k->p[0][0] < 0)
		k->p[0][0] = 0;
	if (k->p[1][1] < 0)
		k->p[1][1] = 0;
	return 1;
}

static double acquire(struct kalman_servo *k, int64_t z, uint64_t l, enum servo_state *state)
{
	struct servo *s = &k->base;
	double dt = (double)(int64_t)(l - k->l0) / 1e9, r = k->r;

	if (!(dt > 0)) {
		k->count = 0;
		*state = SERVO_UNLOCKED;
		return k->u;
	}
	/* exact posterior of two samples under a flat prior */
	k->theta = (double)z;
	k->y = (double)(z - k->z0) / dt - k->u;
	k->p[0][0] = r;
	k->p[0][1] = k->p[1][0] = r / dt;
	k->p[1][1] = 2 * r / (dt * dt);
	k->rejects = 0;
	k->count = 2;
	if (servo_want_step(s, k->theta)) {
		k->theta -= (double)z;
		r_stepped(k, z);
		*state = SERVO_JUMP;
	} else {
		*state = SERVO_LOCKED;
	}
	return control(k);
}

static double kalman_sample(struct servo *s, int64_t offset_ns, uint64_t local_ns, double weight,
                            enum servo_state *state)
{
	struct kalman_servo *k = to_kf(s);
	double dt;
	uint64_t l_prev = k->l_prev;

	r_observe(k, offset_ns, local_ns);
	if (k->r_fixed <= 0)
		set_r(k, r_estimate(k));

	switch (k->count) {
	case 0:
		k->z0 = offset_ns;
		k->l0 = local_ns;
		k->count = 1;
		*state = SERVO_UNLOCKED;
		return k->u;
	case 1:
		return acquire(k, offset_ns, local_ns, state);
	default:
		break;
	}
	if (servo_over_step_threshold(s, offset_ns)) {
		k->count = 0;
		*state = SERVO_UNLOCKED;
		return k->u;
	}
	dt = (double)(int64_t)(local_ns - l_prev) / 1e9;
	if (!(dt > 0) || dt > 1e6)
		dt = s->interval_s;
	predict(k, dt);
	update(k, (double)offset_ns, weight, dt);
	*state = SERVO_LOCKED;
	return control(k);
}

static void kalman_sync_interval(struct servo *s, double interval_s)
{
	(void)s;
	(void)interval_s; /* base.interval_s is what control() reads */
}

static void kalman_reset(struct servo *s)
{
	struct kalman_servo *k = to_kf(s);

	/* the frequency set on the clock (u) and the measurement-noise window survive */
	k->count = 0;
	k->rejects = 0;
	k->have_prev = 0;
	k->have_rate = 0;
	k->qscale = 1.0;
	k->rscale = 1.0;
	k->nis = 1.0;
	k->bias = 0.0;
	k->corr = 0.0;
	k->x_prev = 0.0;
}

static int kalman_error_estimate(struct servo *s, double *err_ns)
{
	struct kalman_servo *k = to_kf(s);

	if (k->count < 2) {
		*err_ns = INFINITY;
		return -EAGAIN;
	}
	*err_ns = sqrt(k->theta * k->theta + k->p[0][0]);
	return 0;
}

static void kalman_destroy(struct servo *s)
{
	free(to_kf(s));
}

static const struct servo_ops kalman_ops = {
        .sample = kalman_sample,
        .sync_interval = kalman_sync_interval,
        .reset = kalman_reset,
        .error_estimate = kalman_error_estimate,
        .destroy = kalman_destroy,
};

struct servo *kalman_servo_create(const struct servo_config *cfg, double fadj_ppb)
{
	struct kalman_servo *k = calloc(1, sizeof(*k));
	double fn = cfg->kalman_freq_noise_ppb > 0 ? cfg->kalman_freq_noise_ppb : DEF_FREQ_NOISE;

	if (!k)
		return NULL;
	k->base.ops = &kalman_ops;
	k->u = fadj_ppb;
	k->q2 = fn * fn;
	k->qscale = 1.0;
	k->rscale = 1.0;
	k->nis = 1.0;
	k->r_fixed = cfg->kalman_meas_noise_ns * cfg->kalman_meas_noise_ns;
	k->r = k->r_fixed > 0 ? k->r_fixed : R_PRIOR;
	return &k->base;
}
