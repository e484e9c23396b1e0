-- 0060_h100_term_indices.sql
-- The H100 SXM term curve (docs/methodology.md, "Term curves"): one reserved index per standard term,
-- 1, 3, 6, 24 and 36 months beside the baseline's H100-SXM-R12. Same filter, segments and methodology v1
-- as H100-SXM-R12; only term_months differs. A reserved quote counts only at its exact term.
with d (code, name, description, term_months) as (values
  ('H100-SXM-R1', 'H100 SXM reserved 1 month', 'USD per GPU-hour for H100 SXM on 1-month reservations at neoclouds and marketplaces.', 1),
  ('H100-SXM-R3', 'H100 SXM reserved 3 months', 'USD per GPU-hour for H100 SXM on 3-month reservations at neoclouds and marketplaces.', 3),
  ('H100-SXM-R6', 'H100 SXM reserved 6 months', 'USD per GPU-hour for H100 SXM on 6-month reservations at neoclouds and marketplaces.', 6),
  ('H100-SXM-R24', 'H100 SXM reserved 24 months', 'USD per GPU-hour for H100 SXM on 24-month reservations at neoclouds and marketplaces.', 24),
  ('H100-SXM-R36', 'H100 SXM reserved 36 months', 'USD per GPU-hour for H100 SXM on 36-month reservations at neoclouds and marketplaces.', 36)
), full_def as (
  select d.code, d.name, d.description, r.kind, r.filter, r.segments, d.term_months, v.methodology
  from d cross join index_definitions r
  join index_definition_versions v on v.code = r.code and v.methodology_version = 1
  where r.code = 'H100-SXM-R12'
), ins as (
  insert into index_definitions (code, name, description, kind, filter, segments, term_months, methodology)
  select code, name, description, kind, filter, segments, term_months, methodology from full_def
  returning code
)
insert into index_definition_versions (code, methodology_version, filter, segments, term_months, methodology)
select f.code, 1, f.filter, f.segments, f.term_months, f.methodology from full_def f join ins using (code);
