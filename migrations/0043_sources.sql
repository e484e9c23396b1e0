-- 0043_sources.sql
-- Collectors (issue #18): where public prices come from, every fetch of them, and the exact bytes.
-- A source is data: name, importer (a parser of src/importers/sources.ts), URL, schedule. Headers are
-- kept as environment-variable NAMES (header → variable), never their values: no secret is stored here.
create table sources (
  name text primary key check (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  importer text not null,
  url text not null check (url ~ '^https?://'),
  -- skypilot: the cloud the catalog is for (else read from the URL)
  provider text,
  interval_seconds integer not null default 3600 check (interval_seconds between 60 and 2592000),
  enabled boolean not null default true,
  header_env jsonb not null default '{}'::jsonb check (jsonb_typeof(header_env) = 'object'),
  timeout_ms integer not null default 30000 check (timeout_ms between 100 and 600000),
  max_bytes integer not null default 67108864 check (max_bytes between 1024 and 1073741824),
  retries integer not null default 2 check (retries between 0 and 10),
  -- the stale alarm: no successful run for this long (null: three intervals)
  stale_after_seconds integer check (stale_after_seconds >= 60),
  -- the claimed row: an instance runs a source only by moving next_run_at forward first (one wins)
  next_run_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Raw payloads, content-addressed: a payload seen before stores nothing new.
create table source_payloads (
  sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
  bytes bytea not null,
  size integer not null,
  first_seen_at timestamptz not null default now()
);

-- One row per fetch or file import, successful or not. `source` is a source's name, or the importer's for
-- `cpx import` runs (trigger 'import'); a deleted source keeps its runs.
create table source_runs (
  id bigint generated always as identity primary key,
  source text not null,
  importer text not null,
  trigger text not null check (trigger in ('schedule', 'manual', 'import')),
  url text,
  provider text,
  started_at timestamptz not null default clock_timestamp(),
  finished_at timestamptz,
  status text not null default 'running' check (status in ('running', 'ok', 'failed')),
  attempts integer not null default 0,
  http_status integer,
  bytes bigint,
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  -- what the parser was given: re-parsing the payload with these gives the same quotes
  observed_at timestamptz,
  rows_read integer,
  quotes integer,
  accepted integer,
  duplicates integer,
  rejected jsonb not null default '{}'::jsonb,
  skipped jsonb not null default '{}'::jsonb,
  unmapped jsonb not null default '{}'::jsonb,
  -- same bytes as this source's last good run the same UTC day: nothing new was stored
  unchanged boolean not null default false,
  error_kind text check (error_kind in ('http_status', 'timeout', 'network', 'too_large', 'malformed', 'schema_change', 'config', 'database', 'interrupted')),
  error text
);
create index source_runs_by_source on source_runs (source, id desc);

-- The run that stored each quote (null: POST /v1/quotes, the demo, quotes older than collectors). Not part
-- of any fixing hash: hashes are computed from figures and constituents only.
alter table quotes add column run_id bigint references source_runs (id);
create index quotes_by_run on quotes (run_id) where run_id is not null;

insert into sources (name, importer, url, provider, interval_seconds) values
  ('openrouter', 'openrouter', 'https://openrouter.ai/api/v1/models', null, 3600),
  ('litellm', 'litellm', 'https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json', null, 21600),
  ('genai-prices', 'genai-prices', 'https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json', null, 21600),
  ('skypilot-lambda', 'skypilot', 'https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v8/lambda/vms.csv', 'lambda', 21600),
  ('skypilot-aws', 'skypilot', 'https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v8/aws/vms.csv', 'aws', 21600),
  ('skypilot-azure', 'skypilot', 'https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v8/azure/vms.csv', 'azure', 21600),
  ('skypilot-gcp', 'skypilot', 'https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v8/gcp/vms.csv', 'gcp', 21600),
  ('vast', 'vast', 'https://console.vast.ai/api/v0/bundles/?q=%7B%22rentable%22%3A%7B%22eq%22%3Atrue%7D%7D', null, 3600);
