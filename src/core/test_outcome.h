/*
 * test_outcome.h: what a two-sample test computes, before it becomes a
 * mlmon.test_result row: the statistic, the p-value and its natural log
 * (finite where the p-value underflows to 0), and the method used.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_TEST_OUTCOME_H
#define MLM_CORE_TEST_OUTCOME_H

typedef struct mlm_test_outcome
{
	double		statistic;		/* NaN: undefined (the column is NULL) */
	double		pvalue;			/* NaN: no p-value (NULL) */
	double		log_pvalue;		/* ln(pvalue), finite where pvalue underflows to 0; NaN: NULL */
	const char *method;			/* e.g. "exact", "asymp"; NULL: NULL */
} mlm_test_outcome;

#endif							/* MLM_CORE_TEST_OUTCOME_H */
