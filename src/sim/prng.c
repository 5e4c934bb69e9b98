/* Pseudo-random numbers for SIMULATION CHOICES ONLY (which check-in reports clinical
 * use, which download breaks, which health check fails, jitter): splitmix64 (Steele,
 * Lea, Flood 2014) and xoshiro256** (Blackman, Vigna 2018), written from their
 * published definitions. They are fast and reproducible from --seed, and predictable:
 * NOT for keys, nonces or anything secret. Keys and nonces come from the library
 * (medfw_random_bytes: OpenSSL's RAND_bytes). */
#include "sim.h"

uint64_t sim_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

uint64_t sim_uniform(uint64_t *state, uint64_t n)
{
	/* rejection sampling: no modulo bias */
	uint64_t limit, r;

	if (n <= 1)
		return 0;
	limit = UINT64_MAX - UINT64_MAX % n;
	do
		r = sim_splitmix64(state);
	while (r >= limit);
	return r % n;
}

bool sim_chance(uint64_t *state, uint32_t ppm)
{
	if (ppm == 0)
		return false;
	if (ppm >= SIM_RATE_ONE)
		return true;
	return sim_uniform(state, SIM_RATE_ONE) < ppm;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void sim_xoshiro_seed(struct sim_xoshiro *x, uint64_t seed)
{
	uint64_t sm = seed;

	for (int i = 0; i < 4; i++)
		x->s[i] = sim_splitmix64(&sm);
}

uint64_t sim_xoshiro_next(struct sim_xoshiro *x)
{
	uint64_t *s = x->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}
