-- 0065_mappings.sql
-- Mappings as data (issue #18): the rules that turn a source's names into CPX providers and products
-- (provider names per source, GPU products, SkyPilot instance types, Vast GPU names, model rules,
-- exclusions) are rows, not code. An import reads them once per run; the code tables of
-- src/importers/mappings.ts and models.ts are only the seed (0066). `position` orders the kinds where
-- the first match wins (instance_type, model_rule, exclusion); `value` is checked per kind by the API.
create table mappings (
  kind text not null check (kind in ('provider', 'source_provider', 'gpu_product', 'instance_type', 'vast_gpu', 'model_rule', 'exclusion')),
  key text not null check (length(key) between 1 and 200),
  position integer not null default 0,
  value jsonb not null check (jsonb_typeof(value) = 'object'),
  updated_by text not null default 'seed',
  updated_at timestamptz not null default now(),
  primary key (kind, key)
);

-- Every change, who, when and why; append-only (the seed is not a change: it has no row here).
create table mapping_changes (
  id bigint generated always as identity primary key,
  kind text not null,
  key text not null,
  old_value jsonb,
  new_value jsonb,
  old_position integer,
  new_position integer,
  changed_by text not null,
  changed_at timestamptz not null default clock_timestamp(),
  reason text not null check (length(reason) between 1 and 1000)
);
create index mapping_changes_key on mapping_changes (kind, key, id);
-- append-only: sql/functions/cpx_mapping_changes_append_only.sql (function and trigger)
