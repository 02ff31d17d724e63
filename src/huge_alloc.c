/*
 * huge_alloc.c: large arrays (samples of millions of values, sort scratch,
 * serialized states) are mostly written once, right after allocation.  On
 * virtual machines a first touch of a 4 kB page costs microseconds, which
 * for tens of megabytes exceeds the cost of sorting them.  So arrays of 4 MB
 * and more are advised as MADV_HUGEPAGE (where the kernel has transparent
 * huge pages in "madvise" mode): one fault then maps 2 MB.  The advice is a
 * hint; without huge pages nothing changes.
 */
#include "huge_alloc.h"

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "utils/memutils.h"

#define HUGE_PAGE_SIZE ((Size) 2 * 1024 * 1024)
#define ADVISE_MIN_SIZE ((Size) 4 * 1024 * 1024)

/* Advise the whole 2 MB pages inside [p, p + size) to be huge pages. */
static void
advise_huge(void *p, Size size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	uintptr_t	start = TYPEALIGN(HUGE_PAGE_SIZE, (uintptr_t) p);
	uintptr_t	end = TYPEALIGN_DOWN(HUGE_PAGE_SIZE, (uintptr_t) p + size);

	if (size >= ADVISE_MIN_SIZE && end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
#endif
}

void *
huge_alloc(MemoryContext cxt, Size size)
{
	void	   *p = MemoryContextAllocHuge(cxt, size);

	advise_huge(p, size);
	return p;
}

void *
huge_realloc(void *p, Size size)
{
	p = repalloc_huge(p, size);
	advise_huge(p, size);
	return p;
}
