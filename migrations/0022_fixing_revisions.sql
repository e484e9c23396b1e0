-- 0022_fixing_revisions.sql
-- Publishing fixings as revisions (DESIGN §4) and reading them as of a time.
--
-- cpx_publish_fixings computes [from, to] with cpx_compute_fixings and stores a new revision of
-- (index, day) only where the hash differs from the current revision's: the hash covers every published
-- figure and every constituent, so "a published figure changed" and "the hash changed" are the same test.
-- Nothing is updated or deleted (0003's triggers refuse it). Each new revision is announced with
-- NOTIFY cpx_fixings '{"code", "date", "revision"}', delivered when the publishing transaction commits.

-- Advisory lock keys: (namespace, hashtext(index code)). One compute at a time per index, whatever
-- process or instance runs it; the second waits, then finds the first one's revisions and adds nothing.
create function cpx_fixing_lock_key() returns int language sql immutable as $$ select 4242020 $$;

create function cpx_publish_fixings(p_codes text[], p_from date, p_to date, p_reason text default null)
returns table (index_code text, days int, published int, revised int, unchanged int, insufficient int)
language plpgsql as $$
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
      -- why a new revision exists: the first publication; the reason asked for; a new methodology
      -- version; quotes behind it that arrived after the current revision; otherwise a correction
      -- (a product, provider or base value that changed).
      case
        when cur.id is null then 'initial'
        when p_reason is not null then p_reason
        when cur.methodology_version <> n.methodology_version then 'definition_change'
        when exists (
          select 1 from jsonb_array_elements(n.constituents) e
          cross join lateral jsonb_array_elements_text(e->'quote_ids') qid
          join quotes q on q.id = qid::bigint
          where q.ingested_at > cur.published_at
        ) then 'late_quotes'
        else 'correction'
      end as reason,
      cur.hash is distinct from n.hash as changed
    from cpx_compute_fixings(p_codes, p_from, p_to) n
    left join lateral (
      select f.id, f.revision, f.hash, f.methodology_version, f.published_at
      from fixings f where f.index_code = n.index_code and f.date = n.date
      order by f.revision desc limit 1
    ) cur on true
  ),
  inserted as (
    insert into fixings (index_code, date, revision, status, value, level, window_days, n_providers, n_contributors,
      n_quotes, n_excluded, min, p25, p75, max, hhi, max_provider_impact, methodology_version, reason, hash, published_at)
    select n.index_code, n.date, coalesce(n.current_revision, 0) + 1, n.status, n.value, n.level, n.window_days,
      n.n_providers, n.n_contributors, n.n_quotes, n.n_excluded, n.min, n.p25, n.p75, n.max, n.hhi,
      n.max_provider_impact, n.methodology_version, n.reason, n.hash, v_now
    from candidate n where n.changed
    returning fixings.id, fixings.index_code, fixings.date, fixings.revision,
      pg_notify('cpx_fixings', json_build_object('code', fixings.index_code, 'date', fixings.date, 'revision', fixings.revision)::text) as notified
  ),
  constituents as (
    insert into fixing_constituents (fixing_id, provider, product, value, segments, n_quotes, quote_ids, excluded, reason)
    select i.id, x.provider, x.product, x.value, x.segments, x.n_quotes,
      array(select jsonb_array_elements_text(x.quote_ids)::bigint), x.excluded, x.reason
    from inserted i
    join candidate n on n.index_code = i.index_code and n.date = i.date
    cross join lateral jsonb_to_recordset(n.constituents) as x(provider text, product text, value numeric, segments jsonb,
      n_quotes int, quote_ids jsonb, excluded boolean, reason text)
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
  'Computes [from, to] for the indices and stores a new revision wherever the hash changed (reason: initial, the given reason, definition_change, late_quotes or correction), with NOTIFY cpx_fixings. Returns per index: days, published (revision 1), revised, unchanged, insufficient.';

-- Point in time (§4): the revision of (index, day) current at time t is the highest revision published
-- at or before t. With t = 'infinity' it is the newest.
create function cpx_fixing_as_of(p_code text, p_date date, p_at timestamptz default 'infinity')
returns setof fixings language sql stable as $$
  select f.* from fixings f
  where f.index_code = p_code and f.date = p_date and f.published_at <= p_at
  order by f.revision desc
  limit 1
$$;

-- The same for a range of days: one row per day that had a fixing at t.
create function cpx_fixings_as_of(p_code text, p_from date, p_to date, p_at timestamptz default 'infinity')
returns setof fixings language sql stable as $$
  select distinct on (f.date) f.* from fixings f
  where f.index_code = p_code and f.date between p_from and p_to and f.published_at <= p_at
  order by f.date, f.revision desc
$$;

-- The canonical text of a stored revision, rebuilt from its rows: sha256 of it equals fixings.hash.
-- An auditor's check: select hash = 'sha256:' || encode(sha256(convert_to(cpx_fixing_canonical_text(id), 'UTF8')), 'hex') from fixings.
create function cpx_fixing_canonical_text(p_fixing_id bigint) returns text
language sql stable as $$
  select cpx_canonical_text(f.index_code, f.date, f.status, f.value, f.level, f.window_days, f.n_providers,
    f.n_contributors, f.n_quotes, f.n_excluded, f.min, f.p25, f.p75, f.max, f.hhi, f.max_provider_impact,
    coalesce((select jsonb_agg(jsonb_build_object('provider', c.provider, 'product', c.product, 'value', c.value,
        'segments', c.segments, 'n_quotes', c.n_quotes, 'quote_ids', to_jsonb(c.quote_ids), 'excluded', c.excluded,
        'reason', c.reason))
      from fixing_constituents c where c.fixing_id = f.id), '[]'::jsonb))
  from fixings f where f.id = p_fixing_id
$$;
