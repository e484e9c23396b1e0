-- cpx_fx_rate: the FX rate of a quote: latest rate for its currency dated on its UTC day or up to 7 days before.
-- DESIGN §2 (Normalization, FX rate); no §3 paragraph.
--
-- The FX rate for a quote: the latest rate for the currency dated on the quote's UTC day or up to
-- 7 days before. USD is 1. Null when there is none (the quote is then rejected).
create or replace function cpx_fx_rate(cur text, day date) returns numeric
language sql stable as $$
  select case when cur = 'USD' then 1::numeric else (
    select usd_per_unit from fx_rates
    where currency = cur and date <= day and date >= day - 7
    order by date desc limit 1
  ) end
$$;
