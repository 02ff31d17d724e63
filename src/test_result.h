/*
 * test_result.h: a mlmon.test_result row, the result of every two-sample
 * test of the drift-test catalogue that has a p-value.
 */
#ifndef MLMON_TEST_RESULT_H
#define MLMON_TEST_RESULT_H

#include "postgres.h"

#include "fmgr.h"

#include "core/test_outcome.h"

/*
 * The row for a test of n_reference against n_current values, as a datum of
 * the calling function's result type (mlmon.test_result).  r NULL (an empty
 * sample, say) gives the counts with every other column NULL; NaN fields
 * and a NULL method are NULL columns.
 */
extern Datum test_result_datum(FunctionCallInfo fcinfo, int64 n_reference, int64 n_current,
							   const mlm_test_outcome *r);

#endif
