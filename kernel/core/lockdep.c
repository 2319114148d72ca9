/*
 * The lock-order checker (kernel/spinlock.h), on with `debug=locks`: each
 * CPU keeps the locks it holds, in order; taking one whose rank is not
 * above every held one's is a potential deadlock (another CPU may take the
 * two the other way round), reported at once, on the first run of the
 * offending path, whether or not the deadlock would have happened.
 */
#include <kernel/arch.h>
#include <kernel/panic.h>
#include <kernel/spinlock.h>

#define LOCKDEP_DEPTH 8
#define LOCKDEP_CPUS  16

bool lockdep_on;

static struct {
	const spinlock_t *held[LOCKDEP_DEPTH];
	unsigned depth;
} lockdep_cpu[LOCKDEP_CPUS];

void lockdep_acquire(const spinlock_t *l)
{
	unsigned cpu = arch_cpu_id();
	typeof(lockdep_cpu[0]) *c;

	if (cpu >= LOCKDEP_CPUS)
		return;
	c = &lockdep_cpu[cpu];
	for (unsigned i = 0; i < c->depth; i++)
		if (c->held[i]->rank >= l->rank)
			panic("lock order: CPU %u takes %s (rank %u) holding %s (rank %u)",
			      cpu, l->name, l->rank, c->held[i]->name, c->held[i]->rank);
	if (c->depth == LOCKDEP_DEPTH)
		panic("lock order: CPU %u holds %u locks", cpu, c->depth);
	c->held[c->depth++] = l;
}

void lockdep_release(const spinlock_t *l)
{
	unsigned cpu = arch_cpu_id();
	typeof(lockdep_cpu[0]) *c;

	if (cpu >= LOCKDEP_CPUS)
		return;
	c = &lockdep_cpu[cpu];
	for (unsigned i = c->depth; i-- > 0; ) {
		if (c->held[i] != l)
			continue;
		for (; i + 1 < c->depth; i++)
			c->held[i] = c->held[i + 1];
		c->depth--;
		return;
	}
	panic("lock order: CPU %u releases %s, which it does not hold", cpu, l->name);
}
