-- cpx_median_of: the median of an unsorted numeric array. Not called by the live engine (0021's was); kept for
-- readers' queries. DESIGN §3.3.
--
-- The median of an unsorted array (a day's prices of one contributor and segment).
create or replace function cpx_median_of(v numeric[]) returns numeric
language sql immutable parallel safe as $$
  select cpx_median(array_agg(x order by x)) from unnest(v) as x
$$;
