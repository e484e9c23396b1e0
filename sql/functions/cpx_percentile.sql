-- cpx_percentile: percentile_cont(p) of an ascending numeric array, in exact numeric.
-- DESIGN §3.8 (min, p25, p75, max; medians and percentiles interpolate as percentile_cont).
--
-- percentile_cont's definition, in numeric: position p·(n−1) from 0; interpolate linearly between the
-- elements around it. Arrays from array_agg start at 1, hence the +1.
create or replace function cpx_percentile(sorted numeric[], p numeric) returns numeric
language sql immutable parallel safe as $$
  select sorted[floor(p * (cardinality(sorted) - 1))::int + 1]
       + (p * (cardinality(sorted) - 1) - floor(p * (cardinality(sorted) - 1)))
       * (sorted[ceil(p * (cardinality(sorted) - 1))::int + 1] - sorted[floor(p * (cardinality(sorted) - 1))::int + 1])
$$;
comment on function cpx_percentile(numeric[], numeric) is
  'percentile_cont(p) of an ascending numeric array, exactly: linear interpolation at position p*(n-1). Null for an empty array.';
