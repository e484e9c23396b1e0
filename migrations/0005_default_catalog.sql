-- 0005_default_catalog.sql
-- The default index catalog of DESIGN.md §2, methodology version 1. All editable through
-- PUT /v1/indices/{code}; editing a methodology field makes version 2 and keeps this one.
-- Hyperscalers run about 3x neocloud prices: they are never pooled with neoclouds and marketplaces.

with d (code, name, description, kind, families, variants, tiers, open_weights, provider_kinds, segments, term_months) as (values
  ('H100-SXM-OD', 'H100 SXM on-demand', 'USD per GPU-hour for H100 SXM on-demand at neoclouds and marketplaces: the headline H100-hour index.',
    'gpu', '["h100"]'::jsonb, '["sxm"]'::jsonb, null::jsonb, null::boolean, '["neocloud","marketplace"]'::jsonb, '{"on_demand":1}'::jsonb, null::integer),
  ('H100-SXM-OD-HYPERSCALER', 'H100 SXM on-demand, hyperscalers', 'USD per GPU-hour for H100 SXM on-demand at hyperscalers (AWS, Azure, GCP, OCI).',
    'gpu', '["h100"]', '["sxm"]', null, null, '["hyperscaler"]', '{"on_demand":1}', null),
  ('H100-SXM-SPOT', 'H100 SXM spot', 'USD per GPU-hour for H100 SXM spot and interruptible capacity at neoclouds and marketplaces.',
    'gpu', '["h100"]', '["sxm"]', null, null, '["neocloud","marketplace"]', '{"spot":1}', null),
  ('H100-SXM-R12', 'H100 SXM reserved 12 months', 'USD per GPU-hour for H100 SXM on 12-month reservations at neoclouds and marketplaces.',
    'gpu', '["h100"]', '["sxm"]', null, null, '["neocloud","marketplace"]', '{"reserved":1}', 12),
  ('H100-PCIE-OD', 'H100 PCIe on-demand', 'USD per GPU-hour for H100 PCIe on-demand at neoclouds and marketplaces.',
    'gpu', '["h100"]', '["pcie"]', null, null, '["neocloud","marketplace"]', '{"on_demand":1}', null),
  ('H200-SXM-OD', 'H200 SXM on-demand', 'USD per GPU-hour for H200 SXM on-demand at neoclouds and marketplaces.',
    'gpu', '["h200"]', '["sxm"]', null, null, '["neocloud","marketplace"]', '{"on_demand":1}', null),
  ('A100-SXM-OD', 'A100 SXM on-demand', 'USD per GPU-hour for A100 SXM on-demand at neoclouds and marketplaces.',
    'gpu', '["a100"]', '["sxm"]', null, null, '["neocloud","marketplace"]', '{"on_demand":1}', null),
  ('B200-SXM-OD', 'B200 SXM on-demand', 'USD per GPU-hour for B200 SXM on-demand at neoclouds and marketplaces.',
    'gpu', '["b200"]', '["sxm"]', null, null, '["neocloud","marketplace"]', '{"on_demand":1}', null),
  ('TOK-FRONTIER-BLEND', 'Frontier models, blended 3:1', 'USD per 1M tokens for frontier models at the standard tier, input and output blended 3:1: the headline token index.',
    'model', null, null, '["frontier"]', null, null, '{"input":3,"output":1}', null),
  ('TOK-FRONTIER-IN', 'Frontier models, input', 'USD per 1M input tokens for frontier models at the standard tier.',
    'model', null, null, '["frontier"]', null, null, '{"input":1}', null),
  ('TOK-FRONTIER-OUT', 'Frontier models, output', 'USD per 1M output tokens for frontier models at the standard tier.',
    'model', null, null, '["frontier"]', null, null, '{"output":1}', null),
  ('TOK-OPEN-BLEND', 'Open-weights models at inference hosts, blended 3:1', 'USD per 1M tokens for open-weights models served by inference hosts, input and output blended 3:1.',
    'model', null, null, null, true, '["inference_host"]', '{"input":3,"output":1}', null),
  ('TOK-SMALL-BLEND', 'Small models, blended 3:1', 'USD per 1M tokens for small-tier models at the standard tier, input and output blended 3:1.',
    'model', null, null, '["small"]', null, null, '{"input":3,"output":1}', null)
), full_def as (
  select code, name, description, kind,
    jsonb_build_object('families', families, 'variants', variants, 'tiers', tiers, 'open_weights', open_weights,
      'products', null, 'provider_kinds', provider_kinds, 'regions', null, 'service_tier', 'standard') as filter,
    segments, term_months,
    '{"statistic":"median","trim":0.1,"min_providers":3,"min_quotes":5,"windows":[1,3,7],"outlier_k":3.5,"base_date":null}'::jsonb as methodology
  from d
), ins as (
  insert into index_definitions (code, name, description, kind, filter, segments, term_months, methodology)
  select code, name, description, kind, filter, segments, term_months, methodology from full_def
  returning code
)
insert into index_definition_versions (code, methodology_version, filter, segments, term_months, methodology)
select f.code, 1, f.filter, f.segments, f.term_months, f.methodology from full_def f join ins using (code);
