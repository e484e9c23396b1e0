-- cpx_statistic: the index statistic of an ascending array: median or trimmed mean.
-- DESIGN §3.7.
--
-- The index statistic: 'median' or 'trimmed_mean'.
create or replace function cpx_statistic(sorted numeric[], statistic text, trim_fraction numeric) returns numeric
language sql immutable parallel safe as $$
  select case statistic when 'trimmed_mean' then cpx_trimmed_mean(sorted, trim_fraction) else cpx_median(sorted) end
$$;
