-- cpx_median: the median of an ascending numeric array, exactly (percentile_cont(0.5) in numeric).
-- DESIGN §3.3 (r(c,s)), §3.5 (m, MAD), §3.7 (value), §3.8 (exact interpolation).
--
create or replace function cpx_median(sorted numeric[]) returns numeric
language sql immutable parallel safe as $$
  select cpx_percentile(sorted, 0.5)
$$;
