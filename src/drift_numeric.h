/*
 * drift_numeric.h: pieces of the numeric statistics shared by the
 * aggregates (two samples, values against a profile) and the functions on
 * two profiles.
 */
#ifndef MLMON_DRIFT_NUMERIC_H
#define MLMON_DRIFT_NUMERIC_H

#include "postgres.h"

#include "core/profile.h"
#include "core/wsample.h"
#include "options.h"

/* Bin counts of both samples. */
typedef struct BinCounts
{
	int64		k;
	int64	   *ref;
	int64	   *cur;
} BinCounts;

/* Bin the sorted samples a (reference) and b (current) as opts say. */
extern void bin_samples(const mlm_wsample *a, const mlm_wsample *b, const StatOptions *opts,
						BinCounts *bc);

/*
 * Population standard deviation of a reference: from its values, or from a
 * sketched profile's exact moments (hdr NULL for raw samples).
 */
extern double reference_std(const mlm_wsample *a, const mlm_profile_hdr *hdr);

/* Evidently's floor on the reference standard deviation of the normed Wasserstein distance. */
#define NORM_MIN_STD 0.001

#endif
