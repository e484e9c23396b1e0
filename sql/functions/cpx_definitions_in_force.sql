-- cpx_definitions_in_force.sql
-- The version of each definition in force on a day (docs/methodology.md, "Effective dates"): the current
-- row of index_definitions unless its version has an effective_from after the day; then the newest older
-- version of index_definition_versions whose effective_from is null (every day) or on or before the day.
-- Both engines read their definitions through it on their first day; cpx_publish_fixings splits a range
-- at the effective dates of its indices, so a fixing before a dated version keeps the version before it
-- (its figures and hash unchanged).
create or replace function cpx_definitions_in_force(p_codes text[], p_day date)
returns table (code text, kind text, methodology_version int, filter jsonb, segments jsonb, term_months int, methodology jsonb)
language sql stable
as $$
  select d.code, d.kind, d.methodology_version, d.filter, d.segments, d.term_months, d.methodology
  from index_definitions d
  where d.code = any(p_codes)
    and not exists (select 1 from index_definition_versions v
      where v.code = d.code and v.methodology_version = d.methodology_version and v.effective_from > p_day)
  union all
  select * from (
    select distinct on (v.code) v.code, d.kind, v.methodology_version, v.filter, v.segments, v.term_months, v.methodology
    from index_definitions d
    join index_definition_versions cur on cur.code = d.code and cur.methodology_version = d.methodology_version
      and cur.effective_from > p_day
    join index_definition_versions v on v.code = d.code and v.methodology_version < d.methodology_version
      and (v.effective_from is null or v.effective_from <= p_day)
    where d.code = any(p_codes)
    order by v.code, v.methodology_version desc
  ) older
$$;

comment on function cpx_definitions_in_force(text[], date) is
  'The definition of each index in force on a day: the current one unless its effective_from is later, then the newest older version in force (effective_from null or on or before the day).';
