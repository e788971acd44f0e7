// SPDX-License-Identifier: MIT
/* Deterministic PRNG for seeded simulations: splitmix64 plus Box-Muller. */
#include <math.h>

#include "tsync/sim.h"

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	r->s = seed ^ 0x6a09e667f3bcc909ULL;
}

uint64_t sim_rng_u64(struct sim_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double sim_rng_uniform(struct sim_rng *r)
{
	return (double)(sim_rng_u64(r) >> 11) * 0x1.0p-53;
}

double sim_rng_gauss(struct sim_rng *r)
{
	double u1 = sim_rng_uniform(r), u2 = sim_rng_uniform(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
