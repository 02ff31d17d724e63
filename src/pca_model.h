/*
 * pca_model.h: the fitted model of NannyML's data reconstruction drift
 * (mean imputation, StandardScaler, PCA) as mlmon.pca_fit writes it in
 * jsonb, parsed and cached per function call site.
 */
#ifndef MLMON_PCA_MODEL_H
#define MLMON_PCA_MODEL_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

/* Most features a model has (the fit's co-moments are p (p + 1) / 2 numbers, its eigen-decomposition O(p^3)). */
#define PCA_MAX_FEATURES 1000

/* Version of the model's jsonb form. */
#define PCA_MODEL_VERSION 1

/* The elements of a float8[] (ARR_DATA_PTR without its signedness warning). */
static inline float8 *
pca_array_data(ArrayType *a)
{
	return (float8 *) ((char *) a + (ARR_HASNULL(a) ? (Size) a->dataoffset : ARR_OVERHEAD_NONULLS(ARR_NDIM(a))));
}

/* A parsed model: what the reconstruction error needs. */
typedef struct PcaModel
{
	int			p;				/* features */
	int			k;				/* kept components */
	double	   *mean;			/* p: imputation and StandardScaler's mean_ */
	double	   *scale;			/* p: StandardScaler's scale_ */
	double	   *pca_mean;		/* p: PCA's mean_ (of the standardized data) */
	double	   *components;		/* k x p, row by row */
	bool	   *empty;			/* p: a feature no reference row had (SimpleImputer drops it) */
	uint64		hash;			/* 64-bit hash of the model's jsonb bytes: the model's identity in states */
} PcaModel;

/*
 * The model in argument argno, parsed once per call site: cached in
 * fcinfo->flinfo->fn_extra, keyed on the argument's bytes as passed (a
 * TOAST pointer, or the jsonb itself), parsed again only when they change.
 * A malformed model is an error (22023).  The returned model and its
 * scratch space (work: k + p numbers) live until the next change.
 */
extern const PcaModel *pca_model_arg(FunctionCallInfo fcinfo, int argno, double **work);

/*
 * The features in x[0..p) with NULL, NaN and +-Infinity elements (and a
 * feature the model marks empty) as NaN, the imputed marker of
 * mlm_pca_reconstruction_error; returns the number of such elements, or -1
 * when the array is not one-dimensional of length p (an empty array: -1).
 */
extern int	pca_features_of(ArrayType *a, const PcaModel *m, double *x);

#endif
