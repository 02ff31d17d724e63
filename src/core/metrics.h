/*
 * metrics.h: model performance metrics as scikit-learn 1.2 defines them,
 * from a confusion matrix (classification), from the scores of a binary
 * classifier, and from running sums of errors (regression).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_METRICS_H
#define MLM_METRICS_H

#include <stdint.h>

#include "summation.h"

/* One class's row of sklearn's classification report (zero_division = 0). */
typedef struct mlm_class_stats
{
	int64_t		support;		/* rows whose actual label is this class */
	int64_t		predicted;		/* rows predicted as this class */
	int64_t		tp;
	double		precision;
	double		recall;
	double		f1;
} mlm_class_stats;

typedef struct mlm_class_summary
{
	int64_t		n;
	double		accuracy;
	double		precision_macro;
	double		recall_macro;
	double		f1_macro;
	double		precision_weighted;
	double		recall_weighted;
	double		f1_weighted;
} mlm_class_summary;

/*
 * Metrics of k >= 1 classes from the k x k confusion matrix cm (row i:
 * actual class i, column j: predicted class j, row-major), as
 * sklearn.metrics.precision_recall_fscore_support and accuracy_score with
 * zero_division=0.  per[] receives k entries.
 */
void		mlm_classification(int64_t k, const int64_t *cm, mlm_class_stats *per, mlm_class_summary *sum);

/*
 * Area under the ROC curve of sorted positive scores pos[0..np) against
 * sorted negative scores neg[0..nn) (ties count one half), as
 * sklearn.metrics.roc_auc_score; both counts must be positive and
 * 2 np nn must fit in 64 bits (np + nn < 6e9).
 */
double		mlm_roc_auc(const double *pos, int64_t np, const double *neg, int64_t nn);

/*
 * Sums over rows of the binary log loss (sklearn.metrics.log_loss with
 * eps = DBL_EPSILON: clipped, renormalized) and of the Brier loss, for n
 * probabilities p[] of the positive class whose actual label is positive
 * (is_positive) or not.  Added to the running sums.
 */
void		mlm_binary_losses(const double *p, int64_t n, int is_positive, mlm_ksum *log_loss, mlm_ksum *brier);

/*
 * The terms a probability p of the positive class adds under each
 * hypothesis about its row's actual label, as mlm_binary_losses computes
 * them: the log loss if the row is positive (-log p, clipped) or negative
 * (-log(1 - p)), the Brier loss if positive ((1 - p)^2) or negative (p^2).
 * Kept per actual label, they give both losses once the positive label is
 * known, and they add up across parts of a sample.
 */
void		mlm_binary_score_sums(double p, mlm_ksum *log_if_pos, mlm_ksum *log_if_neg,
								  mlm_ksum *brier_if_pos, mlm_ksum *brier_if_neg);

/*
 * mlm_roc_auc for samples given as distinct ascending values with counts
 * (np, nn: the totals of the counts).
 */
double		mlm_roc_auc_counted(const double *pos, const int64_t *pw, int64_t pm, int64_t np,
								const double *neg, const int64_t *nw, int64_t nm, int64_t nn);

/*
 * Regression: running sums mergeable across partial aggregates.  The
 * actuals' mean and sum of squared deviations are kept by Welford's update
 * and merged by Chan's formula, so R^2 needs no second pass.
 */
typedef struct mlm_regression_acc
{
	int64_t		n;
	mlm_ksum	abs_err;
	mlm_ksum	sq_err;
	mlm_ksum	ape;			/* |y - yhat| / max(|y|, DBL_EPSILON) */
	double		mean_y;
	double		m2_y;
} mlm_regression_acc;

typedef struct mlm_regression_result
{
	int64_t		n;
	double		mae;
	double		mse;
	double		rmse;
	double		r2;
	double		mape;
} mlm_regression_result;

void		mlm_regression_add(mlm_regression_acc *a, double y, double yhat);
void		mlm_regression_merge(mlm_regression_acc *a, const mlm_regression_acc *b);
/* The metrics (n > 0): r2 as sklearn's r2_score with force_finite=True. */
void		mlm_regression_result_of(const mlm_regression_acc *a, mlm_regression_result *r);

#endif
