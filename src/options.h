/*
 * options.h: the optional arguments of the statistics (alternative,
 * method, bins, binning), parsed once per aggregate state.
 */
#ifndef MLMON_OPTIONS_H
#define MLMON_OPTIONS_H

#include "postgres.h"

#include "fmgr.h"

#include "core/ks.h"

#define MLM_DEFAULT_BINS 10
#define MLM_MAX_BINS 10000

typedef enum StatBinning
{
	BINNING_QUANTILE = 0,		/* reference-quantile bins (default) */
	BINNING_EVIDENTLY = 1		/* Evidently's Sturges / per-value bins */
} StatBinning;

typedef enum Chi2Method
{
	CHI2_GOODNESS_OF_FIT = 0,
	CHI2_CONTINGENCY = 1
} Chi2Method;

typedef struct StatOptions
{
	mlm_alternative alternative;
	mlm_ks_method method;
	int32		bins;
	StatBinning binning;
	Chi2Method chi2_method;
	/* The option arguments as first seen, to detect options that change per row. */
	int			nopts;
	Oid			opt_type[2];
	Datum		opt_value[2];
} StatOptions;

/* Which aggregate family reads the options: decides what a lone text option means. */
typedef enum OptionsKind
{
	OPTS_BINNED = 0,			/* int = bins; text = binning */
	OPTS_KS = 1,				/* text = alternative; text, text = alternative, method */
	OPTS_CATEGORICAL = 2,		/* text = chi-square method */
	OPTS_BINS = 3,				/* int = bins (OPTS_BINNED whose option is known to be an int) */
	OPTS_MWU = 4,				/* text = alternative; text, text = alternative, method (auto, exact, asymptotic) */
	OPTS_METHOD = 5,			/* text = method (auto, exact, asymptotic) */
	OPTS_TTEST = 6				/* text = t-test variant (welch, student), kept in method */
} OptionsKind;

/*
 * OPTS_TTEST keeps mlmon.t_test's variant in StatOptions.method, a field
 * the binary form of mlmon.sample_state carries to the combine function.
 */
#define TTEST_VARIANT_WELCH MLM_KS_AUTO
#define TTEST_VARIANT_STUDENT MLM_KS_EXACT

/* The t-test variant named s: TTEST_VARIANT_WELCH or _STUDENT (error for another name). */
extern mlm_ks_method ttest_variant_of(const char *s);

/* The options of a statistic called without option arguments (no option seen yet). */
extern void options_defaults(StatOptions *opts);

/*
 * Parse the option arguments fcinfo->args[first..] of a transition function
 * into opts (defaults for absent ones), with a clear error for bad values.
 */
extern void options_init(StatOptions *opts, FunctionCallInfo fcinfo, int first,
						 OptionsKind kind, MemoryContext mcxt);

/*
 * options_init for a transition function whose option arguments are all of
 * type opttype (C entry points of a real-state aggregate: Citus calls them
 * without the expression that tells the argument types).
 */
extern void options_init_as(StatOptions *opts, FunctionCallInfo fcinfo, int first,
							OptionsKind kind, MemoryContext mcxt, Oid opttype);

/* Error out if the option arguments differ from the ones the state was built with. */
extern void options_check_same(const StatOptions *opts, FunctionCallInfo fcinfo, int first);

/* Error out unless two partial states were built with the same options. */
extern void options_check_combinable(const StatOptions *a, const StatOptions *b);

extern const char *ks_method_name(mlm_ks_method m);

#endif
