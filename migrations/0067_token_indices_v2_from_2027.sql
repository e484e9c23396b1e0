-- 0067_token_indices_v2_from_2027.sql
-- Methodology v2 becomes the default of the token indices from 2027-01-01 (issue #17; docs/methodology.md,
-- "Effective dates" and "The token indices move to v2").
--
-- A definition version may carry an effective_from day: it is in force from that day on, and the days
-- before keep the version before it (cpx_definitions_in_force; cpx_publish_fixings splits a range at the
-- date). null, as every version so far and every PUT, is in force on every day, as a change always was.
alter table index_definition_versions add column effective_from date;
comment on column index_definition_versions.effective_from is
  'first day this version is in force; null: every day. Days before keep the newest older version in force.';

-- The new version of each default TOK-* definition, on top of whatever version it has now: v2 with the
-- two-stage aggregation, posted prices in force for 45 days, depth by contributor (v2.6, inherent), at
-- least 3 models and a trimmed mean (trim 0.1) over the model values. The open-weights index also reads
-- the labs that sell their own open model (provider kind model_lab). 2027-01-01 is the first day no
-- fixing has been published for when this is written (2026-12): no published v1 fixing is restated.
with v2 as (
  update index_definitions d set
    methodology = d.methodology || '{"version":2,"statistic":"trimmed_mean","trim":0.1,"aggregate":"model_then_market","max_posted_age_days":45,"min_models":3}'::jsonb,
    filter = case when d.code = 'TOK-OPEN-BLEND'
      then d.filter || '{"provider_kinds":["inference_host","model_lab"]}'::jsonb else d.filter end,
    description = case when d.code = 'TOK-OPEN-BLEND'
      then 'USD per 1M tokens for open-weights models served by inference hosts (from 2027-01-01 also by the labs that make them), input and output blended 3:1.'
      else d.description end,
    methodology_version = d.methodology_version + 1,
    updated_at = now()
  where d.code in ('TOK-FRONTIER-BLEND', 'TOK-FRONTIER-IN', 'TOK-FRONTIER-OUT', 'TOK-OPEN-BLEND', 'TOK-SMALL-BLEND')
    and coalesce(d.methodology->>'version', '1') = '1'
  returning d.code, d.methodology_version, d.filter, d.segments, d.term_months, d.methodology
)
insert into index_definition_versions (code, methodology_version, filter, segments, term_months, methodology, effective_from)
select code, methodology_version, filter, segments, term_months, methodology, date '2027-01-01' from v2;
