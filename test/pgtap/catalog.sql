-- The extension's catalog: the public API exists, every object is
-- documented with COMMENT ON, and markings are honest.
SET client_min_messages = warning;
BEGIN;
SELECT plan(18);

SELECT has_schema('mlmon');
SELECT functions_are('mlmon', ARRAY[
  'ks_2samp', 'wasserstein', 'wasserstein_normed', 'psi', 'jensen_shannon', 'chi2_drift', 'z_test',
  't_test', 'mann_whitney', '_t_test_accum', '_t_test_combine', '_mann_whitney_accum', '_t_test_final', '_mann_whitney_final',
  '_sample_accum', '_ks_accum', '_sample_combine', 'sample_state_in', 'sample_state_out', 'sample_state_recv', 'sample_state_send',
  '_ks_final', '_wasserstein_final', '_wasserstein_normed_final', '_psi_numeric_final', '_js_numeric_final',
  '_category_accum', '_category_combine', 'category_state_in', 'category_state_out', 'category_state_recv', 'category_state_send',
  '_chi2_final', '_psi_categorical_final', '_js_categorical_final', '_z_test_final',
  'profile', 'merge', 'profile_in', 'profile_out', 'profile_recv', 'profile_send',
  '_profile_accum', '_profile_combine', '_profile_final',
  'count', 'is_exact', 'error_bound', 'quantile', 'cdf', 'histogram', 'top_values', 'summary',
  '_profile_sample_accum', '_profile_category_accum', '_profile_category_inv',
  '_ksgrid_maccum', '_ksgrid_inv', '_ksgrid_final', '_bins_accum', '_bins_inv', '_bins_psi_final', '_bins_js_final',
  '_profile_counts_ks_accum', '_profile_counts_bins_accum', '_profile_counts_combine', '_profile_counts_ks_final',
  '_profile_counts_psi_final', '_profile_counts_js_final', 'profile_counts_state_in', 'profile_counts_state_out',
  'profile_counts_state_recv', 'profile_counts_state_send',
  'classification_metrics', '_classification_accum', '_classification_combine', '_classification_final',
  'classification_state_in', 'classification_state_out', 'classification_state_recv', 'classification_state_send',
  'regression_metrics', '_regression_accum', '_regression_combine', 'regression_state_in', 'regression_state_out',
  'regression_state_recv', 'regression_state_send', '_regression_final',
  'page_hinkley', 'ddm', 'eddm', 'adwin', 'kswin', '_page_hinkley_accum', '_ddm_accum', '_eddm_accum', '_adwin_accum',
  '_kswin_accum', '_detector_final',
  'isotonic_calibration', '_isotonic_final', 'calibrate', '_set_calibration', 'anomaly_score', 'anomalous_rows',
  '_concept_results', '_cbpe_results',
  'check_summary_in', 'check_summary_out', 'check_summary_recv', 'check_summary_send', 'check_summary_json',
  '_summary_combine', '_summary_final', '_summarize_rows', '_summarize_rows_accum', '_summarize_labels',
  '_summarize_labels_accum', '_summary_totals', '_summary_unexpected', '_summary_profile', '_summary_quality',
  '_summary_ks', '_summary_binned', '_summary_cbpe', '_summary_classification', '_summary_regression',
  '_summary_detector', '_summary_stream_locate',
  'register_model', 'register_source', '_source_trigger', 'record_label', '_store_label', '_find_prediction',
  'maintain_partitions', 'apply_retention', 'set_reference', '_set_reference',
  'run_checks', 'report', 'acknowledge_alert', 'effective_alert_rules', 'grant_reader', 'grant_writer', 'grant_feature_reader',
  '_model_task', '_source', '_jsonb_numbers', '_jsonb_categories', '_jsonb_has_other_keys', '_fence', '_drift_test',
  '_feature_names', '_adjust_pvalues',
  'energy_distance', 'hellinger', 'kl_div', '_energy_distance_final', '_hellinger_numeric_final', '_kl_numeric_final', '_hellinger_categorical_final', '_kl_categorical_final',
  'cramer_von_mises', 'anderson_darling', '_cvm_accum', '_cvm_final', '_anderson_darling_final',
  '_drift_ks', '_drift_wasserstein', '_drift_psi', '_drift_jensen_shannon', '_drift_chi2', '_drift_z_test',
  '_drift_of', '_drift_g_test', '_drift_fisher_exact', '_drift_tvd', '_drift_epps_singleton', '_drift_mmd',
  '_drift_t_test', '_drift_mann_whitney', '_drift_cramer_von_mises', '_drift_anderson_darling', '_drift_energy_distance', '_drift_hellinger', '_drift_kl_div',
  'g_test', 'fisher_exact', 'tvd', '_g_test_final', '_fisher_exact_final', '_tvd_final', '_tvd_permutations_final', '_tvd_accum',
  'mmd', '_mmd_final',
  '_check_plan', '_summary_changed', '_bucket_widths_changed', '_track_changes', '_summaries_truncated', 'forget_summaries', 'set_bucket_width', '_summary_horizon', '_sync_labels',
  '_log_tracked', 'distribute_log',
  '_match_labels', '_read_parts', '_apply_invalidations', '_window_summary', 'summarize', '_column_drift',
  '_drift_results', '_quality_results', '_output_results', '_volume_results', '_performance_results',
  '_summary_performance', '_labeled_rows', '_check_results',
  '_raise_alert', '_resolve_alerts', '_apply_alert_rules',
  'monitor_multivariate', '_set_multivariate', '_multivariate_results', '_multivariate_vector', '_multivariate_rows',
  'monitor_embeddings', '_set_embedding_reference', '_embedding_results', '_embedding_distance_state', '_embedding_distance_merge',
  '_embedding_defaults', '_embedding_sample_canonical', '_embedding_mmd_state', '_embedding_mmd_merge', '_embedding_model_state', '_embedding_model_merge',
  '_embedding_row_key', 'expect', 'drop_expectation', '_expectation_sql', '_expectation_outcome', '_evaluate_expectations',
  '_first_values', '_first_values_accum', '_first_values_combine',
  'segment_by', 'drop_segments', '_other_segment', '_segment_sql', '_segment_rows_sql', '_segment_parts', '_is_of_type', '_forget_segments',
  '_set_segment_references', '_segment_plan', '_segment_results',
  'schedule_checks', 'unschedule_checks', 'schedule_retention', 'unschedule_retention', '_require_pg_cron',
  '_job_name', '_schedule', '_unschedule', 'latency_buckets', 'prometheus_metrics', '_prom_escape',
  'epps_singleton', '_epps_singleton_final',
  '_profile_method_accum', '_profile_variant_accum', '_t_test_profile_final',
  'pca_fit', '_pca_fit_accum', '_pca_fit_combine', '_pca_fit_final', 'reconstruction_error',
  'reconstruction_drift', '_reconstruction_accum', '_reconstruction_combine', '_reconstruction_final',
  'embedding_distance', '_embedding_distance_accum', '_embedding_distance_combine', '_embedding_distance_final',
  'embedding_ratio', '_embedding_ratio_accum', '_embedding_ratio_combine', 'embedding_ratio_state_in', 'embedding_ratio_state_out',
  'embedding_ratio_state_recv', 'embedding_ratio_state_send',
  '_embedding_ratio_final', '_embedding_sample_combine', '_embedding_sample_merge', 'embedding_mmd', '_embedding_mmd_accum', '_embedding_mmd_final',
  'embedding_model', '_embedding_model_accum', '_embedding_model_final']);
SELECT types_are('mlmon', ARRAY['ks_result', 'chi2_result', 'z_result', 'profile', 'profile_summary',
  'classification_result', 'regression_result', 'detector_result', 'calibration', 'anomaly_result', '_source_sql',
  'check_summary', '_summary_plan', '_drift_value', '_check_plan', 'category_state', 'regression_state', 'profile_counts_state', 'sample_state',
  'test_result', 'classification_state', 'reconstruction_result', 'embedding_drift_result', 'embedding_ratio_state',
  '_expectation_outcome', '_segment_result']);

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'every function and aggregate has a comment')
  FROM pg_proc p WHERE p.pronamespace = 'mlmon'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT is(array_agg(t.typname::text ORDER BY 1), NULL, 'every type has a comment')
  FROM pg_type t WHERE t.typnamespace = 'mlmon'::regnamespace AND t.typname NOT LIKE '\_%'
   AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
   AND obj_description(t.oid, 'pg_type') IS NULL;
SELECT isnt(obj_description('mlmon'::regnamespace, 'pg_namespace'), NULL, 'the schema has a comment');

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'every C function and aggregate is PARALLEL SAFE (but the trigger, its pause and the cache invalidation)')
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'mlmon'::regnamespace AND p.proparallel <> 's' AND (l.lanname = 'c' OR p.prokind = 'a')
   AND p.oid NOT IN ('mlmon._summary_changed()'::regprocedure, 'mlmon._bucket_widths_changed()'::regprocedure,
                     'mlmon._track_changes(boolean)'::regprocedure);
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'the trigger, the cache invalidation and the trigger''s pause are VOLATILE and PARALLEL UNSAFE')
  FROM pg_proc p
 WHERE p.oid IN ('mlmon._summary_changed()'::regprocedure, 'mlmon._bucket_widths_changed()'::regprocedure,
                 'mlmon._track_changes(boolean)'::regprocedure)
   AND (p.provolatile <> 'v' OR p.proparallel <> 'u');
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'every SQL and PL/pgSQL function pins its search_path')
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'mlmon'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
   AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false);
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'functions that write are VOLATILE and PARALLEL UNSAFE')
  FROM pg_proc p WHERE p.pronamespace = 'mlmon'::regnamespace
   AND p.proname IN ('register_model', 'register_source', 'record_label', '_store_label', 'maintain_partitions',
                     'schedule_checks', 'unschedule_checks', 'schedule_retention', 'unschedule_retention',
                     '_schedule', '_unschedule', 'apply_retention',
                     'set_reference', '_set_reference', 'run_checks', 'acknowledge_alert', 'grant_reader', 'grant_writer', 'grant_feature_reader',
                     '_raise_alert', '_resolve_alerts', '_set_calibration', 'set_bucket_width', '_sync_labels',
                     '_match_labels', '_apply_invalidations', '_window_summary', 'summarize', '_summary_changed',
                     '_bucket_widths_changed', '_track_changes', '_summaries_truncated', 'forget_summaries',
                     'monitor_multivariate', '_set_multivariate', 'monitor_embeddings', '_set_embedding_reference',
                     'distribute_log')
   AND (p.provolatile <> 'v' OR p.proparallel <> 'u');
SELECT tables_are('mlmon', ARRAY['models', 'drift_settings', 'predictions', 'predictions_default', 'labels', 'sources',
  'reference_profiles', 'reference_windows', 'checks', 'check_results', 'alert_rules', 'alerts', 'playbook', 'calibrations',
  'drift_tests', 'summaries', 'summary_invalidations', 'multivariate_settings', 'multivariate_references',
  'embedding_settings', 'embedding_references', 'expectations', 'expectation_results', 'segments', 'segment_references', 'segment_profiles', 'segment_summaries']);
SELECT views_are('mlmon', ARRAY['performance_history', 'feature_drift', 'monitoring_report', 'recommendations',
  'alerts_view', 'results_view', 'metrics', 'anomalies', 'latest_results', 'expectation_results_view', 'segment_results']);
SELECT is(array_agg(c.oid::regclass::text ORDER BY 1), NULL, 'every table and view has a comment')
  FROM pg_class c WHERE c.relnamespace = 'mlmon'::regnamespace AND c.relkind IN ('r', 'p', 'v')
   AND c.relname !~ '^predictions_p[0-9]{8}$' AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT is(array_agg(c.relname::text ORDER BY 1), NULL, 'PUBLIC has no privilege on any table or view')
  FROM pg_class c WHERE c.relnamespace = 'mlmon'::regnamespace AND c.relkind IN ('r', 'p', 'v')
   AND has_table_privilege('public', c.oid, 'SELECT, INSERT, UPDATE, DELETE');
SELECT is(array_agg(a.aggfnoid::regprocedure::text ORDER BY 1), NULL,
          'every aggregate has a combine function, and serialize/deserialize for internal state')
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'mlmon'::regnamespace
   -- the streaming detectors depend on the order of every row and refuse to run
   -- without ORDER BY (test/regress/detectors.sql): no combine function exists
   AND p.proname NOT IN ('page_hinkley', 'ddm', 'eddm', 'adwin', 'kswin')
   AND (a.aggcombinefn = 0 OR (a.aggtranstype = 'internal'::regtype AND (a.aggserialfn = 0 OR a.aggdeserialfn = 0)));
SELECT is(array_agg(a.aggfnoid::regprocedure::text ORDER BY 1), NULL,
          'final functions leave the state readable (FINALFUNC_MODIFY = READ_ONLY)')
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'mlmon'::regnamespace AND a.aggfinalmodify <> 'r';
-- record_label: the writer role adds labels through it; the triggers record
-- what a writer's rows change in tables the writer may not touch; the
-- horizon reads every session's transaction in pg_stat_activity
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text COLLATE "C"),
          ARRAY['mlmon._summaries_truncated()', 'mlmon._summary_changed()', 'mlmon._summary_horizon()',
                'mlmon.record_label(text,text,double precision)',
                'mlmon.record_label(text,text,double precision,timestamp with time zone)',
                'mlmon.record_label(text,text,text)', 'mlmon.record_label(text,text,text,timestamp with time zone)'],
          'only record_label, the summaries'' triggers and horizon are SECURITY DEFINER')
  FROM pg_proc p WHERE p.pronamespace = 'mlmon'::regnamespace AND p.prosecdef;
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL, 'C functions load $libdir/mlmon')
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'mlmon'::regnamespace AND l.lanname = 'c' AND p.probin <> '$libdir/mlmon';

SELECT * FROM finish();
ROLLBACK;
