/*
 * metrics.c: model performance metrics as scikit-learn 1.2 defines them.
 *
 * Classification follows precision_recall_fscore_support: per class
 * precision tp / predicted and recall tp / support, 0 where the divisor is
 * 0 (zero_division = 0); F1 = 2 p r / (p + r), 0 where p + r = 0; macro
 * averages are plain means over the classes (the union of actual and
 * predicted labels), weighted averages weigh each class by its support.
 */
#include "metrics.h"

#include <float.h>
#include <math.h>

static double
ratio_or_zero(int64_t num, int64_t den)
{
	return den == 0 ? 0.0 : (double) num / (double) den;
}

void
mlm_classification(int64_t k, const int64_t *cm, mlm_class_stats *per, mlm_class_summary *sum)
{
	int64_t		i,
				j,
				n = 0,
				correct = 0;
	mlm_ksum	pm = {0, 0},
				rm = {0, 0},
				fm = {0, 0},
				pw = {0, 0},
				rw = {0, 0},
				fw = {0, 0};

	for (i = 0; i < k; i++)
	{
		per[i].support = 0;
		per[i].predicted = 0;
	}
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
		{
			int64_t		c = cm[i * k + j];

			per[i].support += c;
			per[j].predicted += c;
			n += c;
			if (i == j)
				correct += c;
		}
	for (i = 0; i < k; i++)
	{
		mlm_class_stats *s = &per[i];
		double		denom;

		s->tp = cm[i * k + i];
		s->precision = ratio_or_zero(s->tp, s->predicted);
		s->recall = ratio_or_zero(s->tp, s->support);
		denom = s->precision + s->recall;
		s->f1 = denom == 0.0 ? 0.0 : 2.0 * s->precision * s->recall / denom;
		mlm_ksum_add(&pm, s->precision);
		mlm_ksum_add(&rm, s->recall);
		mlm_ksum_add(&fm, s->f1);
		mlm_ksum_add(&pw, s->precision * (double) s->support);
		mlm_ksum_add(&rw, s->recall * (double) s->support);
		mlm_ksum_add(&fw, s->f1 * (double) s->support);
	}
	sum->n = n;
	sum->accuracy = ratio_or_zero(correct, n);
	sum->precision_macro = k > 0 ? mlm_ksum_value(&pm) / (double) k : 0.0;
	sum->recall_macro = k > 0 ? mlm_ksum_value(&rm) / (double) k : 0.0;
	sum->f1_macro = k > 0 ? mlm_ksum_value(&fm) / (double) k : 0.0;
	sum->precision_weighted = n > 0 ? mlm_ksum_value(&pw) / (double) n : 0.0;
	sum->recall_weighted = n > 0 ? mlm_ksum_value(&rw) / (double) n : 0.0;
	sum->f1_weighted = n > 0 ? mlm_ksum_value(&fw) / (double) n : 0.0;
}

/*
 * Mann-Whitney: twice the number of (positive, negative) pairs ordered
 * correctly, ties counting one, walking both sorted arrays once.
 */
double
mlm_roc_auc(const double *pos, int64_t np, const double *neg, int64_t nn)
{
	int64_t		i = 0,
				lt = 0,			/* negatives < v */
				le = 0;			/* negatives <= v */
	uint64_t	twice_u = 0;	/* exact: at most 2 np nn < 2^64 */

	while (i < np)
	{
		double		v = pos[i];
		int64_t		run = 0;

		while (lt < nn && neg[lt] < v)
			lt++;
		if (le < lt)
			le = lt;
		while (le < nn && neg[le] <= v)
			le++;
		while (i < np && pos[i] == v)
		{
			run++;
			i++;
		}
		twice_u += (uint64_t) run * (uint64_t) (2 * lt + (le - lt));
	}
	return (double) twice_u / (2.0 * (double) np * (double) nn);
}

void
mlm_binary_losses(const double *p, int64_t n, int is_positive, mlm_ksum *log_loss, mlm_ksum *brier)
{
	const double eps = DBL_EPSILON;
	int64_t		i;

	for (i = 0; i < n; i++)
	{
		double		q = p[i] < eps ? eps : (p[i] > 1.0 - eps ? 1.0 - eps : p[i]);
		double		other = 1.0 - q;
		double		total = other + q;
		double		e = is_positive ? 1.0 - p[i] : p[i];

		mlm_ksum_add(log_loss, -log((is_positive ? q : other) / total));
		mlm_ksum_add(brier, e * e);
	}
}

void
mlm_binary_score_sums(double p, mlm_ksum *log_if_pos, mlm_ksum *log_if_neg,
					  mlm_ksum *brier_if_pos, mlm_ksum *brier_if_neg)
{
	const double eps = DBL_EPSILON;
	double		q = p < eps ? eps : (p > 1.0 - eps ? 1.0 - eps : p);
	double		other = 1.0 - q;
	double		total = other + q;

	mlm_ksum_add(log_if_pos, -log(q / total));
	mlm_ksum_add(log_if_neg, -log(other / total));
	mlm_ksum_add(brier_if_pos, (1.0 - p) * (1.0 - p));
	mlm_ksum_add(brier_if_neg, p * p);
}

double
mlm_roc_auc_counted(const double *pos, const int64_t *pw, int64_t pm, int64_t np,
					const double *neg, const int64_t *nw, int64_t nm, int64_t nn)
{
	int64_t		i,
				j = 0,
				below = 0;		/* negatives < pos[i] */
	uint64_t	twice_u = 0;	/* exact: at most 2 np nn < 2^64 */

	for (i = 0; i < pm; i++)
	{
		int64_t		equal = 0;

		while (j < nm && neg[j] < pos[i])
			below += nw[j++];
		if (j < nm && neg[j] == pos[i])
			equal = nw[j];
		twice_u += (uint64_t) pw[i] * (uint64_t) (2 * below + equal);
	}
	return (double) twice_u / (2.0 * (double) np * (double) nn);
}

void
mlm_regression_add(mlm_regression_acc *a, double y, double yhat)
{
	double		err = y - yhat;
	double		ay = fabs(y);
	double		delta;

	a->n++;
	mlm_ksum_add(&a->abs_err, fabs(err));
	mlm_ksum_add(&a->sq_err, err * err);
	mlm_ksum_add(&a->ape, fabs(err) / (ay > DBL_EPSILON ? ay : DBL_EPSILON));
	delta = y - a->mean_y;
	a->mean_y += delta / (double) a->n;
	a->m2_y += delta * (y - a->mean_y);
}

static void
ksum_merge(mlm_ksum *a, const mlm_ksum *b)
{
	mlm_ksum_add(a, b->s);
	mlm_ksum_add(a, b->c);
}

void
mlm_regression_merge(mlm_regression_acc *a, const mlm_regression_acc *b)
{
	double		na = (double) a->n,
				nb = (double) b->n,
				n,
				delta;

	if (b->n == 0)
		return;
	if (a->n == 0)
	{
		*a = *b;
		return;
	}
	n = na + nb;
	delta = b->mean_y - a->mean_y;
	a->mean_y += delta * (nb / n);
	a->m2_y += b->m2_y + delta * delta * (na * nb / n);
	a->n += b->n;
	ksum_merge(&a->abs_err, &b->abs_err);
	ksum_merge(&a->sq_err, &b->sq_err);
	ksum_merge(&a->ape, &b->ape);
}

void
mlm_regression_result_of(const mlm_regression_acc *a, mlm_regression_result *r)
{
	double		n = (double) a->n;
	double		ss_res = mlm_ksum_value(&a->sq_err);

	r->n = a->n;
	r->mae = mlm_ksum_value(&a->abs_err) / n;
	r->mse = ss_res / n;
	r->rmse = sqrt(r->mse);
	r->mape = mlm_ksum_value(&a->ape) / n;
	if (a->m2_y > 0.0)
		r->r2 = 1.0 - ss_res / a->m2_y;
	else
		r->r2 = ss_res == 0.0 ? 1.0 : 0.0;
}
