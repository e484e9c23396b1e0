-- 0070_token_indices_mid_in_out.sql
-- The mid tier's input and output indices beside TOK-MID-BLEND (0068), as TOK-FRONTIER-IN / -OUT are
-- beside TOK-FRONTIER-BLEND (issue #17; docs/methodology.md, "The token indices move to v2"): methodology
-- v2 from their first day, the token defaults (3 providers, 3 models, 5 quotes), one segment each.
with d (code, name, description, segments) as (values
  ('TOK-MID-IN', 'Mid-tier models, input', 'USD per 1M input tokens for mid-tier models at the standard tier.',
    '{"input":1}'::jsonb),
  ('TOK-MID-OUT', 'Mid-tier models, output', 'USD per 1M output tokens for mid-tier models at the standard tier.',
    '{"output":1}'::jsonb)
), full_def as (
  select code, name, description, segments,
    jsonb_build_object('families', null, 'variants', null, 'tiers', '["mid"]'::jsonb,
      'open_weights', null, 'products', null, 'provider_kinds', null, 'regions', null, 'service_tier', 'standard') as filter,
    '{"statistic":"trimmed_mean","trim":0.1,"windows":[1,3,7],"outlier_k":3.5,"base_date":null,"version":2,"aggregate":"model_then_market","max_posted_age_days":45,"min_providers":3,"min_quotes":5,"min_models":3}'::jsonb
      as methodology
  from d
), ins as (
  insert into index_definitions (code, name, description, kind, filter, segments, term_months, methodology)
  select code, name, description, 'model', filter, segments, null, methodology from full_def
  on conflict (code) do nothing
  returning code
)
insert into index_definition_versions (code, methodology_version, filter, segments, term_months, methodology)
select f.code, 1, f.filter, f.segments, null, f.methodology from full_def f join ins using (code);
