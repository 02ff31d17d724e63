/*
 * domain_classifier.c: Evidently's `model` embedding drift method: a
 * logistic regression by scikit-learn's SGD telling reference from current
 * rows, its exact ROC AUC, and the random classifiers' threshold (see
 * domain_classifier.h).
 */
#include "domain_classifier.h"

#include <math.h>
#include <string.h>

#include "embedding.h"
#include "sort.h"
#include "splitmix64.h"

#define MAX_DLOSS 1e12
#define WSCALE_RESET 1e-9
#define CANCEL_ROWS 4096

/* sklearn's log loss of prediction p for label y (+-1), with its shortcuts beyond |y p| > 18. */
static inline double
log_loss(double p, double y)
{
	double		z = p * y;

	if (z > 18.0)
		return exp(-z);
	if (z < -18.0)
		return -z;
	return log(1.0 + exp(-z));
}

/* Its derivative in p. */
static inline double
log_dloss(double p, double y)
{
	double		z = p * y;

	if (z > 18.0)
		return exp(-z) * -y;
	if (z < -18.0)
		return -y;
	return -y / (exp(z) + 1.0);
}

double
mlm_dc_expit(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/* The dot product of w and x summed in order. */
static inline double
dot(const double *w, const double *x, int64_t d)
{
	double		s = 0.0;

	for (int64_t j = 0; j < d; j++)
		s += w[j] * x[j];
	return s;
}

double
mlm_dc_decision(const double *w, double b, const double *x, int64_t d)
{
	return dot(w, x, d) + b;
}

int
mlm_dc_sgd(const double *const *x, const double *y, int64_t n, int64_t d, int shuffle, uint64_t seed,
		   double *w, double *intercept, int64_t *order, void (*check_cancel) (void))
{
	const double alpha = MLM_DC_ALPHA;
	/* sklearn's heuristic: typw / max(1, dloss(-typw, 1)); that dloss is negative */
	double		typw = sqrt(1.0 / sqrt(alpha));
	double		eta0 = typw / fmax(1.0, log_dloss(-typw, 1.0));
	double		optimal_init = 1.0 / (eta0 * alpha);
	double		wscale = 1.0,
				b = 0.0,
				t = 1.0,
				best = INFINITY;
	int			no_improvement = 0,
				epoch;
	mlm_splitmix64 g;

	mlm_splitmix64_init(&g, seed);
	for (int64_t i = 0; i < n; i++)
		order[i] = i;
	for (int64_t j = 0; j < d; j++)
		w[j] = 0.0;
	for (epoch = 0; epoch < MLM_DC_MAX_ITER; epoch++)
	{
		double		sumloss = 0.0;
		int			finite = 1;

		if (check_cancel)
			check_cancel();
		if (shuffle)
			for (int64_t i = n - 1; i > 0; i--)
			{
				int64_t		j = (int64_t) mlm_splitmix64_below(&g, (uint64_t) i + 1);
				int64_t		tmp = order[i];

				order[i] = order[j];
				order[j] = tmp;
			}
		for (int64_t k = 0; k < n; k++)
		{
			const double *xi = x[order[k]];
			double		yi = y[order[k]];
			double		p = dot(w, xi, d) * wscale + b;
			double		eta = 1.0 / (alpha * (optimal_init + t - 1.0));
			double		dl = log_dloss(p, yi);
			double		update;

			sumloss += log_loss(p, yi);
			if (dl < -MAX_DLOSS)
				dl = -MAX_DLOSS;
			else if (dl > MAX_DLOSS)
				dl = MAX_DLOSS;
			update = -eta * dl;
			/* the L2 step, as a scale; folded into w when it gets tiny */
			wscale *= fmax(0.0, 1.0 - eta * alpha);
			if (wscale < WSCALE_RESET)
			{
				for (int64_t j = 0; j < d; j++)
					w[j] *= wscale;
				wscale = 1.0;
			}
			if (update != 0.0)
			{
				double		c = update / wscale;

				for (int64_t j = 0; j < d; j++)
					w[j] += xi[j] * c;
				b += update;
			}
			t += 1.0;
		}
		if (!isfinite(b))
			finite = 0;
		for (int64_t j = 0; j < d && finite; j++)
			if (!isfinite(w[j]))
				finite = 0;
		if (!finite)
		{
			*intercept = b;
			return -1;
		}
		if (sumloss > best - MLM_DC_TOL * (double) n)
			no_improvement++;
		else
			no_improvement = 0;
		if (sumloss < best)
			best = sumloss;
		if (no_improvement >= MLM_DC_NO_CHANGE)
		{
			epoch++;
			break;
		}
	}
	for (int64_t j = 0; j < d; j++)
		w[j] *= wscale;
	*intercept = b;
	return epoch;
}

double
mlm_dc_auc(double *pos, int64_t n1, double *neg, int64_t n0, double *tmp)
{
	const double *p = mlm_sort_doubles(pos, tmp, (size_t) n1);
	const double *q;
	uint64_t	twice_u = 0;
	int64_t		lo = 0,
				hi = 0;

	/* pos's result may be in tmp: move it back before tmp sorts neg */
	if (p == tmp)
	{
		memcpy(pos, tmp, sizeof(double) * (size_t) n1);
		p = pos;
	}
	q = mlm_sort_doubles(neg, tmp, (size_t) n0);
	for (int64_t i = 0; i < n1; i++)
	{
		double		s = p[i];

		while (lo < n0 && q[lo] < s)
			lo++;
		if (hi < lo)
			hi = lo;
		while (hi < n0 && q[hi] <= s)
			hi++;
		/* 2 for each negative below s, 1 for each tied with it */
		twice_u += (uint64_t) (2 * lo + (hi - lo));
	}
	return (double) twice_u / (2.0 * (double) n1 * (double) n0);
}

/* A uniform double in [0, 1) from the top 53 bits of an output. */
static inline double
uniform01(mlm_splitmix64 *g)
{
	return (double) (mlm_splitmix64_next(g) >> 11) * 0x1.0p-53;
}

double
mlm_dc_random_threshold(int64_t n1, int64_t n0, double q, int replicates, uint64_t seed,
						double *scratch, void (*check_cancel) (void))
{
	double	   *pos = scratch,
			   *neg = scratch + n1,
			   *tmp = scratch + n1 + n0,
			   *aucs = scratch + 2 * (n1 + n0);
	mlm_splitmix64 g;

	mlm_splitmix64_init(&g, seed);
	for (int r = 0; r < replicates; r++)
	{
		if (check_cancel)
			check_cancel();
		for (int64_t i = 0; i < n1; i++)
			pos[i] = uniform01(&g);
		for (int64_t i = 0; i < n0; i++)
			neg[i] = uniform01(&g);
		aucs[r] = mlm_dc_auc(pos, n1, neg, n0, tmp);
	}
	return mlm_percentile_linear(aucs, replicates, q);
}

/* Test rows of a side of n rows: ceil(n / 2) (even positions); training rows: floor(n / 2). */
static inline int64_t
test_rows(int64_t n)
{
	return n - n / 2;
}

size_t
mlm_dc_scratch_bytes(int64_t n_ref, int64_t n_cur)
{
	/*
	 * training: row pointers, labels, order; test: scores (n_test doubles);
	 * the AUC's and the bootstrap's scratch: 2 n_test + B doubles
	 */
	double		n_train = (double) (n_ref / 2 + n_cur / 2);
	double		n_test = (double) (test_rows(n_ref) + test_rows(n_cur));
	double		bytes = n_train * (double) (sizeof(const double *) + sizeof(double) + sizeof(int64_t)) +
		(double) sizeof(double) * (3.0 * n_test + MLM_DC_BOOTSTRAP);

	if (n_ref < 0 || n_cur < 0 || bytes >= (double) SIZE_MAX)
		return SIZE_MAX;
	return (size_t) bytes;
}

void
mlm_domain_classifier(const double *const *ref, int64_t n_ref, const double *const *cur, int64_t n_cur,
					  int64_t d, int bootstrap, double q, int shuffle, double *w, double *scores,
					  void *scratch, void (*check_cancel) (void), mlm_dc_result *out)
{
	int64_t		t_ref = n_ref < 2 ? 0 : test_rows(n_ref),
				t_cur = n_cur < 2 ? 0 : test_rows(n_cur);
	int64_t		n_train = n_ref < 2 || n_cur < 2 ? 0 : n_ref / 2 + n_cur / 2,
				n_test = t_ref + t_cur;
	const double **xtrain = scratch;
	double	   *ytrain = (double *) (xtrain + n_train);
	int64_t    *order = (int64_t *) (ytrain + n_train);
	double	   *test = (double *) (order + n_train);
	double	   *tmp = test + n_test;
	int64_t		k = 0;
	int			epochs;

	memset(out, 0, sizeof(*out));
	out->auc = NAN;
	out->threshold = NAN;
	if (n_ref < 2 || n_cur < 2)
	{
		out->status = MLM_DC_TOO_FEW;
		return;
	}
	out->n_train = n_train;
	out->n_test = n_test;
	for (int64_t i = 1; i < n_ref; i += 2, k++)
	{
		xtrain[k] = ref[i];
		ytrain[k] = 1.0;
	}
	for (int64_t i = 1; i < n_cur; i += 2, k++)
	{
		xtrain[k] = cur[i];
		ytrain[k] = -1.0;
	}
	epochs = mlm_dc_sgd((const double *const *) xtrain, ytrain, n_train, d, shuffle, MLM_DC_SEED, w,
						&out->intercept, order, check_cancel);
	out->epochs = epochs;
	if (epochs < 0)
	{
		out->status = MLM_DC_NONFINITE;
		return;
	}
	k = 0;
	for (int64_t i = 0; i < n_ref; i += 2, k++)
	{
		if (check_cancel && k % CANCEL_ROWS == 0)
			check_cancel();
		test[k] = mlm_dc_expit(mlm_dc_decision(w, out->intercept, ref[i], d));
	}
	for (int64_t i = 0; i < n_cur; i += 2, k++)
	{
		if (check_cancel && k % CANCEL_ROWS == 0)
			check_cancel();
		test[k] = mlm_dc_expit(mlm_dc_decision(w, out->intercept, cur[i], d));
	}
	for (int64_t i = 0; i < n_test; i++)
		if (isnan(test[i]))
		{
			out->status = MLM_DC_NONFINITE;
			return;
		}
	if (scores)
		memcpy(scores, test, sizeof(double) * (size_t) n_test);
	out->auc = mlm_dc_auc(test, t_ref, test + t_ref, t_cur, tmp);
	if (bootstrap)
		out->threshold = mlm_dc_random_threshold(t_ref, t_cur, q, MLM_DC_BOOTSTRAP, MLM_DC_BOOTSTRAP_SEED,
												 tmp, check_cancel);
	out->status = MLM_DC_OK;
}
