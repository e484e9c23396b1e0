-- cpx_median_without: the median of an ascending array without its element at position j, by index arithmetic.
-- DESIGN §3.8 (max_provider_impact: the value without one provider's single contributor).
--
-- The median (percentile_cont(0.5), as cpx_median) of an ascending array without its element at position
-- j: element k of that shorter list is sorted[k] before j and sorted[k + 1] from j on. Same arithmetic as
-- cpx_percentile on the shorter list, so the same numeric; an expression, inlined where it is used.
create or replace function cpx_median_without(sorted numeric[], j int) returns numeric
language sql immutable parallel safe as $$
  select sorted[floor(0.5 * (cardinality(sorted) - 2))::int + 1 + (floor(0.5 * (cardinality(sorted) - 2))::int + 1 >= j)::int]
       + (0.5 * (cardinality(sorted) - 2) - floor(0.5 * (cardinality(sorted) - 2)))
       * (sorted[ceil(0.5 * (cardinality(sorted) - 2))::int + 1 + (ceil(0.5 * (cardinality(sorted) - 2))::int + 1 >= j)::int]
        - sorted[floor(0.5 * (cardinality(sorted) - 2))::int + 1 + (floor(0.5 * (cardinality(sorted) - 2))::int + 1 >= j)::int])
$$;
