-- 0020_exact_statistics.sql
-- The statistics of methodology v1 (DESIGN §3.7-3.8) in exact numeric.
--
-- Postgres's percentile_cont() takes double precision only: 2.8890125 becomes 2.8890124999999998 and then
-- rounds to 2.889012 instead of 2.889013. Every statistic here works on numeric arrays that the caller
-- sorts ascending (array_agg(x order by x)), so the position arithmetic is the only logic left.

-- percentile_cont's definition, in numeric: position p·(n−1) from 0; interpolate linearly between the
-- elements around it. Arrays from array_agg start at 1, hence the +1.
create function cpx_percentile(sorted numeric[], p numeric) returns numeric
language sql immutable parallel safe as $$
  select sorted[floor(p * (cardinality(sorted) - 1))::int + 1]
       + (p * (cardinality(sorted) - 1) - floor(p * (cardinality(sorted) - 1)))
       * (sorted[ceil(p * (cardinality(sorted) - 1))::int + 1] - sorted[floor(p * (cardinality(sorted) - 1))::int + 1])
$$;
comment on function cpx_percentile(numeric[], numeric) is
  'percentile_cont(p) of an ascending numeric array, exactly: linear interpolation at position p*(n-1). Null for an empty array.';

create function cpx_median(sorted numeric[]) returns numeric
language sql immutable parallel safe as $$
  select cpx_percentile(sorted, 0.5)
$$;

-- Trimmed mean (§3.7): drop ⌊trim·n⌋ values from each end of the sorted list, mean of the rest.
-- trim is numeric, so ⌊0.1 × 10⌋ is exactly 1 (in binary floating point it could be 0.999…).
create function cpx_trimmed_mean(sorted numeric[], trim_fraction numeric) returns numeric
language sql immutable parallel safe as $$
  select avg(x) from unnest(sorted[floor(trim_fraction * cardinality(sorted))::int + 1 : cardinality(sorted) - floor(trim_fraction * cardinality(sorted))::int]) as x
$$;

-- The index statistic: 'median' or 'trimmed_mean'.
create function cpx_statistic(sorted numeric[], statistic text, trim_fraction numeric) returns numeric
language sql immutable parallel safe as $$
  select case statistic when 'trimmed_mean' then cpx_trimmed_mean(sorted, trim_fraction) else cpx_median(sorted) end
$$;

-- Concatenates arrays across rows (the quote ids behind a blend's segments).
create aggregate cpx_array_cat (bigint[]) (sfunc = array_cat, stype = bigint[], initcond = '{}');

-- A jsonb array of strings as text[]; null for a missing or JSON-null filter field ("does not filter").
create function cpx_text_array(j jsonb) returns text[]
language sql immutable parallel safe as $$
  select case when jsonb_typeof(j) = 'array' then array(select jsonb_array_elements_text(j)) end
$$;

-- A published figure in the canonical text that is hashed (§4): 6 decimals, always written out
-- ('2.990000'), empty for null. round(numeric, 6) rounds half away from zero.
create function cpx_canonical_figure(x numeric) returns text
language sql immutable parallel safe as $$
  select coalesce(round(x, 6)::text, '')
$$;
