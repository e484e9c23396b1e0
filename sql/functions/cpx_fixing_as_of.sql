-- cpx_fixing_as_of: point in time: the revision of one (index, day) that was current at p_at.
-- DESIGN §4 (as_of=T gives the revision current at T).
--
-- Point in time (§4): the revision of (index, day) current at time t is the highest revision published
-- at or before t. With t = 'infinity' it is the newest.
create or replace function cpx_fixing_as_of(p_code text, p_date date, p_at timestamptz default 'infinity')
returns setof fixings language sql stable as $$
  select f.* from fixings f
  where f.index_code = p_code and f.date = p_date and f.published_at <= p_at
  order by f.revision desc
  limit 1
$$;
