-- cpx_window_screen: the outlier screen and the counts of one window, from its complete contributors' r(c).
-- DESIGN §3.5 (outliers), §3.6 (providers and quotes), §3.8 (n_contributors, hhi).
--
-- §3.5 outlier screen and §3.6/§3.8 counts of one window, from its complete contributors' r(c) in ascending
-- order (rs), with their providers and quote counts in the same order. With n ≥ 5, m = median r(c),
-- MAD = median |r(c) − m|; if MAD > 0, c is an outlier when |r(c) − m| > k × 1.4826 × MAD (strictly).
-- kept: the remaining r(c), ascending, and their providers; hhi = Σ_p (k_p / n)² = Σ k_p² / n².
-- The expressions of 0027, as one SQL query (a set-returning SQL function of one SELECT is inlined into
-- the calling query: no function call, no nested queries run one by one).
create or replace function cpx_window_screen(rs numeric[], providers text[], nqs int[], outlier_k numeric)
returns table (m numeric, mad numeric, screening boolean, kept numeric[], kept_providers text[],
  n_contributors int, n_quotes int, n_providers int, hhi numeric)
language sql immutable parallel safe as $$
  select s.m, s.mad, s.screening, k.kept, k.kept_providers, k.n_contributors, k.n_quotes, h.n_providers, h.hhi
  -- (offset 0 keeps m, MAD and screening computed once, not substituted into every comparison)
  from (select cpx_median(rs) as m offset 0) c
  cross join lateral (
    select cpx_median(array_agg(abs(x - c.m) order by abs(x - c.m))) as mad from unnest(rs) x
  ) d
  cross join lateral (
    select c.m, d.mad, coalesce(cardinality(rs), 0) >= 5 and coalesce(d.mad > 0, false) as screening offset 0
  ) s
  cross join lateral (
    select array_agg(u.r order by u.i) as kept, array_agg(u.p order by u.i) as kept_providers,
      count(*)::int as n_contributors, coalesce(sum(u.nq), 0)::int as n_quotes
    from unnest(rs, providers, nqs) with ordinality u(r, p, nq, i)
    where not (s.screening and abs(u.r - s.m) > outlier_k * 1.4826 * s.mad)
  ) k
  cross join lateral (
    select count(*)::int as n_providers, sum(q * q)::numeric / (sum(q) * sum(q)) as hhi
    from (select count(*) as q from unnest(k.kept_providers) p group by p) shares
  ) h
$$;
