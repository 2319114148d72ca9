/*
 * <stdlib.h> arithmetic and pseudo-random numbers.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

int abs(int x)
{
	return x < 0 ? -x : x;
}

long labs(long x)
{
	return x < 0 ? -x : x;
}

long long llabs(long long x)
{
	return x < 0 ? -x : x;
}

intmax_t imaxabs(intmax_t x)
{
	return x < 0 ? -x : x;
}

/* C division truncates toward zero, which is what div_t asks for. */
div_t div(int num, int den)
{
	return (div_t){ num / den, num % den };
}

ldiv_t ldiv(long num, long den)
{
	return (ldiv_t){ num / den, num % den };
}

lldiv_t lldiv(long long num, long long den)
{
	return (lldiv_t){ num / den, num % den };
}

imaxdiv_t imaxdiv(intmax_t num, intmax_t den)
{
	return (imaxdiv_t){ num / den, num % den };
}

/* rand: a 64-bit linear congruential generator (Knuth's MMIX constants)
 * whose top 31 bits are the result; srand(1) is the initial state, as
 * C11 7.22.2.2 requires. */
static uint64_t rand_state = 1;

static uint64_t rand_step(uint64_t s)
{
	return s * 6364136223846793005ull + 1442695040888963407ull;
}

int rand(void)
{
	rand_state = rand_step(rand_state);
	return (int)(rand_state >> 33);
}

void srand(unsigned seed)
{
	rand_state = seed;
}

/* POSIX rand_r: all its state is the 32-bit *seed. */
int rand_r(unsigned *seed)
{
	uint64_t s = rand_step(*seed);

	*seed = (unsigned)(s >> 32);
	return (int)(s >> 33);
}
