-- 0062_baskets.sql
-- Baskets (docs/methodology.md, "Baskets"): a weighted set of indices (or of other baskets) valued daily
-- from the published fixings. A basket never changes in place: every change is a new version, with who,
-- when and why, in force from its effective_from day.
create table baskets (
  code        text primary key check (code ~ '^[A-Z0-9][A-Z0-9-]{1,47}$'),
  name        text not null,
  created_at  timestamptz not null default now()
);

-- percent: value = base_value × Σ w_i/100 × I_i(t)/I_i(base); quantity: Σ q_i × I_i(t) in USD.
-- base_date and base_value are the first version's; later percent versions are chain-linked (null here).
create table basket_versions (
  code            text not null references baskets (code),
  version         integer not null check (version >= 1),
  effective_from  date not null,
  mode            text not null check (mode in ('quantity', 'percent')),
  base_value      numeric check (base_value > 0),
  base_date       date,
  changed_by      text not null,
  changed_at      timestamptz not null default now(),
  reason          text not null,
  primary key (code, version),
  unique (code, effective_from),
  check (mode = 'percent' or (base_value is null and base_date is null))
);

-- amount: the weight in percent (percent mode) or the quantity (quantity mode), exact.
-- unit: what a quantity is counted in (GPU-hour, 1M tokens, basket); null in percent mode.
create table basket_components (
  code       text not null,
  version    integer not null,
  component  text not null,
  kind       text not null check (kind in ('index', 'basket')),
  amount     numeric not null check (amount > 0),
  unit       text check (unit in ('GPU-hour', '1M tokens', 'basket')),
  primary key (code, version, component),
  foreign key (code, version) references basket_versions (code, version)
);

create trigger basket_versions_append_only before update or delete on basket_versions
  for each row execute function cpx_fixings_append_only();
create trigger basket_components_append_only before update or delete on basket_components
  for each row execute function cpx_fixings_append_only();

-- one day of a basket as cpx_basket_value computes it
create type cpx_basket_day as (
  code text, date date, version integer, mode text, status text, value numeric, failed text[], inputs jsonb, hash text
);
-- one input of a basket's day: a component's fixing (or basket value) on a day
create type cpx_basket_input as (status text, value numeric, entry jsonb);
