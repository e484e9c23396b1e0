-- 0064_model_tiers.sql
-- Dated tier membership (#17). products.tier is a model's size class at release; a row here changes the
-- tier a model is counted under from effective_from on (the written rule, docs/importers.md "Dated
-- tiers": a flagship leaves frontier when its lab has released two newer flagship generations).
-- 'retired' counts the model under no tier. With no row for a product its tier is products.tier on every
-- day, exactly as before this table (v1 fixings and hashes unchanged). Every row says who, when and why.
create table model_tiers (
  product         text not null references products (code),
  effective_from  date not null,
  tier            text not null check (tier in ('frontier', 'mid', 'small', 'retired')),
  reason          text not null check (length(reason) > 0),
  changed_by      text not null,
  changed_at      timestamptz not null default now(),
  primary key (product, effective_from)
);
