/*
 * time_stream.h: (time, value) pairs collected in any order by a parallel
 * aggregate and handed back in time order (see time_stream.c).
 */
#ifndef MLMON_TIME_STREAM_H
#define MLMON_TIME_STREAM_H

#include "postgres.h"

typedef struct TimeStreamPair
{
	int64		t;				/* TimestampTz */
	double		v;				/* finite */
} TimeStreamPair;

typedef struct TimeStream
{
	MemoryContext mcxt;
	int64		n;
	int64		cap;
	bool		sorted;			/* p[0..n) is in (t, v) order */
	TimeStreamPair *p;
} TimeStream;

/* Put the pairs in (time, value) order, in place; the set of pairs is unchanged. */
extern void time_stream_sort(TimeStream *s);

#endif
