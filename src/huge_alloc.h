/*
 * huge_alloc.h: allocations of large arrays in a memory context, with the
 * kernel asked to back them with transparent huge pages.
 */
#ifndef MLMON_HUGE_ALLOC_H
#define MLMON_HUGE_ALLOC_H

#include "postgres.h"

/* Allocate `size` bytes (may pass 1 GB) in cxt. */
extern void *huge_alloc(MemoryContext cxt, Size size);

/* Grow or shrink a chunk from huge_alloc to `size` bytes. */
extern void *huge_realloc(void *p, Size size);

#endif
