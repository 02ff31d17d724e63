/*
 * tvd.h: total variation distance of two samples' category frequencies
 * and its permutation test (Evidently's tvd), made reproducible.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_TVD_H
#define MLM_CORE_TVD_H

#include <stdint.h>

#include "splitmix64.h"

/* Evidently's number of TVD relabellings, and the most a call may ask for. */
#define MLM_TVD_DEFAULT_PERMUTATIONS 1000
#define MLM_TVD_MAX_PERMUTATIONS 1000000

/*
 * TVD = 1/2 sum |r_i/n_ref - c_i/n_cur| = numerator / (2 n_ref n_cur), with
 * the exact integer numerator sum |r_i n_cur - c_i n_ref| (both samples
 * non-empty; k categories; n_ref and n_cur the sums of the counts).
 */
unsigned __int128 mlm_tvd_numerator(const int64_t *ref, const int64_t *cur, int64_t k,
									int64_t n_ref, int64_t n_cur);

/* The distance of a numerator: numerator / (2 n_ref n_cur), rounded once. */
double		mlm_tvd_of_numerator(unsigned __int128 numerator, int64_t n_ref, int64_t n_cur);

/*
 * One relabelling: the pooled rows (total[i] = r_i + c_i of category i,
 * in the caller's canonical order) split at random into n_ref reference
 * and n_cur current rows, by one exact hypergeometric draw per category
 * (mlm_hypergeom_draw: the reference's count of category i among the rows
 * not yet assigned); returns that split's TVD numerator.
 */
unsigned __int128 mlm_tvd_relabel_numerator(mlm_splitmix64 *g, const int64_t *total, int64_t k,
											int64_t n_ref, int64_t n_cur);

#endif							/* MLM_CORE_TVD_H */
