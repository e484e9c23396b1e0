-- cpx_publish_fixings: publishing: computes [p_from, p_to] with the engine of each definition's methodology
-- (v1: cpx_compute_fixings; v2: cpx_compute_fixings_v2) and stores a new revision of each
-- (index, day) whose hash changed, with its reason and constituents, announced by NOTIFY cpx_fixings.
-- DESIGN §4 (revisions); reasons: initial, first_publication (first figure after insufficient_data
-- revisions only, #18), the given reason, definition_change, late_quotes, correction.
-- A range is split at the effective dates of its indices' versions: each day is computed with the version
-- in force on it (cpx_definitions_in_force).
-- v2 fixings also store n_models, their models (fixing_models) and constituent rules (fixing_constituent_rules).
--
create or replace function cpx_publish_fixings(p_codes text[], p_from date, p_to date, p_reason text default null)
returns table (index_code text, days int, published int, revised int, unchanged int, insufficient int)
language plpgsql
-- as in 0041: the foreign-key checks of the inserts are planned under this setting and keep the plan
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  c text;
  v_now timestamptz;
begin
  -- Lock the indices in a fixed order so two computes over overlapping sets cannot deadlock.
  for c in select distinct x from unnest(p_codes) x order by x loop
    perform pg_advisory_xact_lock(cpx_fixing_lock_key(), hashtext(c));
  end loop;
  v_now := clock_timestamp();

  return query
  with candidate as materialized (
    select n.*, cur.revision as current_revision,
      -- why a new revision exists: the first publication; the reason asked for; the first figure after
      -- insufficient_data revisions only (first_publication); a new methodology
      -- version; quotes behind it that arrived after the current revision; otherwise a correction
      -- (a product, provider or base value that changed).
      case
        when cur.hash is not distinct from n.hash then null   -- nothing is stored: no reason to find
        when cur.id is null then 'initial'
        when p_reason is not null then p_reason
        -- every stored revision of the day is insufficient_data: this is its first figure, not a restatement
        when n.status <> 'insufficient_data' and not exists (
          select 1 from fixings f
          where f.index_code = n.index_code and f.date = n.date and f.status <> 'insufficient_data'
        ) then 'first_publication'
        when cur.methodology_version <> n.methodology_version then 'definition_change'
        when exists (
          select 1 from unnest(n.constituents) e
          cross join lateral unnest(e.quote_ids) qid
          join quotes q on q.id = qid
          where q.ingested_at > cur.published_at
        ) then 'late_quotes'
        else 'correction'
      end as reason,
      cur.hash is distinct from n.hash as changed
    from (
      -- the range split at the effective dates of its indices' versions (cpx_definitions_in_force): within a
      -- span every index has one version, the one in force on the span's first day
      select s.a, coalesce(lead(s.a) over (order by s.a) - 1, p_to) as b
      from (select p_from as a
            union
            select v.effective_from from index_definition_versions v
            where v.code = any(p_codes) and v.effective_from > p_from and v.effective_from <= p_to) s
    ) span
    cross join lateral (
      -- each definition to the engine of its methodology in force (methodology.version: absent or 1 → v1,
      -- 2 → v2); the v1 engine runs as before, on the v1 codes only
      select v1.*, null::int as n_models, null::cpx_model[] as models, null::cpx_constituent_rule[] as rules
      from cpx_compute_fixings(array(select d.code from cpx_definitions_in_force(p_codes, span.a) d
        where coalesce(d.methodology->>'version', '1') = '1'), span.a, span.b) v1
      union all
      select * from cpx_compute_fixings_v2(array(select d.code from cpx_definitions_in_force(p_codes, span.a) d
        where d.methodology->>'version' = '2'), span.a, span.b)
      -- not even started when no index of the span is v2 (a one-time filter)
      where exists (select 1 from cpx_definitions_in_force(p_codes, span.a) d where d.methodology->>'version' = '2')
    ) n
    left join (
      -- the current revisions of the range, read once (a lookup per day, planned while fixings still looked
      -- empty, scanned the whole table for every day: a year computed into a new database went quadratic)
      select distinct on (f.index_code, f.date) f.index_code, f.date, f.id, f.revision, f.hash, f.methodology_version,
        f.published_at
      from fixings f
      where f.index_code = any(p_codes) and f.date between p_from and p_to
      order by f.index_code, f.date, f.revision desc
    ) cur on cur.index_code = n.index_code and cur.date = n.date
  ),
  inserted as (
    insert into fixings (index_code, date, revision, status, value, level, window_days, n_providers, n_contributors,
      n_quotes, n_excluded, min, p25, p75, max, hhi, max_provider_impact, methodology_version, reason, hash, published_at,
      n_models)
    select n.index_code, n.date, coalesce(n.current_revision, 0) + 1, n.status, n.value, n.level, n.window_days,
      n.n_providers, n.n_contributors, n.n_quotes, n.n_excluded, n.min, n.p25, n.p75, n.max, n.hhi,
      n.max_provider_impact, n.methodology_version, n.reason, n.hash, v_now, n.n_models
    from candidate n where n.changed
    returning fixings.id, fixings.index_code, fixings.date, fixings.revision,
      pg_notify('cpx_fixings', json_build_object('code', fixings.index_code, 'date', fixings.date, 'revision', fixings.revision)::text) as notified
  ),
  constituents as (
    insert into fixing_constituents (fixing_id, provider, product, value, segments, n_quotes, quote_ids, excluded, reason)
    select i.id, x.provider, x.product, x.value, x.segments, x.n_quotes, x.quote_ids, x.excluded, x.reason
    from inserted i
    join candidate n on n.index_code = i.index_code and n.date = i.date
    cross join lateral unnest(n.constituents) x
    returning fixing_id
  ),
  -- v2 only: the models and the rule that kept each constituent's segment (none for v1: null arrays)
  models as (
    insert into fixing_models (fixing_id, product, value, weight, n_contributors, n_providers, n_quotes)
    select i.id, m.product, m.value, m.weight, m.n_contributors, m.n_providers, m.n_quotes
    from inserted i
    join candidate n on n.index_code = i.index_code and n.date = i.date
    cross join lateral unnest(n.models) m
    returning fixing_id
  ),
  rules as (
    insert into fixing_constituent_rules (fixing_id, provider, product, segment, kept_by, age_days, observed_on)
    select i.id, r.provider, r.product, r.segment, r.kept_by, r.age_days, r.observed_on
    from inserted i
    join candidate n on n.index_code = i.index_code and n.date = i.date
    cross join lateral unnest(n.rules) r
    returning fixing_id
  )
  select n.index_code,
    count(*)::int,
    count(*) filter (where n.changed and n.current_revision is null)::int,
    count(*) filter (where n.changed and n.current_revision is not null)::int,
    count(*) filter (where not n.changed)::int,
    count(*) filter (where n.status = 'insufficient_data')::int
  from candidate n
  -- the inserts above run to completion whether or not this select reads them
  group by n.index_code
  order by n.index_code;
end
$$;

comment on function cpx_publish_fixings(text[], date, date, text) is
  'Computes [from, to] for the indices, each with the engine of its methodology (v1 cpx_compute_fixings, v2 cpx_compute_fixings_v2), and stores a new revision wherever the hash changed (reason: initial, first_publication, the given reason, definition_change, late_quotes or correction), with NOTIFY cpx_fixings. Returns per index: days, published (revision 1), revised, unchanged, insufficient.';
