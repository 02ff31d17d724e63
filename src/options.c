/*
 * options.c: parsing and validating the optional arguments of the
 * statistics.  Options are parsed when an aggregate state is created; later
 * rows only check that the option arguments did not change (a comparison
 * with the first row's values).  An aggregate over no rows never sees its
 * options, so it returns NULL without checking them.
 */
#include "options.h"

#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/* Which option an argument holds, for the NULL check. */
typedef enum OptionName
{
	OPT_ALTERNATIVE,
	OPT_METHOD,
	OPT_BINNING,
	OPT_VARIANT
} OptionName;

/* Text of an option argument; NULL is an error. */
static char *
option_text(FunctionCallInfo fcinfo, int argno, OptionName what)
{
	if (PG_ARGISNULL(argno))
	{
		switch (what)
		{
			case OPT_ALTERNATIVE:
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("alternative must not be null")));
				break;
			case OPT_METHOD:
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("method must not be null")));
				break;
			case OPT_BINNING:
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("binning must not be null")));
				break;
			case OPT_VARIANT:
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("variant must not be null")));
				break;
		}
	}
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

static mlm_alternative
parse_alternative(const char *s)
{
	if (strcmp(s, "two-sided") == 0)
		return MLM_TWO_SIDED;
	if (strcmp(s, "less") == 0)
		return MLM_LESS;
	if (strcmp(s, "greater") == 0)
		return MLM_GREATER;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid alternative \"%s\"", s),
			 errhint("Valid alternatives are \"two-sided\", \"less\" and \"greater\".")));
	return MLM_TWO_SIDED;		/* keep compiler quiet */
}

static mlm_ks_method
parse_ks_method(const char *s)
{
	if (strcmp(s, "auto") == 0)
		return MLM_KS_AUTO;
	if (strcmp(s, "exact") == 0)
		return MLM_KS_EXACT;
	if (strcmp(s, "asymp") == 0)
		return MLM_KS_ASYMP;
	if (strcmp(s, "none") == 0)
		return MLM_KS_NONE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid method \"%s\"", s),
			 errhint("Valid methods are \"auto\", \"exact\", \"asymp\" and \"none\".")));
	return MLM_KS_AUTO;
}

/* mlmon.mann_whitney's methods: SciPy's names, and mlmon.ks_2samp's 'asymp'. */
static mlm_ks_method
parse_mwu_method(const char *s)
{
	if (strcmp(s, "auto") == 0)
		return MLM_KS_AUTO;
	if (strcmp(s, "exact") == 0)
		return MLM_KS_EXACT;
	if (strcmp(s, "asymptotic") == 0 || strcmp(s, "asymp") == 0)
		return MLM_KS_ASYMP;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid method \"%s\"", s),
			 errhint("Valid methods are \"auto\", \"exact\" and \"asymptotic\".")));
	return MLM_KS_AUTO;
}

mlm_ks_method
ttest_variant_of(const char *s)
{
	if (strcmp(s, "welch") == 0)
		return TTEST_VARIANT_WELCH;
	if (strcmp(s, "student") == 0)
		return TTEST_VARIANT_STUDENT;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid t-test variant \"%s\"", s),
			 errhint("Valid variants are \"welch\" and \"student\".")));
	return TTEST_VARIANT_WELCH;	/* keep compiler quiet */
}

static StatBinning
parse_binning(const char *s)
{
	if (strcmp(s, "quantile") == 0)
		return BINNING_QUANTILE;
	if (strcmp(s, "evidently") == 0)
		return BINNING_EVIDENTLY;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid binning \"%s\"", s),
			 errhint("Valid binnings are \"quantile\" and \"evidently\".")));
	return BINNING_QUANTILE;
}

static Chi2Method
parse_chi2_method(const char *s)
{
	if (strcmp(s, "goodness_of_fit") == 0)
		return CHI2_GOODNESS_OF_FIT;
	if (strcmp(s, "contingency") == 0)
		return CHI2_CONTINGENCY;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid chi-square method \"%s\"", s),
			 errhint("Valid methods are \"goodness_of_fit\" and \"contingency\".")));
	return CHI2_GOODNESS_OF_FIT;
}

static int32
parse_bins(FunctionCallInfo fcinfo, int argno)
{
	int32		bins;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("number of bins must not be null")));
	bins = PG_GETARG_INT32(argno);
	if (bins < 1 || bins > MLM_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of bins must be between 1 and %d", MLM_MAX_BINS),
				 errdetail("The number of bins given was %d.", bins)));
	return bins;
}

void
options_defaults(StatOptions *opts)
{
	memset(opts, 0, sizeof(StatOptions));
	opts->alternative = MLM_TWO_SIDED;
	opts->method = MLM_KS_AUTO;
	opts->bins = MLM_DEFAULT_BINS;
	opts->binning = BINNING_QUANTILE;
	opts->chi2_method = CHI2_GOODNESS_OF_FIT;
}

void
options_init(StatOptions *opts, FunctionCallInfo fcinfo, int first, OptionsKind kind,
			 MemoryContext mcxt)
{
	options_init_as(opts, fcinfo, first, kind, mcxt, InvalidOid);
}

void
options_init_as(StatOptions *opts, FunctionCallInfo fcinfo, int first, OptionsKind kind,
				MemoryContext mcxt, Oid opttype)
{
	int			nargs = PG_NARGS();
	int			i;

	options_defaults(opts);
	opts->nopts = nargs - first;
	Assert(opts->nopts >= 0 && opts->nopts <= 2);

	for (i = 0; i < opts->nopts; i++)
	{
		opts->opt_type[i] = OidIsValid(opttype) ? opttype : get_fn_expr_argtype(fcinfo->flinfo, first + i);
		/*
		 * Citus calls transitions without the expression: the kinds whose
		 * option types are known say them.
		 */
		if (!OidIsValid(opts->opt_type[i]) && (kind == OPTS_CATEGORICAL || kind == OPTS_KS || kind == OPTS_MWU ||
															kind == OPTS_METHOD || kind == OPTS_TTEST))
			opts->opt_type[i] = TEXTOID;
		if (!OidIsValid(opts->opt_type[i]) && kind == OPTS_BINS)
			opts->opt_type[i] = INT4OID;
		if (!OidIsValid(opts->opt_type[i]))
			elog(ERROR, "could not determine the type of option argument %d", first + i);
		if (PG_ARGISNULL(first + i))
			opts->opt_value[i] = (Datum) 0;
		else if (opts->opt_type[i] == INT4OID)
			opts->opt_value[i] = PG_GETARG_DATUM(first + i);
		else
		{
			MemoryContext old = MemoryContextSwitchTo(mcxt);

			opts->opt_value[i] = PointerGetDatum(PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(first + i)));
			MemoryContextSwitchTo(old);
		}
	}

	if (opts->nopts == 0)
		return;
	switch (kind)
	{
		case OPTS_KS:
			opts->alternative = parse_alternative(option_text(fcinfo, first, OPT_ALTERNATIVE));
			if (opts->nopts == 2)
				opts->method = parse_ks_method(option_text(fcinfo, first + 1, OPT_METHOD));
			break;
		case OPTS_MWU:
			opts->alternative = parse_alternative(option_text(fcinfo, first, OPT_ALTERNATIVE));
			if (opts->nopts == 2)
				opts->method = parse_mwu_method(option_text(fcinfo, first + 1, OPT_METHOD));
			break;
		case OPTS_BINNED:
		case OPTS_BINS:
			if (opts->opt_type[0] == INT4OID)
				opts->bins = parse_bins(fcinfo, first);
			else
				opts->binning = parse_binning(option_text(fcinfo, first, OPT_BINNING));
			break;
		case OPTS_CATEGORICAL:
			opts->chi2_method = parse_chi2_method(option_text(fcinfo, first, OPT_METHOD));
			break;
		case OPTS_METHOD:
			opts->method = parse_mwu_method(option_text(fcinfo, first, OPT_METHOD));
			break;
		case OPTS_TTEST:
			opts->method = ttest_variant_of(option_text(fcinfo, first, OPT_VARIANT));
			break;
	}
}

void
options_check_same(const StatOptions *opts, FunctionCallInfo fcinfo, int first)
{
	int			i;

	for (i = 0; i < opts->nopts; i++)
	{
		Datum		d;
		bool		same;

		if (PG_ARGISNULL(first + i))
			same = (opts->opt_value[i] == (Datum) 0);
		else if (opts->opt_value[i] == (Datum) 0)
			same = false;
		else
		{
			d = PG_GETARG_DATUM(first + i);
			if (d == opts->opt_value[i])
				same = true;
			else if (opts->opt_type[i] == INT4OID)
				same = false;
			else
			{
				text	   *a = (text *) DatumGetPointer(opts->opt_value[i]);
				text	   *b = PG_GETARG_TEXT_PP(first + i);

				same = VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
					memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
			}
		}
		if (!same)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options of a drift statistic must be the same for every row"),
					 errhint("Pass constants for the alternative, method, bins and binning arguments.")));
	}
}

void
options_check_combinable(const StatOptions *a, const StatOptions *b)
{
	if (a->alternative != b->alternative || a->method != b->method ||
		a->bins != b->bins || a->binning != b->binning || a->chi2_method != b->chi2_method)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options of a drift statistic must be the same for every row"),
				 errhint("Pass constants for the alternative, method, bins and binning arguments.")));
}

const char *
ks_method_name(mlm_ks_method m)
{
	switch (m)
	{
		case MLM_KS_EXACT:
			return "exact";
		case MLM_KS_ASYMP:
			return "asymp";
		case MLM_KS_NONE:
			return "none";
		default:
			return "auto";
	}
}
