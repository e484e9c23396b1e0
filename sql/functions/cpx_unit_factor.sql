-- cpx_unit_factor: factor(unit): how many index units one quoted unit is.
-- DESIGN §2 (Normalization); no §3 paragraph.
--
-- factor(unit): how many index units one quoted unit is. Index units: USD per GPU-hour, USD per 1M tokens.
create or replace function cpx_unit_factor(unit text, gpus_per_instance integer) returns numeric
language sql immutable as $$
  select case unit
    when 'gpu_hour' then 1::numeric
    when 'instance_hour' then 1::numeric / gpus_per_instance
    when 'gpu_month' then 1::numeric / 730          -- a GPU-month is 730 hours
    when '1m_tokens' then 1::numeric
    when '1k_tokens' then 1000::numeric
    when 'token' then 1000000::numeric
  end
$$;
