/*
 * catalogue_numeric.h: the numeric tests of the drift-test catalogue on two
 * sorted samples, raw or with counts (core/wsample.h), as SQL results.  One
 * implementation serves the two-sample aggregates, the (value, reference
 * profile) aggregates and the (reference profile, current profile)
 * functions, so an exact profile gives exactly the rows' result.  sketch:
 * a sample is a sketch's weighted sample, so a test gives its statistic
 * with method 'sketch' and no p-value.
 */
#ifndef MLMON_CATALOGUE_NUMERIC_H
#define MLMON_CATALOGUE_NUMERIC_H

#include "postgres.h"

#include "fmgr.h"

#include "core/moments.h"
#include "core/profile.h"
#include "core/wsample.h"
#include "options.h"

/* mlmon.mann_whitney's test_result (alternative and method in opts). */
extern Datum mwu_result_datum(FunctionCallInfo fcinfo, const mlm_wsample *a, const mlm_wsample *b,
							  const StatOptions *opts, bool sketch);

/* mlmon.cramer_von_mises's test_result, NULL when both samples are empty. */
extern Datum cvm_result_datum(FunctionCallInfo fcinfo, const mlm_wsample *a, const mlm_wsample *b,
							  mlm_ks_method method, bool sketch);

/* mlmon.anderson_darling's test_result, NULL when both samples are empty. */
extern Datum anderson_darling_datum(FunctionCallInfo fcinfo, const mlm_wsample *a, const mlm_wsample *b,
									bool sketch);

/* mlmon.hellinger on numbers (Sturges bins), of non-empty samples. */
extern double hellinger_numeric(const mlm_wsample *a, const mlm_wsample *b);

/* mlmon.kl_div on numbers (Evidently's bins), of non-empty samples. */
extern double kl_numeric(const mlm_wsample *a, const mlm_wsample *b, const StatOptions *opts);

/* mlmon.t_test's test_result from the moments of the two samples. */
extern Datum ttest_result_datum(FunctionCallInfo fcinfo, const mlm_dmoments *ref, const mlm_dmoments *cur,
								bool student);

/*
 * The moments of a profile's distribution s: exact, from its values and
 * counts in double-double (as the rows'); sketched (h->mode), the header's
 * count, mean and sum of squared deviations of all its values.
 */
extern void profile_moments(const mlm_profile_hdr *h, const mlm_wsample *s, mlm_dmoments *m);

#endif
