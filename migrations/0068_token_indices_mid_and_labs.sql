-- 0068_token_indices_mid_and_labs.sql
-- New default token indices, methodology v2 from their first day (issue #17; docs/methodology.md, "The
-- token indices move to v2"): the mid tier blended, and the frontier models of each of the three labs
-- with the most frontier products (filter "labs": the lab part of the product code, v2 only).
-- A lab has two to four frontier models at a time: one model suffices (min_models 1) and the lab plus
-- one reseller (cloud or router) make a value (min_providers 2, min_quotes 2); the mid tier keeps the
-- token defaults (3 providers, 3 models, 5 quotes).
with d (code, name, description, labs, tiers, methodology) as (values
  ('TOK-MID-BLEND', 'Mid-tier models, blended 3:1', 'USD per 1M tokens for mid-tier models at the standard tier, input and output blended 3:1.',
    null::jsonb, '["mid"]'::jsonb, '{"min_providers":3,"min_quotes":5,"min_models":3}'::jsonb),
  ('TOK-FRONTIER-OPENAI-BLEND', 'OpenAI frontier models, blended 3:1', 'USD per 1M tokens for OpenAI''s frontier models at the standard tier, at OpenAI and its resellers, input and output blended 3:1.',
    '["openai"]', '["frontier"]', '{"min_providers":2,"min_quotes":2,"min_models":1}'),
  ('TOK-FRONTIER-ANTHROPIC-BLEND', 'Anthropic frontier models, blended 3:1', 'USD per 1M tokens for Anthropic''s frontier models at the standard tier, at Anthropic and its resellers, input and output blended 3:1.',
    '["anthropic"]', '["frontier"]', '{"min_providers":2,"min_quotes":2,"min_models":1}'),
  ('TOK-FRONTIER-GOOGLE-BLEND', 'Google frontier models, blended 3:1', 'USD per 1M tokens for Google''s frontier models at the standard tier, at Google and its resellers, input and output blended 3:1.',
    '["google"]', '["frontier"]', '{"min_providers":2,"min_quotes":2,"min_models":1}')
), full_def as (
  select code, name, description,
    jsonb_strip_nulls(jsonb_build_object('labs', labs)) || jsonb_build_object('families', null, 'variants', null, 'tiers', tiers,
      'open_weights', null, 'products', null, 'provider_kinds', null, 'regions', null, 'service_tier', 'standard') as filter,
    '{"input":3,"output":1}'::jsonb as segments,
    '{"statistic":"trimmed_mean","trim":0.1,"windows":[1,3,7],"outlier_k":3.5,"base_date":null,"version":2,"aggregate":"model_then_market","max_posted_age_days":45}'::jsonb
      || methodology as methodology
  from d
), ins as (
  insert into index_definitions (code, name, description, kind, filter, segments, term_months, methodology)
  select code, name, description, 'model', filter, segments, null, methodology from full_def
  on conflict (code) do nothing
  returning code
)
insert into index_definition_versions (code, methodology_version, filter, segments, term_months, methodology)
select f.code, 1, f.filter, f.segments, null, f.methodology from full_def f join ins using (code);
