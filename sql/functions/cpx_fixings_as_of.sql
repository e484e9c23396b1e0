-- cpx_fixings_as_of: point in time for a range of days: one row per day that had a fixing at p_at.
-- DESIGN §4 (as_of=T).
--
-- The same for a range of days: one row per day that had a fixing at t.
create or replace function cpx_fixings_as_of(p_code text, p_from date, p_to date, p_at timestamptz default 'infinity')
returns setof fixings language sql stable as $$
  select distinct on (f.date) f.* from fixings f
  where f.index_code = p_code and f.date between p_from and p_to and f.published_at <= p_at
  order by f.date, f.revision desc
$$;
