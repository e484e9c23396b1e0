-- 0000_baseline.sql
-- The schema of migrations 0001-0042 as one file: tables, constraints, indexes, the constituent type and the
-- rows those migrations seeded. No function bodies: every function (and the triggers, which need their
-- function) lives in sql/functions/<name>.sql and is applied after the versioned migrations (docs/database.md).
-- A database that applied 0001-0042 is recognised and records this file as applied without running it.
-- Sections keep the migration each came from; sql/schema.sql is the whole current schema in one place.

-- == 0001 catalog
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

-- == 0002 quotes
-- Quotes are append-only: never updated, never deleted. The raw price, unit and currency are kept
-- exactly as quoted, beside the normalized usd_price and the FX rate that produced it, so every
-- normalized figure can be re-derived by hand. Normalization: sql/functions/cpx_normalize_price.sql,
-- cpx_unit_factor.sql, cpx_fx_rate.sql; append-only: sql/functions/cpx_quotes_append_only.sql.

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

-- The engine reads quotes by product and segment over a window of days, grouped by UTC day, then
-- provider (and price within them): in this order they come out of the index needing no sort (0041).
create index quotes_engine on quotes (product, segment, observed_day, provider, usd_price)
  include (id, service_tier, region, term_months);
-- GET /v1/quotes pages newest first.
create index quotes_newest on quotes (observed_at desc, id desc);
-- Late quotes: what arrived since the last fixing run.
create index quotes_ingested on quotes (ingested_at);

-- == 0003 indices and fixings
-- Index definitions and their methodology versions; fixings as revisions with their constituents.
-- Nothing here is updated in place except the definition's current row: every methodology version
-- is kept in index_definition_versions, every fixing revision in fixings. Append-only: sql/functions/cpx_fixings_append_only.sql.

create table index_definitions (
  code                 text primary key check (code ~ '^[A-Z0-9][A-Z0-9-]{1,47}$'),
  name                 text not null,
  description          text not null default '',
  kind                 text not null check (kind in ('gpu', 'model')),
  -- filter: {families, variants, tiers, open_weights, products, provider_kinds, regions, service_tier};
  -- a null field does not filter, except service_tier where null means 'standard'.
  filter               jsonb not null,
  -- segments: {"on_demand": 1} or a blend {"input": 3, "output": 1}; weights > 0.
  segments             jsonb not null,
  term_months          integer check (term_months >= 1),
  -- methodology: {statistic, trim, min_providers, min_quotes, windows, outlier_k, base_date}
  methodology          jsonb not null,
  methodology_version  integer not null default 1 check (methodology_version >= 1),
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now()
);

-- Every version of every definition, as it was. Fixings point at (code, methodology_version).
create table index_definition_versions (
  code                 text not null references index_definitions (code),
  methodology_version  integer not null,
  filter               jsonb not null,
  segments             jsonb not null,
  term_months          integer,
  methodology          jsonb not null,
  created_at           timestamptz not null default now(),
  primary key (code, methodology_version)
);

-- A fixing revision. (index_code, date, revision) is unique; revision 1 is the first publication.
-- Published figures are stored rounded to 6 dp, exactly as served.
create table fixings (
  id                   bigint generated always as identity primary key,
  index_code           text not null references index_definitions (code),
  date                 date not null,
  revision             integer not null check (revision >= 1),
  status               text not null check (status in ('ok', 'insufficient_data')),
  value                numeric,
  level                numeric,
  window_days          integer not null,
  n_providers          integer not null,
  n_contributors       integer not null,
  n_quotes             integer not null,
  n_excluded           integer not null,
  min                  numeric,
  p25                  numeric,
  p75                  numeric,
  max                  numeric,
  hhi                  numeric,
  max_provider_impact  numeric,
  methodology_version  integer not null,
  -- why this revision exists: 'initial' for revision 1, then late_quotes, definition_change, correction…
  reason               text not null,
  hash                 text not null check (hash ~ '^sha256:[0-9a-f]{64}$'),
  published_at         timestamptz not null default now(),
  unique (index_code, date, revision),
  foreign key (index_code, methodology_version) references index_definition_versions (code, methodology_version),
  check ((status = 'ok') = (value is not null))
);
create index fixings_published on fixings (published_at);

-- r(c) for every contributor of a revision, excluded or not, with the quotes behind it.
create table fixing_constituents (
  fixing_id  bigint not null references fixings (id),
  provider   text not null,
  product    text not null,
  value      numeric,
  segments   jsonb not null,
  n_quotes   integer not null,
  quote_ids  bigint[] not null,
  excluded   boolean not null,
  reason     text check (reason in ('outlier', 'incomplete_blend')),
  primary key (fixing_id, provider, product)
);

-- == 0004 api keys
-- Keys are stored as SHA-256 of the secret: a leaked table gives no usable key. The prefix is the
-- key's first characters, shown in listings so a user can tell keys apart.
create table api_keys (
  id          bigint generated always as identity primary key,
  name        text not null check (length(name) between 1 and 200),
  scope       text not null check (scope in ('read', 'ingest', 'admin')),
  prefix      text not null,
  key_hash    text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  created_at  timestamptz not null default now(),
  revoked_at  timestamptz,
  last_used_at timestamptz
);

-- == 0005 the default catalog
-- The default index catalog of DESIGN.md §2, methodology version 1. All editable through
-- PUT /v1/indices/{code}; editing a methodology field makes version 2 and keeps this one.
-- Hyperscalers run about 3x neocloud prices: they are never pooled with neoclouds and marketplaces.

with d (code, name, description, kind, families, variants, tiers, open_weights, provider_kinds, segments, term_months) as (values
  ('H100-SXM-OD', 'H100 SXM on-demand', 'USD per GPU-hour for H100 SXM on-demand at neoclouds and marketplaces: the headline H100-hour index.',
    'gpu', '["h100"]'::jsonb, '["sxm"]'::jsonb, null::jsonb, null::boolean, '["neocloud","marketplace"]'::jsonb, '{"on_demand":1}'::jsonb, null::integer),
  ('H100-SXM-OD-HYPERSCALER', 'H100 SXM on-demand, hyperscalers', 'USD per GPU-hour for H100 SXM on-demand at hyperscalers (AWS, Azure, GCP, OCI).',
    'gpu', '["h100"]', '["sxm"]', null, null, '["hyperscaler"]', '{"on_demand":1}', null),
  ('H100-SXM-SPOT', 'H100 SXM spot', 'USD per GPU-hour for H100 SXM spot and interruptible capacity at neoclouds and marketplaces.',
    'gpu', '["h100"]', '["sxm"]', null, null, '["neocloud","marketplace"]', '{"spot":1}', null),
  ('H100-SXM-R12', 'H100 SXM reserved 12 months', 'USD per GPU-hour for H100 SXM on 12-month reservations at neoclouds and marketplaces.',
    'gpu', '["h100"]', '["sxm"]', null, null, '["neocloud","marketplace"]', '{"reserved":1}', 12),
  ('H100-PCIE-OD', 'H100 PCIe on-demand', 'USD per GPU-hour for H100 PCIe on-demand at neoclouds and marketplaces.',
    'gpu', '["h100"]', '["pcie"]', null, null, '["neocloud","marketplace"]', '{"on_demand":1}', null),
  ('H200-SXM-OD', 'H200 SXM on-demand', 'USD per GPU-hour for H200 SXM on-demand at neoclouds and marketplaces.',
    'gpu', '["h200"]', '["sxm"]', null, null, '["neocloud","marketplace"]', '{"on_demand":1}', null),
  ('A100-SXM-OD', 'A100 SXM on-demand', 'USD per GPU-hour for A100 SXM on-demand at neoclouds and marketplaces.',
    'gpu', '["a100"]', '["sxm"]', null, null, '["neocloud","marketplace"]', '{"on_demand":1}', null),
  ('B200-SXM-OD', 'B200 SXM on-demand', 'USD per GPU-hour for B200 SXM on-demand at neoclouds and marketplaces.',
    'gpu', '["b200"]', '["sxm"]', null, null, '["neocloud","marketplace"]', '{"on_demand":1}', null),
  ('TOK-FRONTIER-BLEND', 'Frontier models, blended 3:1', 'USD per 1M tokens for frontier models at the standard tier, input and output blended 3:1: the headline token index.',
    'model', null, null, '["frontier"]', null, null, '{"input":3,"output":1}', null),
  ('TOK-FRONTIER-IN', 'Frontier models, input', 'USD per 1M input tokens for frontier models at the standard tier.',
    'model', null, null, '["frontier"]', null, null, '{"input":1}', null),
  ('TOK-FRONTIER-OUT', 'Frontier models, output', 'USD per 1M output tokens for frontier models at the standard tier.',
    'model', null, null, '["frontier"]', null, null, '{"output":1}', null),
  ('TOK-OPEN-BLEND', 'Open-weights models at inference hosts, blended 3:1', 'USD per 1M tokens for open-weights models served by inference hosts, input and output blended 3:1.',
    'model', null, null, null, true, '["inference_host"]', '{"input":3,"output":1}', null),
  ('TOK-SMALL-BLEND', 'Small models, blended 3:1', 'USD per 1M tokens for small-tier models at the standard tier, input and output blended 3:1.',
    'model', null, null, '["small"]', null, null, '{"input":3,"output":1}', null)
), full_def as (
  select code, name, description, kind,
    jsonb_build_object('families', families, 'variants', variants, 'tiers', tiers, 'open_weights', open_weights,
      'products', null, 'provider_kinds', provider_kinds, 'regions', null, 'service_tier', 'standard') as filter,
    segments, term_months,
    '{"statistic":"median","trim":0.1,"min_providers":3,"min_quotes":5,"windows":[1,3,7],"outlier_k":3.5,"base_date":null}'::jsonb as methodology
  from d
), ins as (
  insert into index_definitions (code, name, description, kind, filter, segments, term_months, methodology)
  select code, name, description, kind, filter, segments, term_months, methodology from full_def
  returning code
)
insert into index_definition_versions (code, methodology_version, filter, segments, term_months, methodology)
select f.code, 1, f.filter, f.segments, f.term_months, f.methodology from full_def f join ins using (code);

-- == 0040 read secrets
-- A secret shared by every app instance on this database. It signs the opaque pagination cursors of
-- the read API, so a cursor issued by one instance is honoured by another behind a load balancer,
-- and a cursor that was edited is refused. gen_random_uuid() is a CSPRNG; two of them give 244 bits.
create table cpx_secrets (
  name        text primary key,
  secret      text not null,
  created_at  timestamptz not null default now()
);
insert into cpx_secrets (name, secret)
values ('cursor', md5(gen_random_uuid()::text) || md5(gen_random_uuid()::text));

-- == 0041 the constituent type
-- One constituent of a fixing as the computation hands it to publishing: the columns of
-- fixing_constituents without fixing_id.
create type cpx_constituent as (
  provider text, product text, value numeric, segments jsonb, n_quotes int, quote_ids bigint[],
  excluded boolean, reason text
);
