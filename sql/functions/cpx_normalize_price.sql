-- cpx_normalize_price: usd_price of a quote in the index unit: price × usd_per_unit × factor(unit), 10 dp.
-- DESIGN §2 (Normalization); no §3 paragraph.
--
-- usd_price = price x usd_per_unit x factor, rounded half away from zero to 10 dp.
-- The division for instance_hour and gpu_month happens last so that 98.32/8 is exactly 12.29.
create or replace function cpx_normalize_price(price numeric, usd_per_unit numeric, unit text, gpus_per_instance integer)
returns numeric language sql immutable as $$
  select round(case unit
    when 'instance_hour' then price * usd_per_unit / gpus_per_instance
    when 'gpu_month' then price * usd_per_unit / 730
    else price * usd_per_unit * cpx_unit_factor(unit, gpus_per_instance)
  end, 10)
$$;
