/*
 * time_stream.c: a stream of (time, value) pairs collected in any row order
 * and handed back in time order, so that an order-dependent computation (a
 * drift detector over a check's error stream) can run inside an aggregate
 * that parallel workers compute in parts.
 *
 * An ordered aggregate (detector(x ORDER BY ts)) sorts its input whatever
 * order it comes in, and never runs partially in workers.  This state keeps
 * the pairs (16 bytes each), notes whether they came in order (as a day's
 * partition gives them) and sorts only if not; partial states are
 * concatenated and the final function sorts them by time, then by value, so
 * the stream is the same whatever the plan and the order rows came in (ties
 * in time are broken by value, deterministically).
 *
 * NULL times and NULL, NaN or infinite values are skipped, as the detectors
 * skip them.  Serialization (between a worker and the leader) is limited to
 * what a bytea holds, about 67 million pairs per worker; a serial plan has no
 * such limit.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "huge_alloc.h"
#include "time_stream.h"

PG_FUNCTION_INFO_V1(mlm_time_stream_accum);
PG_FUNCTION_INFO_V1(mlm_time_stream_combine);
PG_FUNCTION_INFO_V1(mlm_time_stream_serialize);
PG_FUNCTION_INFO_V1(mlm_time_stream_deserialize);

#define TIME_STREAM_VERSION 1

void
time_stream_init(TimeStream *s, MemoryContext mcxt)
{
	memset(s, 0, sizeof(TimeStream));
	s->mcxt = mcxt;
	s->sorted = true;
}

static TimeStream *
time_stream_new(MemoryContext mcxt)
{
	TimeStream *s = MemoryContextAlloc(mcxt, sizeof(TimeStream));

	time_stream_init(s, mcxt);
	return s;
}

void
time_stream_reserve(TimeStream *s, int64 more)
{
	int64		need = s->n + more;

	if (need <= s->cap)
		return;
	if ((Size) need > MaxAllocHugeSize / sizeof(TimeStreamPair) / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows in one time-ordered stream")));
	s->cap = Max(need, Max(s->cap * 2, 1024));
	if (s->p == NULL)
		s->p = huge_alloc(s->mcxt, sizeof(TimeStreamPair) * s->cap);
	else
		s->p = huge_realloc(s->p, sizeof(TimeStreamPair) * s->cap);
}

static inline bool
pair_before(const TimeStreamPair *a, const TimeStreamPair *b)
{
	return a->t < b->t || (a->t == b->t && a->v < b->v);
}

static int
pair_cmp(const void *x, const void *y)
{
	const TimeStreamPair *a = x,
			   *b = y;

	return pair_before(a, b) ? -1 : pair_before(b, a) ? 1 : 0;
}

/* _time_stream_accum(internal, ts timestamptz, value float8) returns internal */
Datum
mlm_time_stream_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TimeStream *s;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "time stream transition called in non-aggregate context");
	s = PG_ARGISNULL(0) ? time_stream_new(aggcxt) : (TimeStream *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || !isfinite(PG_GETARG_FLOAT8(2)))
		PG_RETURN_POINTER(s);
	time_stream_add(s, PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_FLOAT8(2));
	PG_RETURN_POINTER(s);
}

void
time_stream_add(TimeStream *s, int64 t, double v)
{
	TimeStreamPair pr;

	pr.t = t;
	pr.v = v + 0.0;
	time_stream_reserve(s, 1);
	if (s->sorted && s->n > 0 && pair_before(&pr, &s->p[s->n - 1]))
		s->sorted = false;
	s->p[s->n++] = pr;
}

/* _time_stream_combine(internal, internal) returns internal */
Datum
mlm_time_stream_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TimeStream *a = PG_ARGISNULL(0) ? NULL : (TimeStream *) PG_GETARG_POINTER(0);
	TimeStream *b = PG_ARGISNULL(1) ? NULL : (TimeStream *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "time stream combine called in non-aggregate context");
	if (b == NULL || b->n == 0)
	{
		if (a == NULL)
			a = time_stream_new(aggcxt);
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = time_stream_new(aggcxt);
	time_stream_append(a, b->p, b->n, b->sorted);
	PG_RETURN_POINTER(a);
}

void
time_stream_append(TimeStream *a, const TimeStreamPair *p, int64 n, bool sorted)
{
	if (n == 0)
		return;
	time_stream_reserve(a, n);
	if (a->n > 0 && (!sorted || pair_before(&p[0], &a->p[a->n - 1])))
		a->sorted = false;
	else if (a->n == 0)
		a->sorted = sorted;
	memcpy(a->p + a->n, p, sizeof(TimeStreamPair) * n);
	a->n += n;
}

/* _time_stream_serialize(internal) returns bytea */
Datum
mlm_time_stream_serialize(PG_FUNCTION_ARGS)
{
	TimeStream *s = (TimeStream *) PG_GETARG_POINTER(0);
	Size		body = sizeof(TimeStreamPair) * (Size) s->n;
	Size		size;
	bytea	   *out;
	char	   *p;

	if (body > MaxAllocSize - VARHDRSZ - 2 * sizeof(int32))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows in one parallel worker's time-ordered stream"),
				 errhint("Run the query without parallel workers: SET max_parallel_workers_per_gather = 0.")));
	size = VARHDRSZ + 2 * sizeof(int32) + body;
	out = palloc(size);
	SET_VARSIZE(out, size);
	p = VARDATA(out);
	((int32 *) p)[0] = TIME_STREAM_VERSION;
	((int32 *) p)[1] = s->sorted ? 1 : 0;
	if (body > 0)
		memcpy(p + 2 * sizeof(int32), s->p, body);
	PG_RETURN_BYTEA_P(out);
}

/* _time_stream_deserialize(bytea, internal) returns internal */
Datum
mlm_time_stream_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(b);
	Size		len = VARSIZE_ANY_EXHDR(b);
	int32		head[2];
	TimeStream *s;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "time stream deserialize called in non-aggregate context");
	if (len < sizeof(head) || (len - sizeof(head)) % sizeof(TimeStreamPair) != 0)
		elog(ERROR, "invalid serialized time stream");
	memcpy(head, p, sizeof(head));
	if (head[0] != TIME_STREAM_VERSION || (head[1] != 0 && head[1] != 1))
		elog(ERROR, "invalid serialized time stream");
	s = time_stream_new(CurrentMemoryContext);
	time_stream_reserve(s, (int64) ((len - sizeof(head)) / sizeof(TimeStreamPair)));
	s->n = (int64) ((len - sizeof(head)) / sizeof(TimeStreamPair));
	if (s->n > 0)
		memcpy(s->p, p + sizeof(head), len - sizeof(head));
	s->sorted = head[1] == 1;
	PG_RETURN_POINTER(s);
}

void
time_stream_sort(TimeStream *s)
{
	if (s->sorted)
		return;
	qsort(s->p, (size_t) s->n, sizeof(TimeStreamPair), pair_cmp);
	s->sorted = true;
}
