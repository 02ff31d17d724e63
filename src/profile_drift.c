/*
 * profile_drift.c: every drift statistic between a reference profile and a
 * current profile.  Exact profiles give exactly the results of the
 * two-sample aggregates on the rows they summarise (the same core functions
 * walk the same distinct values with the same counts); a sketched profile's
 * KS statistic carries its error bound, and the rank tests against a sketch
 * give their statistic with method 'sketch' and no p-value.
 */
#include "profile.h"

#include <math.h>

#include "catalogue_categorical.h"
#include "catalogue_numeric.h"
#include "category_state.h"
#include "core/divergence.h"
#include "core/energy.h"
#include "core/wasserstein.h"
#include "drift_categorical.h"
#include "drift_numeric.h"
#include "ks_result.h"
#include "options.h"

PG_FUNCTION_INFO_V1(mlm_ks_profiles);
PG_FUNCTION_INFO_V1(mlm_wasserstein_profiles);
PG_FUNCTION_INFO_V1(mlm_wasserstein_normed_profiles);
PG_FUNCTION_INFO_V1(mlm_psi_profiles);
PG_FUNCTION_INFO_V1(mlm_js_profiles);
PG_FUNCTION_INFO_V1(mlm_chi2_profiles);
PG_FUNCTION_INFO_V1(mlm_z_test_profiles);
PG_FUNCTION_INFO_V1(mlm_g_test_profiles);
PG_FUNCTION_INFO_V1(mlm_fisher_exact_profiles);
PG_FUNCTION_INFO_V1(mlm_tvd_profiles);
PG_FUNCTION_INFO_V1(mlm_ttest_profiles);
PG_FUNCTION_INFO_V1(mlm_mwu_profiles);
PG_FUNCTION_INFO_V1(mlm_cvm_profiles);
PG_FUNCTION_INFO_V1(mlm_anderson_darling_profiles);
PG_FUNCTION_INFO_V1(mlm_energy_distance_profiles);
PG_FUNCTION_INFO_V1(mlm_hellinger_profiles);
PG_FUNCTION_INFO_V1(mlm_kl_div_profiles);

/* The two profile arguments, of one kind. */
static void
two_profiles(FunctionCallInfo fcinfo, ProfileArg *ref, ProfileArg *cur, int kind)
{
	profile_arg(fcinfo, 0, ref);
	profile_arg(fcinfo, 1, cur);
	if (kind != 0)
	{
		profile_require_kind(ref, kind, "reference");
		profile_require_kind(cur, kind, "current");
	}
	else if (ref->view.h->kind != cur->view.h->kind)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("reference and current profiles must be of the same kind")));
}

/* Options of a function on profiles: the arguments after the two profiles. */
static void
profile_options(FunctionCallInfo fcinfo, OptionsKind kind, StatOptions *opts)
{
	options_init(opts, fcinfo, 2, kind, CurrentMemoryContext);
}

/* mlm_ks_profiles(reference, current [, alternative [, method]]) returns mlmon.ks_result */
Datum
mlm_ks_profiles(PG_FUNCTION_ARGS)
{
	ProfileArg	ref,
				cur;
	StatOptions opts;
	mlm_wsample a,
				b;

	two_profiles(fcinfo, &ref, &cur, MLM_PROFILE_NUMERIC);
	profile_options(fcinfo, OPTS_KS, &opts);
	if (ref.view.h->count == 0 && cur.view.h->count == 0)
		PG_RETURN_NULL();
	a = profile_view_sample(&ref.view);
	b = profile_view_sample(&cur.view);
	return ks_result_datum(fcinfo, &a, &b, &opts,
						   profile_ecdf_error(ref.view.h) + profile_ecdf_error(cur.view.h));
}

/* The distributions of two numeric profiles, or false when either is empty. */
static bool
numeric_pair(FunctionCallInfo fcinfo, ProfileArg *ref, ProfileArg *cur, mlm_wsample *a, mlm_wsample *b)
{
	two_profiles(fcinfo, ref, cur, MLM_PROFILE_NUMERIC);
	if (ref->view.h->count == 0 || cur->view.h->count == 0)
		return false;
	*a = profile_view_sample(&ref->view);
	*b = profile_view_sample(&cur->view);
	return true;
}

/* mlm_wasserstein_profiles(reference, current) returns float8 */
Datum
mlm_wasserstein_profiles(PG_FUNCTION_ARGS)
{
	ProfileArg	ref,
				cur;
	mlm_wsample a,
				b;

	if (!numeric_pair(fcinfo, &ref, &cur, &a, &b))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mlm_wasserstein(&a, &b));
}

/* mlm_wasserstein_normed_profiles(reference, current) returns float8 */
Datum
mlm_wasserstein_normed_profiles(PG_FUNCTION_ARGS)
{
	ProfileArg	ref,
				cur;
	mlm_wsample a,
				b;

	if (!numeric_pair(fcinfo, &ref, &cur, &a, &b))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mlm_wasserstein(&a, &b) / Max(reference_std(&a, ref.view.h), NORM_MIN_STD));
}

/* The union of the categories of two categorical profiles. */
static void
categorical_pair(FunctionCallInfo fcinfo, CategoryCounts *cc)
{
	ProfileArg	ref,
				cur;
	CategoryList r,
				c;

	two_profiles(fcinfo, &ref, &cur, MLM_PROFILE_CATEGORICAL);
	category_list_of_profile(&ref.view, &r);
	category_list_of_profile(&cur.view, &c);
	category_union(&r, &c, cc);
}

/* A divergence between two profiles of either kind (numeric ones binned as the options say). */
static Datum
divergence_profiles(FunctionCallInfo fcinfo, mlm_divergence_fn divergence)
{
	ProfileArg	ref,
				cur;

	profile_arg(fcinfo, 0, &ref);
	if (ref.view.h->kind == MLM_PROFILE_CATEGORICAL)
	{
		CategoryCounts cc;

		if (PG_NARGS() > 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("categorical profiles take no binning")));
		categorical_pair(fcinfo, &cc);
		return categorical_divergence_datum(fcinfo, &cc, divergence);
	}
	else
	{
		StatOptions opts;
		BinCounts	bc;
		double	   *scratch;
		mlm_wsample a,
					b;

		profile_options(fcinfo, OPTS_BINNED, &opts);
		if (!numeric_pair(fcinfo, &ref, &cur, &a, &b))
			PG_RETURN_NULL();
		bin_samples(&a, &b, &opts, &bc);
		scratch = MemoryContextAllocHuge(CurrentMemoryContext,
										 sizeof(double) * MLM_DIVERGENCE_SCRATCH(bc.k));
		PG_RETURN_FLOAT8(divergence(bc.ref, bc.cur, bc.k, a.n, b.n, scratch));
	}
}

/* mlm_psi_profiles(reference, current [, bins | binning]) returns float8 */
Datum
mlm_psi_profiles(PG_FUNCTION_ARGS)
{
	return divergence_profiles(fcinfo, mlm_psi_counts);
}

/* mlm_js_profiles(reference, current [, bins | binning]) returns float8 */
Datum
mlm_js_profiles(PG_FUNCTION_ARGS)
{
	return divergence_profiles(fcinfo, mlm_js_counts);
}

/* mlm_chi2_profiles(reference, current [, method]) returns mlmon.chi2_result */
Datum
mlm_chi2_profiles(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;
	StatOptions opts;

	profile_options(fcinfo, OPTS_CATEGORICAL, &opts);
	categorical_pair(fcinfo, &cc);
	if (cc.n_ref == 0 && cc.n_cur == 0)
		PG_RETURN_NULL();
	return categorical_chi2_datum(fcinfo, &cc, opts.chi2_method);
}

/* mlm_z_test_profiles(reference, current) returns mlmon.z_result */
Datum
mlm_z_test_profiles(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	categorical_pair(fcinfo, &cc);
	if (cc.n_ref == 0 && cc.n_cur == 0)
		PG_RETURN_NULL();
	return categorical_z_datum(fcinfo, &cc);
}

/* mlm_g_test_profiles(reference, current) returns mlmon.test_result */
Datum
mlm_g_test_profiles(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	categorical_pair(fcinfo, &cc);
	if (cc.n_ref == 0 && cc.n_cur == 0)
		PG_RETURN_NULL();
	return catalogue_g_test_datum(fcinfo, &cc);
}

/* mlm_fisher_exact_profiles(reference, current) returns mlmon.test_result */
Datum
mlm_fisher_exact_profiles(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;

	categorical_pair(fcinfo, &cc);
	if (cc.n_ref == 0 && cc.n_cur == 0)
		PG_RETURN_NULL();
	return catalogue_fisher_datum(fcinfo, &cc);
}

/* mlm_tvd_profiles(reference, current [, permutations]) returns mlmon.test_result */
Datum
mlm_tvd_profiles(PG_FUNCTION_ARGS)
{
	CategoryCounts cc;
	int32		permutations = TVD_DEFAULT_PERMUTATIONS;

	if (PG_NARGS() > 2)
	{
		catalogue_check_permutations(PG_ARGISNULL(2), PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2));
		permutations = PG_GETARG_INT32(2);
	}
	categorical_pair(fcinfo, &cc);
	if (cc.n_ref == 0 && cc.n_cur == 0)
		PG_RETURN_NULL();
	return catalogue_tvd_datum(fcinfo, &cc, permutations);
}

/*
 * The numeric tests of the 0.3.0 catalogue between two numeric profiles:
 * the same functions as the two-sample aggregates (catalogue_numeric.h) on
 * the profiles' distributions.  Either profile sketched: the statistic of
 * the sketches' weighted samples, with method 'sketch' and no p-value
 * (t_test: the headers' moments of all values, with a p-value).
 */

/* The two numeric profiles' distributions (empty ones too); *sketch when either is a sketch. */
static void
numeric_profiles(FunctionCallInfo fcinfo, ProfileArg *ref, ProfileArg *cur, mlm_wsample *a, mlm_wsample *b,
				 bool *sketch)
{
	two_profiles(fcinfo, ref, cur, MLM_PROFILE_NUMERIC);
	*a = profile_view_sample(&ref->view);
	*b = profile_view_sample(&cur->view);
	*sketch = ref->view.h->mode == MLM_PROFILE_SKETCH || cur->view.h->mode == MLM_PROFILE_SKETCH;
}

/* mlm_ttest_profiles(reference, current [, variant]) returns mlmon.test_result */
Datum
mlm_ttest_profiles(PG_FUNCTION_ARGS)
{
	ProfileArg	ref,
				cur;
	StatOptions opts;
	mlm_wsample a,
				b;
	mlm_dmoments ma,
				mb;
	bool		sketch;

	profile_options(fcinfo, OPTS_TTEST, &opts);
	numeric_profiles(fcinfo, &ref, &cur, &a, &b, &sketch);
	if (a.n == 0 && b.n == 0)
		PG_RETURN_NULL();
	profile_moments(ref.view.h, &a, &ma);
	profile_moments(cur.view.h, &b, &mb);
	return ttest_result_datum(fcinfo, &ma, &mb, opts.method == TTEST_VARIANT_STUDENT);
}

/* mlm_mwu_profiles(reference, current [, method]) returns mlmon.test_result */
Datum
mlm_mwu_profiles(PG_FUNCTION_ARGS)
{
	ProfileArg	ref,
				cur;
	StatOptions opts;
	mlm_wsample a,
				b;
	bool		sketch;

	profile_options(fcinfo, OPTS_METHOD, &opts);
	numeric_profiles(fcinfo, &ref, &cur, &a, &b, &sketch);
	if (a.n == 0 && b.n == 0)
		PG_RETURN_NULL();
	return mwu_result_datum(fcinfo, &a, &b, &opts, sketch);
}

/* mlm_cvm_profiles(reference, current [, method]) returns mlmon.test_result */
Datum
mlm_cvm_profiles(PG_FUNCTION_ARGS)
{
	ProfileArg	ref,
				cur;
	StatOptions opts;
	mlm_wsample a,
				b;
	bool		sketch;

	profile_options(fcinfo, OPTS_METHOD, &opts);
	numeric_profiles(fcinfo, &ref, &cur, &a, &b, &sketch);
	return cvm_result_datum(fcinfo, &a, &b, opts.method, sketch);
}

/* mlm_anderson_darling_profiles(reference, current) returns mlmon.test_result */
Datum
mlm_anderson_darling_profiles(PG_FUNCTION_ARGS)
{
	ProfileArg	ref,
				cur;
	mlm_wsample a,
				b;
	bool		sketch;

	numeric_profiles(fcinfo, &ref, &cur, &a, &b, &sketch);
	return anderson_darling_datum(fcinfo, &a, &b, sketch);
}

/* mlm_energy_distance_profiles(reference, current) returns float8 */
Datum
mlm_energy_distance_profiles(PG_FUNCTION_ARGS)
{
	ProfileArg	ref,
				cur;
	mlm_wsample a,
				b;

	if (!numeric_pair(fcinfo, &ref, &cur, &a, &b))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mlm_energy_distance(&a, &b));
}

/* kl_numeric with the default options (Evidently's bins). */
static double
kl_numeric_default(const mlm_wsample *a, const mlm_wsample *b)
{
	StatOptions opts;

	options_defaults(&opts);
	return kl_numeric(a, b, &opts);
}

/*
 * A distance between two numeric profiles (numeric) or two categorical
 * profiles (divergence of the categories' counts).
 */
static Datum
distance_profiles(FunctionCallInfo fcinfo, double (*numeric) (const mlm_wsample *, const mlm_wsample *),
				  mlm_divergence_fn categorical)
{
	ProfileArg	ref,
				cur;
	mlm_wsample a,
				b;

	profile_arg(fcinfo, 0, &ref);
	if (ref.view.h->kind == MLM_PROFILE_CATEGORICAL)
	{
		CategoryCounts cc;

		categorical_pair(fcinfo, &cc);
		return categorical_divergence_datum(fcinfo, &cc, categorical);
	}
	if (!numeric_pair(fcinfo, &ref, &cur, &a, &b))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(numeric(&a, &b));
}

/* mlm_hellinger_profiles(reference, current) returns float8: numeric or categorical profiles */
Datum
mlm_hellinger_profiles(PG_FUNCTION_ARGS)
{
	return distance_profiles(fcinfo, hellinger_numeric, mlm_hellinger_counts);
}

/* mlm_kl_div_profiles(reference, current) returns float8: numeric or categorical profiles */
Datum
mlm_kl_div_profiles(PG_FUNCTION_ARGS)
{
	return distance_profiles(fcinfo, kl_numeric_default, mlm_kl_counts);
}
