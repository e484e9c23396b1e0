-- 0002_quotes.sql
-- Quotes are append-only: never updated, never deleted. The raw price, unit and currency are kept
-- exactly as quoted, beside the normalized usd_price and the FX rate that produced it, so every
-- normalized figure can be re-derived by hand.

-- factor(unit): how many index units one quoted unit is. Index units: USD per GPU-hour, USD per 1M tokens.
create function cpx_unit_factor(unit text, gpus_per_instance integer) returns numeric
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

-- usd_price = price x usd_per_unit x factor, rounded half away from zero to 10 dp.
-- The division for instance_hour and gpu_month happens last so that 98.32/8 is exactly 12.29.
create function cpx_normalize_price(price numeric, usd_per_unit numeric, unit text, gpus_per_instance integer)
returns numeric language sql immutable as $$
  select round(case unit
    when 'instance_hour' then price * usd_per_unit / gpus_per_instance
    when 'gpu_month' then price * usd_per_unit / 730
    else price * usd_per_unit * cpx_unit_factor(unit, gpus_per_instance)
  end, 10)
$$;

-- The FX rate for a quote: the latest rate for the currency dated on the quote's UTC day or up to
-- 7 days before. USD is 1. Null when there is none (the quote is then rejected).
create function cpx_fx_rate(cur text, day date) returns numeric
language sql stable as $$
  select case when cur = 'USD' then 1::numeric else (
    select usd_per_unit from fx_rates
    where currency = cur and date <= day and date >= day - 7
    order by date desc limit 1
  ) end
$$;

create table quotes (
  id                 bigint generated always as identity primary key,
  provider           text not null references providers (slug),
  product            text not null references products (code),
  segment            text not null check (segment in ('on_demand', 'spot', 'reserved', 'input', 'output', 'cached_input')),
  term_months        integer check (term_months >= 1),
  service_tier       text check (service_tier in ('standard', 'batch', 'flex', 'priority')),
  region             text check (region in ('us', 'eu', 'apac', 'cn', 'other')),
  price              numeric not null check (price > 0),
  currency           text not null check (currency ~ '^[A-Z]{3}$'),
  unit               text not null check (unit in ('gpu_hour', 'instance_hour', 'gpu_month', 'token', '1k_tokens', '1m_tokens')),
  gpus_per_instance  integer check (gpus_per_instance >= 1),
  fx_usd_per_unit    numeric not null check (fx_usd_per_unit > 0),
  usd_price          numeric not null check (usd_price > 0),
  observed_at        timestamptz not null,
  observed_day       date not null,
  source             text,
  ingested_at        timestamptz not null default now(),
  check ((segment = 'reserved') = (term_months is not null)),
  check ((unit = 'instance_hour') = (gpus_per_instance is not null)),
  check (observed_day = (observed_at at time zone 'UTC')::date)
);

-- The identity of a quote: a row equal on all of these is the same observation, so a retried batch
-- is detected and skipped. gpus_per_instance is part of it: 8 GPUs and 4 GPUs at one price differ.
create unique index quotes_identity on quotes (
  provider, product, segment, coalesce(term_months, 0), coalesce(service_tier, ''), coalesce(region, ''),
  unit, currency, price, coalesce(gpus_per_instance, 0), observed_at
);

-- The engine reads quotes by product and segment over a window of days.
create index quotes_window on quotes (product, segment, observed_day) include (provider, usd_price, service_tier, region, term_months);
-- GET /v1/quotes pages newest first.
create index quotes_newest on quotes (observed_at desc, id desc);
-- Late quotes: what arrived since the last fixing run.
create index quotes_ingested on quotes (ingested_at);

create function cpx_quotes_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'quotes are append-only (% refused)', tg_op using errcode = 'P0001';
end
$$;
create trigger quotes_append_only before update or delete on quotes
  for each row execute function cpx_quotes_append_only();
