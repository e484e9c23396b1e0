-- cpx_curve: the term curve of one GPU on one day, as published at p_at, from stored fixings.
-- docs/methodology.md, "Term curves" (§T1–§T6).
--
-- The curve of GPU g (e.g. 'H100-SXM') is its spot point, the on-demand index g-OD, and one point per
-- standard term n in 1, 3, 6, 12, 24, 36 months: the reserved index g-Rn, when it exists. Every point
-- is read with cpx_fixing_as_of, so a past curve is exactly as published at p_at (§T4). A point
-- without a fixing, or whose fixing is insufficient_data, has a null value and null premium: it is
-- never interpolated (§T3). premium = value / spot - 1 rounded to 6 places (half away from zero), a
-- discount when negative; premium_pct = premium x 100 to 4 places (§T5).
create or replace function cpx_curve(p_gpu text, p_date date, p_at timestamptz default 'infinity')
returns table (term_months integer, index_code text, status text, value numeric, revision integer,
  published_at timestamptz, premium numeric, premium_pct numeric)
language sql stable as $$
  with spot as (
    select f.* from cpx_fixing_as_of(p_gpu || '-OD', p_date, p_at) f
  ), points as (
    select 0 as term_months, p_gpu || '-OD' as index_code
    where exists (select 1 from index_definitions d where d.code = p_gpu || '-OD')
    union all
    select d.term_months, d.code from index_definitions d
    where d.code = p_gpu || '-R' || d.term_months and d.term_months in (1, 3, 6, 12, 24, 36)
  )
  select p.term_months, p.index_code, coalesce(f.status, 'insufficient_data'), f.value, f.revision,
    f.published_at, x.premium, round(x.premium * 100, 4)
  from points p
  left join lateral cpx_fixing_as_of(p.index_code, p_date, p_at) f on true
  left join lateral (
    select round(f.value / s.value - 1, 6) as premium from spot s
    where f.status = 'ok' and s.status = 'ok' and s.value > 0
  ) x on true
  order by p.term_months
$$;
