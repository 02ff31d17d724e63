/*
 * embedding.h: Evidently's embedding drift methods (its
 * embedding_drift_methods.py), on per-component sums and rows.
 *
 * distance: the distance between the mean reference embedding and the
 * mean current embedding, as scipy.spatial.distance computes it
 * (euclidean, cosine, cityblock, chebyshev).  The means come from
 * compensated per-component sums (Neumaier), so they are within an ulp or
 * two of the exact means whatever the number of rows.
 *
 * Bootstrap (Evidently's distance(bootstrap=True)): B = 100 replicates, each
 * the distance between the means of two samples drawn with replacement
 * from the REFERENCE rows, of sizes floor(n_r^2 / (n_r + n_c)) and
 * floor(n_r n_c / (n_r + n_c)) (each at least 1); drift when the statistic
 * exceeds numpy.percentile(replicates, 100 q) (linear interpolation).
 * Evidently reseeds numpy's Mersenne Twister with the replicate number; we
 * draw from one SplitMix64 stream (splitmix64.h) started at seed 0 per
 * call: for replicate 0..99, first the reference-sized draw, then the
 * current-sized draw, each index mlm_splitmix64_below(g, n_r) into the
 * reference rows in ascending lexicographic order (so the result depends on
 * the rows, not on the order a scan or a parallel plan met them).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_EMBEDDING_H
#define MLM_CORE_EMBEDDING_H

#include <stdint.h>

typedef enum mlm_emb_dist
{
	MLM_EMB_EUCLIDEAN = 0,
	MLM_EMB_COSINE = 1,
	MLM_EMB_CITYBLOCK = 2,
	MLM_EMB_CHEBYSHEV = 3
} mlm_emb_dist;

#define MLM_EMB_BOOTSTRAP 100
#define MLM_EMB_SEED 0

/* The distance named by s (Evidently's names), or -1. */
int			mlm_emb_dist_of(const char *s);

/* Its name. */
const char *mlm_emb_dist_name(int kind);

/*
 * scipy.spatial.distance.<kind>(u, v) for d >= 1 components.  Cosine of a
 * zero vector is NaN (0/0), as in SciPy.
 */
double		mlm_emb_distance(int kind, const double *u, const double *v, int64_t d);

typedef struct mlm_emb_rows
{
	const double *rows;
	int64_t		d;
} mlm_emb_rows;

/* order[0..n) = the row numbers of rows (n x d, finite) in ascending lexicographic order. */
void		mlm_emb_rows_order(const double *rows, int64_t n, int64_t d, int64_t *order);

/*
 * The bootstrap threshold: rows holds n_ref reference rows of d components
 * (row-major), order their lexicographic order (mlm_emb_rows_order); scratch has room
 * for 3 d + replicates doubles (no allocation: check_cancel may not return).  Returns the percentile
 * 100 q of the B replicate distances (NaN if one is NaN).  check_cancel, if
 * set, is called once per replicate.
 */
double		mlm_emb_distance_bootstrap(int kind, const double *rows, const int64_t *order, int64_t n_ref, int64_t n_cur, int64_t d,
									   double q, int replicates, uint64_t seed, double *scratch,
									   void (*check_cancel) (void));

/* numpy.percentile(x, 100 q) ('linear') of n >= 1 values, sorting x in place. */
double		mlm_percentile_linear(double *x, int n, double q);

#endif							/* MLM_CORE_EMBEDDING_H */
