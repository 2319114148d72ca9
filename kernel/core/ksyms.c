/* Lookup in the embedded symbol table (see kernel/ksyms.h). */
#include <kernel/ksyms.h>

extern const char __ksyms_start[], __ksyms_end[];

static const struct ksyms_header *ksyms_table(void)
{
	const struct ksyms_header *h = (const void *)__ksyms_start;
	size_t avail = (size_t)(__ksyms_end - __ksyms_start);

	if (avail < sizeof(*h) || h->magic != KSYMS_MAGIC ||
	    h->count > (avail - sizeof(*h)) / sizeof(struct ksyms_entry))
		return NULL;
	return h;
}

size_t ksyms_count(void)
{
	const struct ksyms_header *h = ksyms_table();

	return h ? h->count : 0;
}

const char *ksyms_lookup(uintptr_t pc, uintptr_t *offset)
{
	const struct ksyms_header *h = ksyms_table();
	const struct ksyms_entry *e;
	size_t lo = 0, hi;

	if (!h || !h->count)
		return NULL;
	e = (const struct ksyms_entry *)(h + 1);
	hi = h->count;
	/* Last entry with addr <= pc. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (e[mid].addr <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (pc < e[lo].addr || (e[lo].size && pc >= e[lo].addr + e[lo].size))
		return NULL;
	if (e[lo].name_off >= (size_t)(__ksyms_end - __ksyms_start))
		return NULL;
	*offset = pc - e[lo].addr;
	return __ksyms_start + e[lo].name_off;
}
