-- cpx_basket_months: a basket's monthly averages over ok days, with min and max, and the budget view against a base month.
-- docs/methodology.md "Baskets" §B8 (monthly average, change vs base month absolute and in percent).
--
-- The mean is exact (numeric) over the ok days of the month; a month without an ok day has no average.
-- p_compare is the first day of the base month, or null for no comparison.
create or replace function cpx_basket_months(p_code text, p_from date, p_to date, p_at timestamptz default 'infinity', p_compare date default null)
returns table (month text, n_days integer, n_failed integer, average numeric, min numeric, max numeric,
  base_month text, base_average numeric, change numeric, change_pct numeric)
language sql stable as $$
  with days as (
    select (cpx_basket_value(p_code, g::date, p_at)).* from generate_series(p_from, p_to, interval '1 day') g
  ), months as (
    select to_char(d.date, 'YYYY-MM') as month,
      (count(*) filter (where d.status = 'ok'))::int as n_days,
      (count(*) filter (where d.status <> 'ok'))::int as n_failed,
      avg(d.value) filter (where d.status = 'ok') as average,
      min(d.value) filter (where d.status = 'ok') as min,
      max(d.value) filter (where d.status = 'ok') as max
    from days d group by 1
  ), base as (
    select avg(b.value) filter (where b.status = 'ok') as average
    from generate_series(p_compare, (p_compare + interval '1 month' - interval '1 day')::date, interval '1 day') g,
      lateral cpx_basket_value(p_code, g::date, p_at) b
    where p_compare is not null
  )
  select m.month, m.n_days, m.n_failed, m.average, m.min, m.max,
    to_char(p_compare, 'YYYY-MM'), base.average, m.average - base.average,
    (m.average / nullif(base.average, 0) - 1) * 100
  from months m left join base on true
  order by m.month
$$;
