-- 0001_catalog.sql
-- Who quotes (providers) and what is priced (products). Slugs and codes are the public keys:
-- quotes and index filters refer to them, so they are primary keys, never renamed.

create table providers (
  slug        text primary key check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name        text not null check (length(name) between 1 and 200),
  kind        text not null check (kind in ('hyperscaler', 'neocloud', 'marketplace', 'model_lab', 'inference_host')),
  website     text,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table products (
  code          text primary key check (code ~ '^[a-z0-9][a-z0-9._-]{0,62}(/[a-z0-9][a-z0-9._:-]{0,126})?$'),
  kind          text not null check (kind in ('gpu', 'model')),
  name          text not null check (length(name) between 1 and 200),
  family        text not null check (family ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  -- GPUs: variant; models: tier and open_weights. The other kind's attributes stay null.
  variant       text check (variant in ('sxm', 'pcie', 'nvl')),
  tier          text check (tier in ('frontier', 'mid', 'small')),
  open_weights  boolean,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  check (
    (kind = 'gpu' and variant is not null and tier is null and open_weights is null)
    or (kind = 'model' and variant is null and tier is not null and open_weights is not null)
  )
);

-- usd_per_unit: USD for one unit of the currency (CNY ~ 0.14). One rate per currency and day.
create table fx_rates (
  currency      text not null check (currency ~ '^[A-Z]{3}$' and currency <> 'USD'),
  date          date not null,
  usd_per_unit  numeric not null check (usd_per_unit > 0),
  source        text not null check (length(source) between 1 and 200),
  created_at    timestamptz not null default now(),
  primary key (currency, date)
);
