/*
 * domain_classifier.h: Evidently's `model` embedding drift method, a
 * domain classifier: a logistic regression trained to tell reference rows
 * from current rows; drift when its ROC AUC on held-out rows passes a
 * threshold (Evidently's ModelDriftMethod, embedding_drift_methods.py).
 *
 * Input: the reference rows and the current rows of d components, each
 * side in its canonical order (the order of the embedding sample's keys:
 * a content hash, so the order is pseudo-random and does not depend on the
 * order a scan or a parallel plan met the rows).
 *
 * Split (Evidently: sklearn's train_test_split(test_size=0.5, shuffle,
 * random_state=42) over the pooled rows).  Here each side is split on its
 * own: the rows at even positions 0, 2, 4, ... of its canonical order go
 * to the test half, those at odd positions to the training half, so the
 * test half gets ceil(n/2) of a side's n rows (as train_test_split gives
 * the test part ceil(N/2)).  The canonical order is already a pseudo-random
 * permutation, so alternating rows is a random split; it is stratified
 * (both halves keep each side's share, so with 2 or more rows per side both
 * halves hold both classes and the AUC is always defined), and it needs no
 * generator.
 *
 * Classifier: scikit-learn's SGDClassifier(loss='log_loss') with its
 * defaults, as its _plain_sgd runs it for a binary problem: the reference
 * is the positive class (Evidently's target 1, y = +1), the current the
 * negative (y = -1); weights and intercept start at 0; for each training
 * row in turn, p = w.x + b, eta = 1 / (alpha (t0 + t - 1)) (learning rate
 * 'optimal', t counting rows from 1 across epochs, t0 = 1 / (eta0 alpha)
 * with eta0 = alpha^(-1/4), sklearn's heuristic typw / max(1, dloss(-typw,
 * 1)) for the log loss), g = dloss(p, y) = -y / (exp(y p) + 1) (-y exp(-y p)
 * beyond y p > 18, -y below -18, clipped to +-1e12), the L2 step w *=
 * max(0, 1 - eta alpha), then w += -eta g x and b += -eta g.  The weights
 * are kept as a scale times a vector, as sklearn's WeightVector does (the
 * scale folded in when it falls below 1e-9), so the arithmetic is
 * sklearn's operation for operation.  alpha = 1e-4; an epoch is a pass
 * over the training rows; the summed log loss of an epoch (each row's loss
 * before its update: log(1 + exp(-y p)), exp(-y p) beyond 18, -y p below
 * -18) that is not below best - tol n (tol = 1e-3, n training rows) counts
 * as no improvement; training stops after 5 such epochs in a row, or after
 * 1000 epochs.
 *
 * The one difference from sklearn: the order of the rows in each epoch.
 * sklearn shuffles the training rows before every epoch with its own
 * generator seeded from numpy's RandomState(42); here the training rows
 * (the reference's, then the current's, in canonical order) are shuffled
 * before every epoch by Fisher-Yates from one SplitMix64 stream
 * (splitmix64.h) started at seed 42 per call: for i = n-1 down to 1, j =
 * mlm_splitmix64_below(g, i + 1), swap positions i and j (the shuffles
 * compound, as sklearn's do).  With the same row order the two give the
 * same weights to rounding (the tests check this with sklearn's
 * shuffle=False); with their different orders, SGD ends at different
 * points near the optimum, and the AUCs differ by the sampling noise of a
 * finite test half (the oracle test measures how much).
 *
 * Score of a test row: predict_proba's P(reference) = 1 / (1 + exp(-(w.x +
 * b))) (scipy.special.expit, which sklearn uses), so that scores that round
 * to 1 tie as they do in sklearn.  AUC: sklearn.metrics.roc_auc_score of
 * the scores with the reference as the positive class, computed exactly
 * from ranks: U / (n1 n0), U counting the (reference, current) pairs whose
 * reference score is higher, ties as 1/2 (one rounding).
 *
 * Bootstrap (Evidently's bootstrap=True): the threshold is
 * numpy.percentile(aucs, 100 q) ('linear') of the AUCs of 100 classifiers
 * that score the test half with uniform random numbers.  Evidently seeds
 * numpy with the replicate number; here one SplitMix64 stream started at
 * seed 0 per call draws, for each replicate, the test rows' scores in
 * order (the reference's test rows, then the current's), each (z >> 11) *
 * 2^-53 for an output z (uniform on [0, 1), as numpy.random.rand).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers, no allocation
 * (the caller passes scratch space).
 */
#ifndef MLM_CORE_DOMAIN_CLASSIFIER_H
#define MLM_CORE_DOMAIN_CLASSIFIER_H

#include <stddef.h>
#include <stdint.h>

/* sklearn SGDClassifier's defaults, Evidently's seed and threshold, mlmon's bootstrap seed. */
#define MLM_DC_ALPHA 1e-4
#define MLM_DC_MAX_ITER 1000
#define MLM_DC_TOL 1e-3
#define MLM_DC_NO_CHANGE 5
#define MLM_DC_SEED 42
#define MLM_DC_THRESHOLD 0.55
#define MLM_DC_BOOTSTRAP 100
#define MLM_DC_BOOTSTRAP_SEED 0

typedef enum mlm_dc_status
{
	MLM_DC_OK = 0,
	MLM_DC_TOO_FEW = 1,			/* a side has fewer than 2 rows: no AUC */
	MLM_DC_NONFINITE = 2		/* the weights or a score overflowed (sklearn raises): no AUC */
} mlm_dc_status;

typedef struct mlm_dc_result
{
	int			status;			/* mlm_dc_status */
	double		auc;			/* NaN unless status is MLM_DC_OK */
	double		threshold;		/* the bootstrap percentile; NaN without bootstrap or AUC */
	double		intercept;
	int			epochs;			/* sklearn's n_iter_ */
	int64_t		n_train;
	int64_t		n_test;
} mlm_dc_result;

/*
 * Bytes of scratch space mlm_domain_classifier needs for n_ref and n_cur
 * rows (SIZE_MAX if that does not fit a size_t).
 */
size_t		mlm_dc_scratch_bytes(int64_t n_ref, int64_t n_cur);

/*
 * The method on ref[0..n_ref) and cur[0..n_cur) (row pointers, d finite
 * components each, canonical order).  w receives the d weights (sklearn's
 * coef_), scores (if not NULL, room for n_ref + n_cur) the test rows' scores
 * (the reference's test rows, then the current's); with bootstrap the
 * threshold is the percentile 100 q of the random AUCs.  shuffle 0 trains
 * without shuffling (sklearn's shuffle=False; for the tests).  check_cancel,
 * if set, is called once per epoch, per bootstrap replicate and every 4096
 * scored rows; it may not return (no allocation here).
 */
void		mlm_domain_classifier(const double *const *ref, int64_t n_ref, const double *const *cur, int64_t n_cur,
								  int64_t d, int bootstrap, double q, int shuffle, double *w, double *scores,
								  void *scratch, void (*check_cancel) (void), mlm_dc_result *out);

/*
 * SGD as above on x[0..n) (row pointers) with labels y[i] = +1 or -1,
 * order[0..n) scratch, the epochs' Fisher-Yates from SplitMix64 at seed
 * when shuffle is set.  Writes w[0..d) and *intercept; returns the epochs
 * run, or -1 when the weights or the intercept stopped being finite.
 */
int			mlm_dc_sgd(const double *const *x, const double *y, int64_t n, int64_t d, int shuffle, uint64_t seed,
					   double *w, double *intercept, int64_t *order, void (*check_cancel) (void));

/* w.x + b, summed in order (sklearn's WeightVector.dot). */
double		mlm_dc_decision(const double *w, double b, const double *x, int64_t d);

/* 1 / (1 + exp(-z)), as scipy.special.expit. */
double		mlm_dc_expit(double z);

/*
 * ROC AUC with pos[0..n1) the positives' scores and neg[0..n0) the
 * negatives' (finite, n1, n0 >= 1): U / (n1 n0), ties counted half.  Sorts
 * pos and neg (each result may land in tmp, room for max(n1, n0) doubles:
 * both arrays are clobbered).
 */
double		mlm_dc_auc(double *pos, int64_t n1, double *neg, int64_t n0, double *tmp);

/*
 * The bootstrap threshold for n1 positives and n0 negatives: the percentile
 * 100 q of `replicates` AUCs of uniform random scores from SplitMix64 at
 * seed.  scratch: room for 2 (n1 + n0) + replicates doubles.
 */
double		mlm_dc_random_threshold(int64_t n1, int64_t n0, double q, int replicates, uint64_t seed,
									double *scratch, void (*check_cancel) (void));

#endif							/* MLM_CORE_DOMAIN_CLASSIFIER_H */
