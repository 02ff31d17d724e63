/*
 * profile_agg.c: the aggregates that build and merge profiles
 * (mlmon.profile(float8), mlmon.profile(text), mlmon.merge(mlmon.profile))
 * and the two-argument mlmon.merge function.
 *
 * Their state type is mlmon.profile itself, so a partial profile can cross
 * machines (Citus ships it as text); during aggregation it is held as an
 * expanded object (profile_builder.c) that every row updates in place.
 */
#include "profile_builder.h"

#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(mlm_profile_accum_number);
PG_FUNCTION_INFO_V1(mlm_profile_accum_text);
PG_FUNCTION_INFO_V1(mlm_profile_combine);
PG_FUNCTION_INFO_V1(mlm_profile_final);
PG_FUNCTION_INFO_V1(mlm_profile_merge2);

/*
 * The builder for a transition: the state argument itself when it is our
 * read-write expanded object, a new one when it is NULL, an expanded copy
 * of a flat profile otherwise (an initial condition or a deserialized
 * partial state).
 */
static ProfileBuilder *
state_builder(FunctionCallInfo fcinfo, int kind, int cap)
{
	MemoryContext aggcxt;
	ProfileBuilder *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the profile transition function can only be called by the mlmon.profile aggregate")));
	if (PG_ARGISNULL(0))
		return profile_builder_new(aggcxt, kind, cap);
	b = profile_builder_from_datum(PG_GETARG_DATUM(0));
	if (b == NULL)
	{
		ProfileArg	p;

		profile_arg(fcinfo, 0, &p);
		b = profile_builder_expand(aggcxt, &p.view);
	}
	return b;
}

/* Error out when a profile of the other kind is the state. */
static void
check_kind(ProfileBuilder *b, int kind)
{
	if (profile_builder_kind(b) != kind)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cannot add %s to a %s profile",
						kind == MLM_PROFILE_NUMERIC ? "numbers" : "categories",
						kind == MLM_PROFILE_NUMERIC ? "categorical" : "numeric")));
}

/* mlm_profile_accum_number(state mlmon.profile, value float8 [, cap int]) */
Datum
mlm_profile_accum_number(PG_FUNCTION_ARGS)
{
	ProfileBuilder *b = state_builder(fcinfo, MLM_PROFILE_NUMERIC, profile_cap_arg(fcinfo, 2));

	check_kind(b, MLM_PROFILE_NUMERIC);
	if (PG_ARGISNULL(1))
		profile_builder_add_null(b);
	else
		profile_builder_add_number(b, PG_GETARG_FLOAT8(1));
	PG_RETURN_DATUM(profile_builder_datum(b));
}

/* mlm_profile_accum_text(state mlmon.profile, category text [, cap int]) */
Datum
mlm_profile_accum_text(PG_FUNCTION_ARGS)
{
	ProfileBuilder *b = state_builder(fcinfo, MLM_PROFILE_CATEGORICAL, profile_cap_arg(fcinfo, 2));

	check_kind(b, MLM_PROFILE_CATEGORICAL);
	if (PG_ARGISNULL(1))
		profile_builder_add_null(b);
	else
	{
		text	   *t = PG_GETARG_TEXT_PP(1);

		profile_builder_add_category(b, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	PG_RETURN_DATUM(profile_builder_datum(b));
}

/*
 * mlm_profile_combine(mlmon.profile, mlmon.profile) returns mlmon.profile:
 * the combine function of the profile aggregates and the transition of
 * mlmon.merge(mlmon.profile).  NULL inputs are skipped.
 */
Datum
mlm_profile_combine(PG_FUNCTION_ARGS)
{
	ProfileArg	other;
	ProfileBuilder *b;
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the profile combine function can only be called by the mlmon.profile and mlmon.merge aggregates")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	profile_arg(fcinfo, 1, &other);
	if (PG_ARGISNULL(0))
		b = profile_builder_expand(aggcxt, &other.view);
	else
	{
		b = profile_builder_from_datum(PG_GETARG_DATUM(0));
		if (b == NULL)
		{
			ProfileArg	first;

			profile_arg(fcinfo, 0, &first);
			b = profile_builder_expand(aggcxt, &first.view);
		}
		profile_builder_merge(b, &other.view);
	}
	PG_RETURN_DATUM(profile_builder_datum(b));
}

/* mlm_profile_final(mlmon.profile) returns mlmon.profile: the flat form of the state. */
Datum
mlm_profile_final(PG_FUNCTION_ARGS)
{
	ProfileBuilder *b;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	b = profile_builder_from_datum(PG_GETARG_DATUM(0));
	if (b != NULL)
		PG_RETURN_POINTER(profile_builder_flat(b));
	PG_RETURN_POINTER(PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
}

/*
 * mlm_profile_merge2(a mlmon.profile, b mlmon.profile) returns mlmon.profile:
 * the profile of both inputs' rows; a NULL input stands for no rows.
 */
Datum
mlm_profile_merge2(PG_FUNCTION_ARGS)
{
	ProfileArg	a,
				b;
	ProfileBuilder *builder;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(1)));
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
	profile_arg(fcinfo, 0, &a);
	profile_arg(fcinfo, 1, &b);
	builder = profile_builder_expand(CurrentMemoryContext, &a.view);
	profile_builder_merge(builder, &b.view);
	PG_RETURN_POINTER(profile_builder_flat(builder));
}
