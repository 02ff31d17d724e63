/*
 * detectors.h: streaming concept-drift detectors (Page-Hinkley, DDM, EDDM,
 * ADWIN, KSWIN) with river's default parameters.
 *
 * Each detector takes one value per update, in stream order, and reports
 * the step's outcome.  Page-Hinkley, DDM, EDDM and KSWIN restart from
 * scratch at the update that follows a drift, as river does; ADWIN drops
 * the older part of its window instead (the published algorithm).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_DETECTORS_H
#define MLM_DETECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The outcome of one update. */
typedef struct mlm_detect_step
{
	bool		warning;		/* in the warning zone after this update */
	bool		drift;			/* drift signalled at this update */
	bool		has_statistic;	/* the update reached a test */
	double		statistic;		/* the decision statistic of that test */
	bool		has_estimate;
	double		estimate;		/* the detector's running estimate */
} mlm_detect_step;

/* ---- Page-Hinkley ---- */

typedef enum
{
	MLM_PH_BOTH = 0,
	MLM_PH_UP = 1,
	MLM_PH_DOWN = 2
} mlm_ph_mode;

typedef struct mlm_ph_params
{
	int64_t		min_instances;	/* 30 */
	double		delta;			/* 0.005 */
	double		threshold;		/* 50 */
	double		alpha;			/* 1 - 0.0001 */
	mlm_ph_mode mode;			/* both */
} mlm_ph_params;

typedef struct mlm_ph
{
	mlm_ph_params p;
	bool		reset_pending;
	int64_t		cnt;
	double		mean;
	double		sum_inc;
	double		sum_dec;
	double		min_inc;
	double		max_dec;
} mlm_ph;

const char *mlm_ph_check(const mlm_ph_params *p);
void		mlm_ph_init(mlm_ph *d, const mlm_ph_params *p);
void		mlm_ph_update(mlm_ph *d, double x, mlm_detect_step *out);

/* ---- DDM (drift detection method, Gama et al. 2004) ---- */

typedef struct mlm_ddm_params
{
	int64_t		warm_start;		/* 30 */
	double		warning_threshold;	/* 2 */
	double		drift_threshold;	/* 3 */
} mlm_ddm_params;

typedef struct mlm_ddm
{
	mlm_ddm_params p;
	bool		reset_pending;
	bool		warning;
	int64_t		cnt;
	double		p_err;
	double		p_min;
	double		s_min;
	double		ps_min;
} mlm_ddm;

const char *mlm_ddm_check(const mlm_ddm_params *p);
void		mlm_ddm_init(mlm_ddm *d, const mlm_ddm_params *p);
void		mlm_ddm_update(mlm_ddm *d, bool error, mlm_detect_step *out);

/* ---- EDDM (early drift detection method, Baena-Garcia et al. 2006) ---- */

typedef struct mlm_eddm_params
{
	int64_t		warm_start;		/* 30 */
	double		alpha;			/* 0.95: warning below */
	double		beta;			/* 0.9: drift below */
} mlm_eddm_params;

typedef struct mlm_eddm
{
	mlm_eddm_params p;
	bool		reset_pending;
	bool		warning;
	int64_t		cnt;
	int64_t		errors;
	int64_t		last_error;
	double		dist_mean;
	double		dist_m2;
	double		p2s_max;
} mlm_eddm;

const char *mlm_eddm_check(const mlm_eddm_params *p);
void		mlm_eddm_init(mlm_eddm *d, const mlm_eddm_params *p);
void		mlm_eddm_update(mlm_eddm *d, bool error, mlm_detect_step *out);

/* ---- ADWIN (adaptive windowing, Bifet and Gavalda 2007) ---- */

/* Rows of the exponential histogram: row i holds buckets of 2^i values. */
#define MLM_ADWIN_MAX_ROWS 64
#define MLM_ADWIN_MAX_BUCKETS 1024

typedef struct mlm_adwin_params
{
	double		delta;			/* 0.002 */
	int64_t		clock;			/* 32 */
	int64_t		max_buckets;	/* 5 */
	int64_t		min_window_length;	/* 5 */
	int64_t		grace_period;	/* 10 */
	bool		restart;		/* true (river): a new, empty window after a drift; false (MOA): keep the shrunk one */
} mlm_adwin_params;

typedef struct mlm_adwin
{
	mlm_adwin_params p;
	int			nrows;
	int			row_len[MLM_ADWIN_MAX_ROWS];
	double	   *total;			/* [row * (max_buckets + 1) + k], k = 0 oldest */
	double	   *variance;
	int64_t		tick;
	double		width;
	double		sum;
	double		var;			/* sum of squared deviations in the window */
} mlm_adwin;

const char *mlm_adwin_check(const mlm_adwin_params *p);
/* Doubles needed for each of the two bucket arrays. */
size_t		mlm_adwin_cells(const mlm_adwin_params *p);
/* total and variance: mlm_adwin_cells(p) doubles each, owned by the caller. */
void		mlm_adwin_init(mlm_adwin *d, const mlm_adwin_params *p, double *total, double *variance);
void		mlm_adwin_update(mlm_adwin *d, double x, mlm_detect_step *out);

/* ---- KSWIN (Kolmogorov-Smirnov windowing, Raab et al. 2020) ---- */

typedef struct mlm_kswin_params
{
	double		alpha;			/* 0.005 */
	int64_t		window_size;	/* 100 */
	int64_t		stat_size;		/* 30 */
	uint64_t	seed;			/* 42 */
} mlm_kswin_params;

typedef struct mlm_kswin
{
	mlm_kswin_params p;
	bool		reset_pending;
	uint64_t	rng;
	int64_t		len;			/* values in the window */
	int64_t		head;			/* ring index of the oldest value */
	double	   *ring;			/* window_size values */
	int64_t    *perm;			/* window_size - stat_size indexes */
	double	   *sample;			/* 2 * stat_size values of scratch */
} mlm_kswin;

const char *mlm_kswin_check(const mlm_kswin_params *p);
/* Bytes of working memory mlm_kswin_init needs. */
size_t		mlm_kswin_bytes(const mlm_kswin_params *p);
/* mem: mlm_kswin_bytes(p) bytes, aligned for doubles, owned by the caller. */
void		mlm_kswin_init(mlm_kswin *d, const mlm_kswin_params *p, void *mem);
void		mlm_kswin_update(mlm_kswin *d, double x, mlm_detect_step *out);

/* The splitmix64 generator KSWIN draws its sample with. */
uint64_t	mlm_splitmix64(uint64_t *state);

#endif
