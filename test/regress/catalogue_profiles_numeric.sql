-- The numeric tests of the 0.3.0 catalogue against profiles: t_test,
-- mann_whitney, cramer_von_mises, anderson_darling, energy_distance,
-- hellinger and kl_div as (reference profile, current profile) functions
-- and (value, reference profile) aggregates.  Exact profiles must give
-- exactly (compared as text, every digit) the two-sample aggregates'
-- results on the same rows; sketches give the statistic with method
-- 'sketch' and no p-value.  SciPy comparisons: test/oracle/test_catalogue_profiles.py.
SET extra_float_digits = 3;

-- data sets: (set, value, is_current); ties, tiny samples, one value,
-- an empty current sample, NULL/NaN/infinity (skipped)
CREATE TEMP TABLE d (s int, v float8, c boolean);
INSERT INTO d SELECT 1, round(sin(g * 1.7) * 20)::float8 / 4, g % 3 = 0 FROM generate_series(1, 300) g;  -- many ties
INSERT INTO d SELECT 2, sin(g * 12.9898) * 1000 + (g % 2) * 30, g % 2 = 0 FROM generate_series(1, 400) g;  -- continuous
INSERT INTO d VALUES (3, 1, false), (3, 2, false), (3, 3, true), (3, 5, true), (3, 4, false);  -- tiny
INSERT INTO d VALUES (4, 7, false), (4, 7, false), (4, 7, true), (4, 7, true), (4, 7, true);  -- one value
INSERT INTO d SELECT 5, g, false FROM generate_series(1, 10) g;  -- empty current
INSERT INTO d VALUES (6, 1, false), (6, NULL, false), (6, 'NaN', true), (6, 'Infinity', false), (6, '-Infinity', true),
                     (6, 2, true), (6, 2, false), (6, 3, true), (6, 5, false), (6, 0.5, true), (6, 4, true), (6, 4, false);
INSERT INTO d SELECT 7, g % 5, g % 4 = 0 FROM generate_series(1, 40) g;  -- 5 distinct values, counts
INSERT INTO d VALUES (8, 1, false), (8, 2, true);  -- one value each
INSERT INTO d SELECT 9, (g % 7) * 0.5 + (CASE WHEN g % 2 = 0 THEN 0.25 ELSE 0 END), g % 2 = 0 FROM generate_series(1, 16) g;  -- small, exact methods

CREATE TEMP TABLE p AS
SELECT s, mlmon.profile(v) FILTER (WHERE NOT c) AS pr, mlmon.profile(v) FILTER (WHERE c) AS pc
  FROM d GROUP BY s;
-- a profile of no values (set 5's current): of one NULL
UPDATE p SET pc = (SELECT mlmon.profile(NULL::float8)) WHERE pc IS NULL;
SELECT s, mlmon.is_exact(pr) AND mlmon.is_exact(pc) AS exact FROM p ORDER BY s;

-- row form, (profile, profile) form and (value, profile) form, as text
CREATE TEMP TABLE r AS
SELECT d.s,
       mlmon.t_test(v, c)::text AS tt, mlmon.t_test(v, c, 'student')::text AS tts,
       mlmon.mann_whitney(v, c)::text AS mw,
       mlmon.mann_whitney(v, c, 'two-sided', 'asymptotic')::text AS mwa,
       mlmon.mann_whitney(v, c, 'two-sided', 'exact')::text AS mwe,
       mlmon.cramer_von_mises(v, c)::text AS cvm,
       mlmon.cramer_von_mises(v, c, 'asymptotic')::text AS cvma,
       mlmon.anderson_darling(v, c)::text AS ad,
       mlmon.energy_distance(v, c)::text AS ed, mlmon.hellinger(v, c)::text AS he, mlmon.kl_div(v, c)::text AS kl
  FROM d GROUP BY d.s;
CREATE TEMP TABLE rp AS
SELECT s,
       mlmon.t_test(pr, pc)::text AS tt, mlmon.t_test(pr, pc, 'student')::text AS tts,
       mlmon.mann_whitney(pr, pc)::text AS mw,
       mlmon.mann_whitney(pr, pc, 'asymptotic')::text AS mwa,
       mlmon.mann_whitney(pr, pc, 'exact')::text AS mwe,
       mlmon.cramer_von_mises(pr, pc)::text AS cvm,
       mlmon.cramer_von_mises(pr, pc, 'asymptotic')::text AS cvma,
       mlmon.anderson_darling(pr, pc)::text AS ad,
       mlmon.energy_distance(pr, pc)::text AS ed, mlmon.hellinger(pr, pc)::text AS he, mlmon.kl_div(pr, pc)::text AS kl
  FROM p;
CREATE TEMP TABLE rv AS
SELECT d.s,
       mlmon.t_test(v, pr)::text AS tt, mlmon.t_test(v, pr, 'student')::text AS tts,
       mlmon.mann_whitney(v, pr)::text AS mw,
       mlmon.mann_whitney(v, pr, 'asymptotic')::text AS mwa,
       mlmon.mann_whitney(v, pr, 'exact')::text AS mwe,
       mlmon.cramer_von_mises(v, pr)::text AS cvm,
       mlmon.cramer_von_mises(v, pr, 'asymptotic')::text AS cvma,
       mlmon.anderson_darling(v, pr)::text AS ad,
       mlmon.energy_distance(v, pr)::text AS ed, mlmon.hellinger(v, pr)::text AS he, mlmon.kl_div(v, pr)::text AS kl
  FROM d JOIN p USING (s) WHERE c GROUP BY d.s;

-- every column equal (set 5 has no current rows: the aggregate has none)
SELECT r.s,
       r.tt IS NOT DISTINCT FROM rp.tt AS tt, r.tts IS NOT DISTINCT FROM rp.tts AS tts,
       r.mw IS NOT DISTINCT FROM rp.mw AS mw, r.mwa IS NOT DISTINCT FROM rp.mwa AS mwa,
       r.mwe IS NOT DISTINCT FROM rp.mwe AS mwe,
       r.cvm IS NOT DISTINCT FROM rp.cvm AS cvm, r.cvma IS NOT DISTINCT FROM rp.cvma AS cvma,
       r.ad IS NOT DISTINCT FROM rp.ad AS ad, r.ed IS NOT DISTINCT FROM rp.ed AS ed,
       r.he IS NOT DISTINCT FROM rp.he AS he, r.kl IS NOT DISTINCT FROM rp.kl AS kl
  FROM r JOIN rp USING (s) ORDER BY r.s;
SELECT r.s,
       r.tt IS NOT DISTINCT FROM rv.tt AS tt, r.tts IS NOT DISTINCT FROM rv.tts AS tts,
       r.mw IS NOT DISTINCT FROM rv.mw AS mw, r.mwa IS NOT DISTINCT FROM rv.mwa AS mwa,
       r.mwe IS NOT DISTINCT FROM rv.mwe AS mwe,
       r.cvm IS NOT DISTINCT FROM rv.cvm AS cvm, r.cvma IS NOT DISTINCT FROM rv.cvma AS cvma,
       r.ad IS NOT DISTINCT FROM rv.ad AS ad, r.ed IS NOT DISTINCT FROM rv.ed AS ed,
       r.he IS NOT DISTINCT FROM rv.he AS he, r.kl IS NOT DISTINCT FROM rv.kl AS kl
  FROM r JOIN rv USING (s) ORDER BY r.s;
-- the results themselves for the small sets (the methods chosen, NULLs where undefined)
SELECT s, mw, cvm, ad FROM rp WHERE s IN (3, 4, 5, 8) ORDER BY s;

-- empty profiles on both sides: NULL
SELECT mlmon.t_test(e, e) IS NULL AS tt, mlmon.mann_whitney(e, e) IS NULL AS mw,
       mlmon.cramer_von_mises(e, e) IS NULL AS cvm, mlmon.anderson_darling(e, e) IS NULL AS ad,
       mlmon.energy_distance(e, e) IS NULL AS ed, mlmon.hellinger(e, e) IS NULL AS he, mlmon.kl_div(e, e) IS NULL AS kl
  FROM (SELECT mlmon.profile(NULL::float8) AS e) x;

-- categorical profiles: hellinger and kl_div equal the two-sample aggregates on the categories
WITH cat AS (SELECT (ARRAY['a','b','c','d'])[1 + g % 4 + (g % 7 = 0)::int * (g % 2)] AS k, g % 3 = 0 AS c
               FROM generate_series(1, 200) g)
SELECT (SELECT mlmon.hellinger(k, c) FROM cat)::text
           = mlmon.hellinger(mlmon.profile(k) FILTER (WHERE NOT c), mlmon.profile(k) FILTER (WHERE c))::text AS hellinger_cat,
       (SELECT mlmon.kl_div(k, c) FROM cat)::text
           = mlmon.kl_div(mlmon.profile(k) FILTER (WHERE NOT c), mlmon.profile(k) FILTER (WHERE c))::text AS kl_cat
  FROM cat;

-- sketches: 20000 distinct values with a cap of 100
CREATE TEMP TABLE big AS SELECT g, sin(g * 7.31) * 100 + (g % 2) * 5 AS v, g % 2 = 0 AS c FROM generate_series(1, 20000) g;
CREATE TEMP TABLE sk AS SELECT mlmon.profile(v, 100) FILTER (WHERE NOT c) AS pr, mlmon.profile(v, 100) FILTER (WHERE c) AS pc,
                               mlmon.profile(v) FILTER (WHERE c) AS pc_exact FROM big;
SELECT mlmon.is_exact(pr) AS ref_exact, mlmon.is_exact(pc_exact) AS cur_exact FROM sk;
SELECT (t).method, (t).statistic IS NOT NULL AS has_statistic, (t).pvalue IS NULL AS p_null, (t).log_pvalue IS NULL AS logp_null,
       (t).n_reference, (t).n_current
  FROM (SELECT mlmon.mann_whitney(pr, pc) AS t FROM sk UNION ALL
        SELECT mlmon.mann_whitney(pr, pc_exact, 'exact') FROM sk UNION ALL
        SELECT mlmon.cramer_von_mises(pr, pc) FROM sk UNION ALL
        SELECT mlmon.cramer_von_mises(pr, pc_exact, 'asymptotic') FROM sk UNION ALL
        SELECT mlmon.anderson_darling(pc_exact, pr) FROM sk UNION ALL
        SELECT mlmon.mann_whitney(big.v, sk.pr) FROM big, sk WHERE big.c UNION ALL
        SELECT mlmon.cramer_von_mises(big.v, sk.pr, 'exact') FROM big, sk WHERE big.c UNION ALL
        SELECT mlmon.anderson_darling(big.v, sk.pr) FROM big, sk WHERE big.c) x;
-- statistics of sketches near the exact ones; t_test from the headers' moments agrees with the rows'
SELECT abs((mlmon.mann_whitney(pr, pc)).statistic / (SELECT (mlmon.mann_whitney(v, c)).statistic FROM big) - 1) < 0.02 AS mw_close,
       abs(mlmon.energy_distance(pr, pc) - (SELECT mlmon.energy_distance(v, c) FROM big)) < 0.5 AS ed_close,
       abs((mlmon.t_test(pr, pc)).statistic - (SELECT (mlmon.t_test(v, c)).statistic FROM big)) < 1e-9 AS tt_close,
       (mlmon.t_test(pr, pc)).method AS tt_method,
       mlmon.hellinger(pr, pc) BETWEEN 0 AND 1 AS he_range, mlmon.kl_div(pr, pc) >= 0 AS kl_range
  FROM sk;

-- a forced-parallel plan of the (value, profile) aggregates gives the same results
CREATE TEMP TABLE par AS SELECT g, round(sin(g * 3.3) * 50)::float8 AS v FROM generate_series(1, 60000) g;
CREATE TEMP TABLE parref AS SELECT mlmon.profile(v + 3) AS pr FROM par WHERE g % 3 = 0;
CREATE TABLE par_data AS SELECT * FROM par;  -- temp tables are not scanned in parallel
ANALYZE par_data;
CREATE TEMP TABLE serial AS
SELECT mlmon.t_test(v, (SELECT pr FROM parref))::text AS tt, mlmon.mann_whitney(v, (SELECT pr FROM parref))::text AS mw,
       mlmon.cramer_von_mises(v, (SELECT pr FROM parref))::text AS cvm, mlmon.anderson_darling(v, (SELECT pr FROM parref))::text AS ad,
       mlmon.energy_distance(v, (SELECT pr FROM parref))::text AS ed, mlmon.hellinger(v, (SELECT pr FROM parref))::text AS he,
       mlmon.kl_div(v, (SELECT pr FROM parref))::text AS kl
  FROM par_data;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT mlmon.t_test(v, (SELECT pr FROM parref))::text AS tt, mlmon.mann_whitney(v, (SELECT pr FROM parref))::text AS mw,
       mlmon.cramer_von_mises(v, (SELECT pr FROM parref))::text AS cvm, mlmon.anderson_darling(v, (SELECT pr FROM parref))::text AS ad,
       mlmon.energy_distance(v, (SELECT pr FROM parref))::text AS ed, mlmon.hellinger(v, (SELECT pr FROM parref))::text AS he,
       mlmon.kl_div(v, (SELECT pr FROM parref))::text AS kl
  FROM par_data;
CREATE TEMP TABLE parallel_result AS
SELECT mlmon.t_test(v, (SELECT pr FROM parref))::text AS tt, mlmon.mann_whitney(v, (SELECT pr FROM parref))::text AS mw,
       mlmon.cramer_von_mises(v, (SELECT pr FROM parref))::text AS cvm, mlmon.anderson_darling(v, (SELECT pr FROM parref))::text AS ad,
       mlmon.energy_distance(v, (SELECT pr FROM parref))::text AS ed, mlmon.hellinger(v, (SELECT pr FROM parref))::text AS he,
       mlmon.kl_div(v, (SELECT pr FROM parref))::text AS kl
  FROM par_data;
SELECT s.tt = p.tt AS tt, s.mw = p.mw AS mw, s.cvm = p.cvm AS cvm, s.ad = p.ad AS ad, s.ed = p.ed AS ed,
       s.he = p.he AS he, s.kl = p.kl AS kl
  FROM serial s, parallel_result p;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE par_data;

-- errors: bad options, kinds
SELECT mlmon.t_test(pr, pc, 'paired') FROM p WHERE s = 3;
SELECT mlmon.mann_whitney(pr, pc, 'fast') FROM p WHERE s = 3;
SELECT mlmon.cramer_von_mises(v, pr, NULL) FROM d JOIN p USING (s) WHERE s = 3 AND c;
SELECT mlmon.mann_whitney(mlmon.profile('a'::text), mlmon.profile('b'::text));
SELECT mlmon.hellinger(mlmon.profile('a'::text), mlmon.profile(1::float8));
SELECT mlmon.anderson_darling(1::float8, (SELECT mlmon.profile('a'::text)));
