-- 0055_methodology_v2_tables.sql
-- What methodology v2 (docs/methodology.md, "Methodology v2") stores beside v1's rows. v1 writes none of
-- it: its fixings have n_models null and no model or rule rows, and its figures and hashes are unchanged.

-- A posted (list) price stays in force until the same series quotes again or max_posted_age_days pass
-- (v2). A quote is posted when its source is listed here: the importers of published price lists.
-- Everything else (a marketplace feed, a CSV of observed offers, a quote posted to the API under any
-- other source) is an observed market quote and keeps the window rule. Data, not code: a new list
-- importer adds a row.
create table posted_price_sources (
  source  text primary key,
  note    text not null
);
insert into posted_price_sources (source, note) values
  ('litellm', 'LiteLLM model_prices_and_context_window.json: providers'' list prices'),
  ('genai-prices', 'pydantic genai-prices: list prices, dated sets on their start dates'),
  ('llm-prices', 'llm-prices.com: list prices with price_history from dates'),
  ('openrouter', 'OpenRouter /api/v1/models: the router''s posted per-model prices'),
  ('skypilot', 'SkyPilot catalogs: the clouds'' posted instance prices');

-- v2 counts the models behind a fixing (one value per model, then the index over models)
alter table fixings add column n_models integer check (n_models >= 0);

-- v2's second stage: one row per model of a fixing, the value it entered the index with.
create table fixing_models (
  fixing_id       bigint not null references fixings (id),
  product         text not null,
  value           numeric not null,
  weight          numeric not null,
  n_contributors  integer not null,
  n_providers     integer not null,
  n_quotes        integer not null,
  primary key (fixing_id, product)
);

-- v2: for each constituent's segment, which rule kept its price and how old the price is on the
-- fixing day (fixing day − the UTC day it was observed).
create table fixing_constituent_rules (
  fixing_id    bigint not null references fixings (id),
  provider     text not null,
  product      text not null,
  segment      text not null,
  kept_by      text not null check (kept_by in ('window', 'posted')),
  age_days     integer not null check (age_days >= 0),
  observed_on  date not null,
  primary key (fixing_id, provider, product, segment)
);

create trigger fixing_models_append_only before update or delete on fixing_models
  for each row execute function cpx_fixings_append_only();
create trigger fixing_constituent_rules_append_only before update or delete on fixing_constituent_rules
  for each row execute function cpx_fixings_append_only();

-- rows of those two tables as cpx_compute_fixings_v2 hands them to publishing
create type cpx_model as (
  product text, value numeric, weight numeric, n_contributors int, n_providers int, n_quotes int
);
create type cpx_constituent_rule as (
  provider text, product text, segment text, kept_by text, age_days int, observed_on date
);
