-- 0003_indices.sql
-- Index definitions and their methodology versions; fixings as revisions with their constituents.
-- Nothing here is updated in place except the definition's current row: every methodology version
-- is kept in index_definition_versions, every fixing revision in fixings.

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

create function cpx_fixings_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'fixings are never changed or deleted: store a new revision (% refused)', tg_op using errcode = 'P0001';
end
$$;
create trigger fixings_append_only before update or delete on fixings
  for each row execute function cpx_fixings_append_only();
create trigger fixing_constituents_append_only before update or delete on fixing_constituents
  for each row execute function cpx_fixings_append_only();
