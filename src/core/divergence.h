/*
 * divergence.h: Population Stability Index, Jensen-Shannon distance,
 * Hellinger distance and Kullback-Leibler divergence between two binned
 * samples.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_DIVERGENCE_H
#define MLM_DIVERGENCE_H

#include <stdint.h>

/* Doubles of scratch space the divergences below need for k bins. */
#define MLM_DIVERGENCE_SCRATCH(k) (4 * (k))

/* Signature shared by the divergences below. */
typedef double (*mlm_divergence_fn) (const int64_t *ref, const int64_t *cur, int64_t k,
									 int64_t n_ref, int64_t n_cur, double *scratch);

/*
 * PSI = sum (r - c) ln(r / c) over k bins, r = ref/n_ref and c = cur/n_cur,
 * with Evidently's replacement of empty proportions (each side: the smallest
 * non-zero proportion / 1e6 if that is <= 1e-4, else 1e-4).  scratch needs
 * room for MLM_DIVERGENCE_SCRATCH(k) doubles.
 */
double		mlm_psi_counts(const int64_t *ref, const int64_t *cur, int64_t k,
						   int64_t n_ref, int64_t n_cur, double *scratch);

/*
 * scipy.spatial.distance.jensenshannon(ref / n_ref, cur / n_cur) with the
 * natural log over k bins, the divergence clamped at 0 before the square
 * root.  scratch needs room for MLM_DIVERGENCE_SCRATCH(k) doubles.
 */
double		mlm_js_counts(const int64_t *ref, const int64_t *cur, int64_t k,
						  int64_t n_ref, int64_t n_cur, double *scratch);

/*
 * Hellinger distance of the proportions r = ref/n_ref and c = cur/n_cur
 * over k bins (Evidently's hellinger_distance): sqrt(sum (sqrt r - sqrt c)^2
 * / 2), equal to Evidently's sqrt(1 - sum sqrt(r c)) but exactly 0 for equal
 * proportions.  scratch needs room for MLM_DIVERGENCE_SCRATCH(k) doubles.
 */
double		mlm_hellinger_counts(const int64_t *ref, const int64_t *cur, int64_t k,
								 int64_t n_ref, int64_t n_cur, double *scratch);

/*
 * Evidently's kl_div: the proportions r = ref/n_ref and c = cur/n_cur with
 * empty bins replaced as in mlm_psi_counts, then scipy.stats.entropy(r, c)
 * (each renormalized to sum 1): sum r ln(r / c), KL(reference || current).
 * scratch needs room for MLM_DIVERGENCE_SCRATCH(k) doubles.
 */
double		mlm_kl_counts(const int64_t *ref, const int64_t *cur, int64_t k,
						  int64_t n_ref, int64_t n_cur, double *scratch);

#endif
