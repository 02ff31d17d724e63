/*
 * ttest_state.c: mlmon.t_test, an aggregate whose state is a float8[] of
 * twelve numbers: a version, the variant, and per sample (reference, then
 * current) the count, the mean and the sum of squared deviations, the last
 * two as double-doubles (src/core/moments.c).  A t-test needs no more, so
 * the state stays 96 bytes however many rows it sees; being a float8[] it
 * is a real SQL type (Citus combines it on its workers; its text form, with
 * 17 significant digits, round-trips) and the combine function merges two
 * states with Chan et al.'s formulas.  The test itself is src/core/ttest.c.
 * The forms against a reference profile (src/profile_drift.c and
 * mlm_ttest_sample_final) take the moments of profiles and sorted values.
 */
#include "sample_state.h"

#include <math.h>

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "catalogue_numeric.h"
#include "core/moments.h"
#include "core/ttest.h"
#include "options.h"
#include "test_result.h"

PG_FUNCTION_INFO_V1(mlm_ttest_accum);
PG_FUNCTION_INFO_V1(mlm_ttest_combine);
PG_FUNCTION_INFO_V1(mlm_ttest_final);
PG_FUNCTION_INFO_V1(mlm_ttest_sample_final);

#define TTEST_STATE_VERSION 1
#define TTEST_WELCH 0
#define TTEST_STUDENT 1

/* Positions in the state array. */
enum
{
	TS_VERSION,
	TS_VARIANT,
	TS_REF,						/* n, mean hi, mean lo, m2 hi, m2 lo */
	TS_CUR = TS_REF + 5,
	TS_LEN = TS_CUR + 5
};

/* Largest count a float8 holds exactly. */
#define TS_MAX_COUNT 9007199254740992.0

/* The variant named by a text argument. */
static int
parse_variant(FunctionCallInfo fcinfo, int argno)
{
	char	   *s;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("variant must not be null")));
	s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	return ttest_variant_of(s) == TTEST_VARIANT_STUDENT ? TTEST_STUDENT : TTEST_WELCH;
}

static void
invalid_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid t-test state"),
			 errdetail("%s", detail)));
}

/* One sample's moments from the state, checked. */
static void
sample_of(const float8 *v, mlm_dmoments *m)
{
	if (!(v[0] >= 0.0 && v[0] <= TS_MAX_COUNT && v[0] == floor(v[0])))
		invalid_state("A count is not a whole number between 0 and 2^53.");
	/*
	 * The mean and M2 may be infinite or NaN: values whose squares overflow
	 * float8 (beyond 1e154) get there, and the test is then NULL, as SciPy's
	 * overflowing variance gives NaN.
	 */
	if (v[3] < 0.0)
		invalid_state("A sum of squared deviations is negative.");
	m->n = (int64) v[0];
	m->mean.hi = v[1];
	m->mean.lo = v[2];
	m->m2.hi = v[3];
	m->m2.lo = v[4];
}

/* The numbers of a one-dimensional float8[] without NULLs (ARR_DATA_PTR for that case). */
static inline float8 *
state_data(ArrayType *a)
{
	return (float8 *) ((char *) a + ARR_OVERHEAD_NONULLS(1));
}

/* The state's numbers, checked: what a user may pass to the combine or final function by hand. */
static float8 *
state_values(ArrayType *a)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != TS_LEN || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		invalid_state("A t-test state is an array of 12 float8 values without NULLs.");
	return state_data(a);
}

static void
state_read(ArrayType *a, int *variant, mlm_dmoments *ref, mlm_dmoments *cur)
{
	float8	   *v = state_values(a);

	if (v[TS_VERSION] != TTEST_STATE_VERSION)
		invalid_state("The state's version is not 1.");
	if (v[TS_VARIANT] != TTEST_WELCH && v[TS_VARIANT] != TTEST_STUDENT)
		invalid_state("The state's variant is not 0 (welch) or 1 (student).");
	*variant = (int) v[TS_VARIANT];
	sample_of(v + TS_REF, ref);
	sample_of(v + TS_CUR, cur);
}

static void
sample_write(float8 *v, const mlm_dmoments *m)
{
	v[0] = (float8) m->n;
	v[1] = m->mean.hi;
	v[2] = m->mean.lo;
	v[3] = m->m2.hi;
	v[4] = m->m2.lo;
}

static void
state_write(float8 *v, int variant, const mlm_dmoments *ref, const mlm_dmoments *cur)
{
	v[TS_VERSION] = TTEST_STATE_VERSION;
	v[TS_VARIANT] = variant;
	sample_write(v + TS_REF, ref);
	sample_write(v + TS_CUR, cur);
}

/* A new state array in the aggregate context. */
static ArrayType *
state_new(MemoryContext aggcxt, int variant, const mlm_dmoments *ref, const mlm_dmoments *cur)
{
	MemoryContext old = MemoryContextSwitchTo(aggcxt);
	Datum		d[TS_LEN];
	ArrayType  *a;

	for (int i = 0; i < TS_LEN; i++)
		d[i] = Float8GetDatum(0.0);
	a = construct_array(d, TS_LEN, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	MemoryContextSwitchTo(old);
	state_write(state_data(a), variant, ref, cur);
	return a;
}

static MemoryContext
aggregate_context(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the transition and combine functions of mlmon.t_test can only be called by its aggregate")));
	return aggcxt;
}

/*
 * mlm_ttest_accum(float8[], value float8, is_current boolean [, variant text])
 * returns float8[]: the state with the value added (NULL and non-finite
 * values, and rows whose is_current is NULL, are skipped).  The state is
 * changed in place: it lives in the aggregate context.
 */
Datum
mlm_ttest_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = aggregate_context(fcinfo);
	int			variant = (PG_NARGS() > 3) ? parse_variant(fcinfo, 3) : TTEST_WELCH;
	ArrayType  *a;
	mlm_dmoments ref,
				cur;
	int			state_variant;

	if (PG_ARGISNULL(0))
	{
		memset(&ref, 0, sizeof(ref));
		memset(&cur, 0, sizeof(cur));
		a = state_new(aggcxt, variant, &ref, &cur);
	}
	else
		a = PG_GETARG_ARRAYTYPE_P(0);
	state_read(a, &state_variant, &ref, &cur);
	if (state_variant != variant)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options of a drift statistic must be the same for every row"),
				 errhint("Pass a constant for the variant argument.")));
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) && isfinite(PG_GETARG_FLOAT8(1)))
	{
		bool		current = PG_GETARG_BOOL(2);

		mlm_dmoments_add(current ? &cur : &ref, PG_GETARG_FLOAT8(1));
		state_write(state_data(a), variant, &ref, &cur);
	}
	PG_RETURN_ARRAYTYPE_P(a);
}

/* mlm_ttest_combine(float8[], float8[]) returns float8[]: the first state merged with the second. */
Datum
mlm_ttest_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = aggregate_context(fcinfo);
	ArrayType  *a;
	int			va,
				vb;
	mlm_dmoments ra,
				ca,
				rb,
				cb;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	state_read(PG_GETARG_ARRAYTYPE_P(1), &vb, &rb, &cb);
	if (PG_ARGISNULL(0))
		PG_RETURN_ARRAYTYPE_P(state_new(aggcxt, vb, &rb, &cb));
	a = PG_GETARG_ARRAYTYPE_P(0);
	state_read(a, &va, &ra, &ca);
	if (va != vb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options of a drift statistic must be the same for every row"),
				 errhint("Pass a constant for the variant argument.")));
	if ((double) ra.n + (double) rb.n > TS_MAX_COUNT || (double) ca.n + (double) cb.n > TS_MAX_COUNT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values for mlmon.t_test")));
	mlm_dmoments_merge(&ra, &rb);
	mlm_dmoments_merge(&ca, &cb);
	state_write(state_data(a), va, &ra, &ca);
	PG_RETURN_ARRAYTYPE_P(a);
}

/* The moments as the test reads them, in double. */
static void
moments_of(const mlm_dmoments *d, mlm_moments *m)
{
	m->n = d->n;
	m->mean = d->mean.hi + d->mean.lo;
	m->m2 = d->m2.hi + d->m2.lo;
}

Datum
ttest_result_datum(FunctionCallInfo fcinfo, const mlm_dmoments *ref, const mlm_dmoments *cur, bool student)
{
	mlm_moments a,
				b;
	mlm_test_outcome r;

	if (ref->n == 0 || cur->n == 0)
		return test_result_datum(fcinfo, ref->n, cur->n, NULL);
	moments_of(ref, &a);
	moments_of(cur, &b);
	mlm_ttest(&a, &b, student, &r);
	return test_result_datum(fcinfo, ref->n, cur->n, &r);
}

void
profile_moments(const mlm_profile_hdr *h, const mlm_wsample *s, mlm_dmoments *m)
{
	if (h->mode == MLM_PROFILE_EXACT)
		mlm_dmoments_of_sample(s, m);
	else
	{
		m->n = h->count;
		m->mean.hi = h->mean;
		m->mean.lo = 0.0;
		m->m2.hi = h->m2;
		m->m2.lo = 0.0;
	}
}

/* mlm_ttest_final(float8[]) returns mlmon.test_result */
Datum
mlm_ttest_final(PG_FUNCTION_ARGS)
{
	int			variant;
	mlm_dmoments ref,
				cur;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state_read(PG_GETARG_ARRAYTYPE_P(0), &variant, &ref, &cur);
	return ttest_result_datum(fcinfo, &ref, &cur, variant == TTEST_STUDENT);
}

/*
 * mlm_ttest_sample_final(mlmon.sample_state) returns mlmon.test_result: the
 * final function of t_test(value, reference profile [, variant]).  These
 * aggregates keep the current values in the numeric two-sample state
 * (rather than the moments state of t_test(value, is_current)), whose
 * transition checks the reference profile; the moments are computed here,
 * in double-double from the sorted values (each distinct value with its
 * count), as from an exact profile.  The variant is in the state's method
 * option (OPTS_TTEST).
 */
Datum
mlm_ttest_sample_final(PG_FUNCTION_ARGS)
{
	const mlm_profile_hdr *hdr;
	mlm_wsample a,
				b;
	bool		sketch;
	mlm_dmoments ref,
				cur;
	SampleState *st = sample_final_pair(fcinfo, &a, &b, &hdr, &sketch);

	if (st == NULL)
		PG_RETURN_NULL();
	if (hdr != NULL)
		profile_moments(hdr, &a, &ref);
	else
		mlm_dmoments_of_sample(&a, &ref);
	mlm_dmoments_of_sample(&b, &cur);
	return ttest_result_datum(fcinfo, &ref, &cur, st->opts.method == TTEST_VARIANT_STUDENT);
}
