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

/* An empty stream whose pairs will live in mcxt. */
extern void time_stream_init(TimeStream *s, MemoryContext mcxt);

/* Room for `more` pairs after the ones held. */
extern void time_stream_reserve(TimeStream *s, int64 more);

/* Add one pair (v finite). */
extern void time_stream_add(TimeStream *s, int64 t, double v);

/* Add n pairs (sorted: they are in (time, value) order). */
extern void time_stream_append(TimeStream *s, const TimeStreamPair *p, int64 n, bool sorted);

/* Put the pairs in (time, value) order, in place; the set of pairs is unchanged. */
extern void time_stream_sort(TimeStream *s);

#endif
