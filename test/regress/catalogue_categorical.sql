-- The categorical tests of the drift-test catalogue: g_test, fisher_exact, tvd.
-- Reference values from SciPy 1.10 (scipy.stats.power_divergence,
-- scipy.stats.fisher_exact), compared as booleans; errors and the documented
-- edge results as they are.  The SciPy comparison at large is
-- test/oracle/test_catalogue_categorical.py.
SET extra_float_digits = 0;

CREATE FUNCTION catalogue_cat_sample(ref_counts int[], cur_counts int[], OUT category text, OUT is_current boolean)
RETURNS SETOF record LANGUAGE sql AS $$
  SELECT 'c' || i, false FROM generate_subscripts(ref_counts, 1) i, generate_series(1, ref_counts[i])
  UNION ALL
  SELECT 'c' || i, true FROM generate_subscripts(cur_counts, 1) i, generate_series(1, cur_counts[i])
$$;

-- g_test: power_divergence([40,35,25], [50,30,20], 'log-likelihood'): 4.096241048481797, p 0.12897708523442408
SELECT (r).n_reference, (r).n_current, (r).method,
       abs((r).statistic - 4.096241048481797) <= 1e-12 * 4.096241048481797 AS statistic_ok,
       abs((r).pvalue - 0.12897708523442408) <= 1e-9 * 0.12897708523442408 AS pvalue_ok,
       abs((r).log_pvalue - ln(0.12897708523442408)) <= 1e-9 * abs(ln(0.12897708523442408)) AS log_pvalue_ok
  FROM (SELECT mlmon.g_test(category, is_current) AS r FROM catalogue_cat_sample('{50,30,20}', '{40,35,25}')) s;

-- a category the reference lacks: G = Infinity, p = 0, log_pvalue = -Infinity
SELECT (mlmon.g_test(category, is_current)).* FROM catalogue_cat_sample('{50,50,0}', '{45,50,5}');
-- a category the current sample lacks contributes 0 (finite G)
SELECT (r).statistic > 0 AND (r).statistic < 'Infinity' AS finite FROM (SELECT mlmon.g_test(category, is_current) AS r
  FROM catalogue_cat_sample('{50,50,5}', '{45,50,0}')) s;
-- one category: G = 0, p = 1 (SciPy: p NaN, zero degrees of freedom)
SELECT (mlmon.g_test(category, is_current)).* FROM catalogue_cat_sample('{4}', '{9}');
-- separated samples: p underflows to 0, log_pvalue stays finite
SELECT (r).pvalue, (r).log_pvalue < -700 AS log_finite, (r).log_pvalue > '-Infinity' AS not_infinite
  FROM (SELECT mlmon.g_test(category, is_current) AS r FROM catalogue_cat_sample('{3000,10}', '{10,3000}')) s;
-- no rows: NULL; an empty sample: the sizes, NULL statistic and p-value
SELECT mlmon.g_test(category, is_current) IS NULL AS null_without_rows FROM catalogue_cat_sample('{}', '{}');
SELECT (mlmon.g_test(category, is_current)).* FROM catalogue_cat_sample('{5,3}', '{}');
-- NULL categories and NULL is_current are skipped
SELECT (mlmon.g_test(c, x)).n_reference, (mlmon.g_test(c, x)).n_current
  FROM (VALUES ('a', false), (NULL, false), ('b', NULL), ('a', true), ('b', true)) v(c, x);

-- fisher_exact: rows (current, reference), columns c1 < c2: [[8,2],[1,5]]: odds ratio 20, p 0.034965034965034975
SELECT (r).statistic, (r).method,
       abs((r).pvalue - 0.034965034965034975) <= 1e-9 * 0.034965034965034975 AS pvalue_ok,
       abs((r).log_pvalue - ln(0.034965034965034975)) <= 1e-9 * abs(ln(0.034965034965034975)) AS log_pvalue_ok
  FROM (SELECT mlmon.fisher_exact(category, is_current) AS r FROM catalogue_cat_sample('{1,5}', '{8,2}')) s;
-- a symmetric table, whose mirror image is exactly as likely: [[5,3],[3,5]]: p 0.6192696192696193
SELECT abs((r).pvalue - 0.6192696192696193) <= 1e-9 * 0.6192696192696193 AS pvalue_ok
  FROM (SELECT mlmon.fisher_exact(category, is_current) AS r FROM catalogue_cat_sample('{3,5}', '{5,3}')) s;
-- the most likely table: p = 1 exactly (SciPy's shortcut)
SELECT (mlmon.fisher_exact(category, is_current)).* FROM catalogue_cat_sample('{6,4}', '{6,4}');
-- a zero cell: odds ratio Infinity
SELECT (r).statistic FROM (SELECT mlmon.fisher_exact(category, is_current) AS r FROM catalogue_cat_sample('{0,8}', '{5,3}')) s;
-- unequal sample sizes are fine (Evidently refuses them)
SELECT (r).n_reference, (r).n_current, (r).pvalue < 1 AS has_p
  FROM (SELECT mlmon.fisher_exact(category, is_current) AS r FROM catalogue_cat_sample('{1,40}', '{9,2}')) s;
-- one category: NULL odds ratio (SciPy: NaN), p = 1
SELECT (mlmon.fisher_exact(category, is_current)).* FROM catalogue_cat_sample('{4}', '{9}');
-- more than two categories: an error
SELECT mlmon.fisher_exact(category, is_current) FROM catalogue_cat_sample('{1,2,3}', '{3,2,1}');
-- columns in byte order of the text form: bigint 10 comes before 9
SELECT (mlmon.fisher_exact(c, x)).statistic
  FROM (VALUES (10::bigint, true), (10, true), (9, true), (10, false), (9, false), (9, false), (9, false)) v(c, x);
-- boolean: f before t
SELECT (mlmon.fisher_exact(c, x)).statistic
  FROM (VALUES (false, true), (false, true), (true, true), (false, false), (true, false), (true, false), (true, false)) v(c, x);

-- tvd: statistic 1/6, and a p-value that is the same on every call (seed 0): 0.16 with 1000
-- relabellings, 0.26 with 50, as the oracle's own SplitMix64 and sampler give them
SELECT (r).statistic, (r).pvalue, (r).method, (r).log_pvalue = ln((r).pvalue) AS log_ok
  FROM (SELECT mlmon.tvd(category, is_current) AS r FROM catalogue_cat_sample('{30,20,10}', '{20,25,15}')) s;
SELECT (mlmon.tvd(category, is_current)).pvalue = (mlmon.tvd(category, is_current, 1000)).pvalue AS same
  FROM catalogue_cat_sample('{30,20,10}', '{20,25,15}');
SELECT (mlmon.tvd(category, is_current, 50)).* FROM catalogue_cat_sample('{30,20,10}', '{20,25,15}');
-- no relabelling reaches the observed distance: p = 0, log_pvalue = -Infinity
SELECT (mlmon.tvd(category, is_current)).* FROM catalogue_cat_sample('{200,0}', '{0,150}');
-- one category: TVD 0, p = 1
SELECT (mlmon.tvd(category, is_current)).* FROM catalogue_cat_sample('{4}', '{9}');
SELECT (mlmon.tvd(category, is_current)).* FROM catalogue_cat_sample('{5,3}', '{}');
-- permutations: 1 to 1000000, not NULL, the same for every row
SELECT mlmon.tvd(category, is_current, 0) FROM catalogue_cat_sample('{5,3}', '{2,2}');
SELECT mlmon.tvd(category, is_current, 1000001) FROM catalogue_cat_sample('{5,3}', '{2,2}');
SELECT mlmon.tvd(category, is_current, NULL) FROM catalogue_cat_sample('{5,3}', '{2,2}');
SELECT mlmon.tvd(category, is_current, CASE WHEN is_current THEN 100 ELSE 200 END) FROM catalogue_cat_sample('{5,3}', '{2,2}');
-- an expression of the row that gives the same number on every row is that number
SELECT mlmon.tvd(category, is_current, length(category) * 100) = mlmon.tvd(category, is_current, 200) AS same
  FROM catalogue_cat_sample('{5,3}', '{2,2}');
-- no rows: NULL, whatever the permutations
SELECT mlmon.tvd(category, is_current, NULL) IS NULL AS null_without_rows FROM catalogue_cat_sample('{}', '{}');
-- a parameter of a generic plan
SET plan_cache_mode = force_generic_plan;
SET extra_float_digits = 0;
PREPARE tvd_perm(int) AS SELECT (mlmon.tvd(category, is_current, $1)).pvalue FROM catalogue_cat_sample('{30,20,10}', '{20,25,15}');
EXECUTE tvd_perm(50);
EXECUTE tvd_perm(-1);
DEALLOCATE tvd_perm;
RESET plan_cache_mode;
-- as a window function: p 0.465 for 1000 permutations (from the oracle's implementation),
-- with the number given or by default; 10 permutations as the plain aggregate gives them
SELECT DISTINCT (mlmon.tvd(category, is_current) OVER ()).pvalue FROM catalogue_cat_sample('{3,1}', '{1,3}');
SELECT DISTINCT (mlmon.tvd(category, is_current, 1000) OVER ()).pvalue FROM catalogue_cat_sample('{3,1}', '{1,3}');
SELECT DISTINCT (mlmon.tvd(category, is_current, 10) OVER ()).pvalue =
       (SELECT (mlmon.tvd(category, is_current, 10)).pvalue FROM catalogue_cat_sample('{3,1}', '{1,3}')) AS same_as_aggregate
  FROM catalogue_cat_sample('{3,1}', '{1,3}');
-- a running window: the number stays the same on every row
SELECT count(DISTINCT (r).n_reference + (r).n_current) AS frames
  FROM (SELECT mlmon.tvd(category, is_current, 20) OVER (ORDER BY category, is_current ROWS UNBOUNDED PRECEDING) AS r
          FROM catalogue_cat_sample('{3,1}', '{1,3}')) s;
-- only NULL categories: NULL, as without rows
SELECT mlmon.g_test(NULL::text, x) IS NULL AS g, mlmon.fisher_exact(NULL::text, x) IS NULL AS f,
       mlmon.tvd(NULL::text, x) IS NULL AS t FROM (VALUES (true), (false)) v(x);
-- the final function outside its aggregate
SELECT mlmon._tvd_permutations_final(NULL) IS NULL AS null_state;
-- a state of another aggregate holds no number of permutations
SELECT mlmon._tvd_permutations_final('AQAAAAAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAAAAAAAAWEAAAAAAAAAAQAAAAAAAAAB'::mlmon.category_state);
-- tvd's state (version 2: 1000 permutations after the header; one category, TVD 0, p 1)
SELECT (r).statistic, (r).pvalue, (r).method
  FROM (SELECT mlmon._tvd_permutations_final('AgAAAAAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAAAAAAD6AAAAAFhAAAAAAAAAAEAAAAAAAAAAQ=='::mlmon.category_state) AS r) s;
SELECT 'AgAAAAAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAAAAAAD6AAAAAFhAAAAAAAAAAEAAAAAAAAAAQ=='::mlmon.category_state::text
     = 'AgAAAAAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAAAAAAD6AAAAAFhAAAAAAAAAAEAAAAAAAAAAQ==' AS round_trip;
-- version 2 with 0 permutations is not a form
SELECT 'AgAAAAAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAFhAAAAAAAAAAEAAAAAAAAAAQ=='::mlmon.category_state;
-- the other final functions on a state value (one category 'a', once in each sample)
SELECT (mlmon._g_test_final(s)).pvalue AS g, (mlmon._fisher_exact_final(s)).pvalue AS f, (mlmon._tvd_final(s)).pvalue AS t
  FROM (VALUES ('AQAAAAAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAAAAAAAAWEAAAAAAAAAAQAAAAAAAAAB'::mlmon.category_state)) v(s);
-- a parallel plan: partial states combined, the permutations read from the partial aggregate
CREATE TABLE catalogue_cat_big AS SELECT 'k' || (i % 5) AS category, i % 7 < 3 AS is_current FROM generate_series(1, 20000) i;
ANALYZE catalogue_cat_big;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT mlmon.tvd(category, is_current, 20) FROM catalogue_cat_big;
SELECT (mlmon.tvd(category, is_current, 20)).pvalue AS parallel_p INTO TEMP par FROM catalogue_cat_big;
SET max_parallel_workers_per_gather = 0;
SELECT (SELECT parallel_p FROM par) = (mlmon.tvd(category, is_current, 20)).pvalue AS same_as_serial FROM catalogue_cat_big;
RESET ALL;
DROP TABLE catalogue_cat_big;
DROP FUNCTION catalogue_cat_sample(int[], int[]);
