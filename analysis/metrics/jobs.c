// SPDX-License-Identifier: MIT
/*
 * Several deviations at once on every core (metrics.h, dev_run_jobs): a flat list of tasks
 * (one deviation at one factor, MTIE at all its factors, one noise identification per
 * distinct factor), taken by the workers from a shared atomic counter, largest first. Tasks
 * write to disjoint output slots, so no locking. TDEV asked for beside MDEV at the same
 * factors is not computed twice: it is tau / sqrt(3) times MDEV.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/metrics.h"

enum task_kind { T_MTIE, T_VALUE, T_NOISE };

struct task {
	enum task_kind kind;
	size_t job, i; /* T_VALUE: jobs[job].m[i]; T_NOISE: factor i */
};

struct pool {
	const double *x;
	size_t n;
	double tau0;
	struct dev_job *jobs;
	struct task *tasks;
	size_t ntasks;
	size_t *noise_m; /* distinct factors that want a noise identification */
	int *noise_alpha;
	atomic_size_t next;
	atomic_int err;
};

static void run_task(struct pool *p, const struct task *t)
{
	struct dev_job *j = &p->jobs[t->job];
	int e = 0;
	switch (t->kind) {
	case T_MTIE:
		e = dev_compute(j->kind, p->x, p->n, p->tau0, j->m, j->nm, j->out);
		break;
	case T_VALUE:
		e = dev_compute(j->kind, p->x, p->n, p->tau0, &j->m[t->i], 1, &j->out[t->i]);
		break;
	case T_NOISE:
		p->noise_alpha[t->i] = noise_id_lag1(p->x, p->n, p->noise_m[t->i]);
		break;
	}
	if (e)
		atomic_store(&p->err, e);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		size_t k = atomic_fetch_add(&p->next, 1);
		if (k >= p->ntasks)
			return NULL;
		run_task(p, &p->tasks[k]);
	}
}

/* the MDEV job TDEV job t can be derived from, or nj */
static size_t mdev_source(const struct dev_job *jobs, size_t nj, size_t t)
{
	for (size_t k = 0; k < nj; k++)
		if (jobs[k].kind == DEV_MDEV && jobs[k].nm == jobs[t].nm &&
		    (!jobs[t].ci || jobs[k].ci) &&
		    !memcmp(jobs[k].m, jobs[t].m, jobs[t].nm * sizeof(*jobs[t].m)))
			return k;
	return nj;
}

static bool wants_noise(const struct dev_job *j)
{
	return j->ci && j->kind != DEV_MTIE && j->kind != DEV_TIERMS;
}

static size_t noise_index(const struct pool *p, size_t nnoise, size_t m)
{
	for (size_t u = 0; u < nnoise; u++)
		if (p->noise_m[u] == m)
			return u;
	return nnoise;
}

/* fill the task list: MTIE first, then values, then noise ids (largest factors last) */
static size_t plan(struct pool *p, size_t nj, size_t *src, size_t *nnoise)
{
	size_t nt = 0, nu = 0;
	for (size_t k = 0; k < nj; k++)
		if (p->jobs[k].kind == DEV_MTIE && p->jobs[k].nm)
			p->tasks[nt++] = (struct task){T_MTIE, k, 0};
	for (size_t k = 0; k < nj; k++) {
		struct dev_job *j = &p->jobs[k];
		src[k] = j->kind == DEV_TDEV ? mdev_source(p->jobs, nj, k) : nj;
		if (j->kind == DEV_MTIE || src[k] < nj)
			continue;
		for (size_t i = 0; i < j->nm; i++)
			p->tasks[nt++] = (struct task){T_VALUE, k, i};
	}
	for (size_t k = 0; k < nj; k++) {
		if (!wants_noise(&p->jobs[k]))
			continue;
		for (size_t i = 0; i < p->jobs[k].nm; i++) {
			size_t m = p->jobs[k].m[i];
			if (noise_index(p, nu, m) == nu) {
				p->noise_m[nu] = m;
				p->tasks[nt++] = (struct task){T_NOISE, k, nu++};
			}
		}
	}
	*nnoise = nu;
	return nt;
}

static unsigned pick_threads(unsigned threads)
{
	if (threads == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		threads = c > 0 ? (unsigned)c : 1;
	}
	return threads > 64 ? 64 : threads;
}

/* TDEV values from MDEV, then every interval from the shared noise ids */
static int finish(struct pool *p, size_t nj, const size_t *src, size_t nnoise)
{
	for (size_t k = 0; k < nj; k++) {
		struct dev_job *j = &p->jobs[k];
		if (src[k] < nj) {
			for (size_t i = 0; i < j->nm; i++) {
				j->out[i] = p->jobs[src[k]].out[i];
				j->out[i].value *= j->out[i].tau / sqrt(3.0);
				j->out[i].edf = j->out[i].ci_lo = j->out[i].ci_hi = NAN;
				j->out[i].alpha = 99;
			}
		}
		if (!wants_noise(j))
			continue;
		int *alpha = malloc((j->nm ? j->nm : 1) * sizeof(*alpha));
		if (!alpha)
			return -ENOMEM;
		for (size_t i = 0; i < j->nm; i++)
			alpha[i] = p->noise_alpha[noise_index(p, nnoise, j->m[i])];
		dev_confidence_alpha(j->kind, p->n, j->out, j->nm, alpha);
		free(alpha);
	}
	return 0;
}

int dev_run_jobs(const double *x, size_t n, double tau0, struct dev_job *jobs, size_t nj,
                 unsigned threads)
{
	size_t total = 0;
	for (size_t k = 0; k < nj; k++)
		total += jobs[k].nm;
	struct pool p = {.x = x, .n = n, .tau0 = tau0, .jobs = jobs};
	size_t *src = malloc((nj ? nj : 1) * sizeof(*src)), nnoise = 0;
	p.tasks = malloc((2 * total + nj + 1) * sizeof(*p.tasks));
	p.noise_m = malloc((total + 1) * sizeof(*p.noise_m));
	p.noise_alpha = malloc((total + 1) * sizeof(*p.noise_alpha));
	int err = src && p.tasks && p.noise_m && p.noise_alpha ? 0 : -ENOMEM;
	if (!err) {
		p.ntasks = plan(&p, nj, src, &nnoise);
		atomic_init(&p.next, 0);
		atomic_init(&p.err, 0);
		unsigned nt = pick_threads(threads), started = 0;
		pthread_t tid[64];
		for (unsigned i = 1; i < nt && i < p.ntasks; i++)
			if (pthread_create(&tid[started], NULL, worker, &p) == 0)
				started++;
		worker(&p); /* this thread works too (and alone if no thread started) */
		for (unsigned i = 0; i < started; i++)
			pthread_join(tid[i], NULL);
		err = atomic_load(&p.err);
	}
	if (!err)
		err = finish(&p, nj, src, nnoise);
	free(src);
	free(p.tasks);
	free(p.noise_m);
	free(p.noise_alpha);
	return err;
}
