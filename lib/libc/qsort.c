/*
 * qsort and bsearch (C11 7.22.5).  qsort is an introsort: quicksort with
 * a median-of-three pivot, insertion sort for short runs, recursion only
 * into the smaller side (stack depth O(log n)), and heapsort once the
 * depth passes 2 log2 n, so no input takes more than O(n log n).  Not
 * stable, as C allows.
 */
#include <stdint.h>
#include <stdlib.h>

typedef int (*qsort_cmp_fn)(const void *, const void *);

#define QSORT_SHORT 8

struct qsort_ctx {
	size_t size;
	qsort_cmp_fn cmp;
};

/* Swap two elements, a word at a time when size and addresses allow. */
static void qsort_swap(const struct qsort_ctx *q, char *a, char *b)
{
	size_t n = q->size;

	if (a == b)
		return;
	if (((uintptr_t)a | (uintptr_t)b | n) % sizeof(long) == 0) {
		for (long *x = (long *)a, *y = (long *)b; n; n -= sizeof(long)) {
			long t = *x;
			*x++ = *y;
			*y++ = t;
		}
		return;
	}
	for (; n; n--, a++, b++) {
		char t = *a;
		*a = *b;
		*b = t;
	}
}

static char *qsort_at(const struct qsort_ctx *q, char *base, size_t i)
{
	return base + i * q->size;
}

static void insertion_sort(const struct qsort_ctx *q, char *base, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j && q->cmp(qsort_at(q, base, j - 1),
					       qsort_at(q, base, j)) > 0; j--)
			qsort_swap(q, qsort_at(q, base, j - 1), qsort_at(q, base, j));
}

/* Sift element i down the max-heap base[0..n). */
static void sift_down(const struct qsort_ctx *q, char *base, size_t i, size_t n)
{
	for (size_t child; (child = 2 * i + 1) < n; i = child) {
		if (child + 1 < n && q->cmp(qsort_at(q, base, child),
					    qsort_at(q, base, child + 1)) < 0)
			child++;
		if (q->cmp(qsort_at(q, base, i), qsort_at(q, base, child)) >= 0)
			return;
		qsort_swap(q, qsort_at(q, base, i), qsort_at(q, base, child));
	}
}

static void heap_sort(const struct qsort_ctx *q, char *base, size_t n)
{
	for (size_t i = n / 2; i--;)
		sift_down(q, base, i, n);
	for (size_t end = n; end-- > 1;) {
		qsort_swap(q, base, qsort_at(q, base, end));
		sift_down(q, base, 0, end);
	}
}

/* Partition base[0..n) (n > QSORT_SHORT) around the median of its first,
 * middle and last elements; returns the pivot's final index. */
static size_t partition(const struct qsort_ctx *q, char *base, size_t n)
{
	char *lo = base, *mid = qsort_at(q, base, n / 2);
	char *hi = qsort_at(q, base, n - 1);
	size_t i = 1, j = n - 2;

	/* Sort lo, mid, hi; the median goes to index 1 as the pivot, and lo
	 * and hi bound the scans below. */
	if (q->cmp(mid, lo) < 0)
		qsort_swap(q, mid, lo);
	if (q->cmp(hi, mid) < 0) {
		qsort_swap(q, hi, mid);
		if (q->cmp(mid, lo) < 0)
			qsort_swap(q, mid, lo);
	}
	qsort_swap(q, mid, qsort_at(q, base, 1));
	char *pivot = qsort_at(q, base, 1);
	for (;;) {
		do
			i++;
		while (q->cmp(qsort_at(q, base, i), pivot) < 0);
		while (q->cmp(qsort_at(q, base, j), pivot) > 0)
			j--;
		if (i >= j)
			break;
		qsort_swap(q, qsort_at(q, base, i), qsort_at(q, base, j));
		j--;
	}
	qsort_swap(q, pivot, qsort_at(q, base, j));
	return j;
}

static void intro_sort(const struct qsort_ctx *q, char *base, size_t n,
		       unsigned depth)
{
	while (n > QSORT_SHORT) {
		size_t p;

		if (depth-- == 0) {
			heap_sort(q, base, n);
			return;
		}
		p = partition(q, base, n);
		/* Recurse into the smaller side, loop on the larger. */
		if (p < n - 1 - p) {
			intro_sort(q, base, p, depth);
			base = qsort_at(q, base, p + 1);
			n = n - 1 - p;
		} else {
			intro_sort(q, qsort_at(q, base, p + 1), n - 1 - p, depth);
			n = p;
		}
	}
	insertion_sort(q, base, n);
}

void qsort(void *base, size_t n, size_t size, qsort_cmp_fn cmp)
{
	struct qsort_ctx q = { size, cmp };
	unsigned depth = 0;

	if (n < 2 || size == 0)
		return;
	for (size_t m = n; m; m >>= 1)
		depth += 2;
	intro_sort(&q, base, n, depth);
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      qsort_cmp_fn cmp)
{
	const char *lo = base;

	while (n) {
		const char *mid = lo + (n / 2) * size;
		int c = cmp(key, mid);

		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}
