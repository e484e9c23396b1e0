-- cpx_trimmed_mean: the trimmed mean of an ascending array.
-- DESIGN §3.7 (drop ⌊trim·n⌋ from each end, mean of the rest).
--
-- Trimmed mean (§3.7): drop ⌊trim·n⌋ values from each end of the sorted list, mean of the rest.
-- trim is numeric, so ⌊0.1 × 10⌋ is exactly 1 (in binary floating point it could be 0.999…).
create or replace function cpx_trimmed_mean(sorted numeric[], trim_fraction numeric) returns numeric
language sql immutable parallel safe as $$
  select avg(x) from unnest(sorted[floor(trim_fraction * cardinality(sorted))::int + 1 : cardinality(sorted) - floor(trim_fraction * cardinality(sorted))::int]) as x
$$;
