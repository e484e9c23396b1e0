import type { ColumnType, Generated } from 'kysely'

// Hand-written table types (STYLE §5). numeric columns are strings: exact decimals, never floats.
// Timestamps come back as RFC 3339 strings (see connect.ts) and go in as strings.
type Timestamp = ColumnType<string, string | undefined, string>
type Json = ColumnType<unknown, string, string>
type JsonWithDefault = ColumnType<unknown, string | undefined, string>

export interface ProviderTable {
  slug: string
  name: string
  kind: string
  website: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ProductTable {
  code: string
  kind: string
  name: string
  family: string
  variant: string | null
  tier: string | null
  open_weights: boolean | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface FxRateTable {
  currency: string
  date: string
  usd_per_unit: string
  source: string
  created_at: Timestamp
}

export interface QuoteTable {
  id: Generated<number>
  provider: string
  product: string
  segment: string
  term_months: number | null
  service_tier: string | null
  region: string | null
  price: string
  currency: string
  unit: string
  gpus_per_instance: number | null
  fx_usd_per_unit: string
  usd_price: string
  observed_at: string
  observed_day: string
  source: string | null
  ingested_at: Timestamp
  /** the source run that stored it (0043) */
  run_id: ColumnType<number | null, number | null | undefined, never>
}

export interface IndexDefinitionTable {
  code: string
  name: string
  description: string
  kind: string
  filter: Json
  segments: Json
  term_months: number | null
  methodology: Json
  methodology_version: Generated<number>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface IndexDefinitionVersionTable {
  code: string
  methodology_version: number
  filter: Json
  segments: Json
  term_months: number | null
  methodology: Json
  created_at: Timestamp
}

export interface FixingTable {
  id: Generated<number>
  index_code: string
  date: string
  revision: number
  status: string
  value: string | null
  level: string | null
  window_days: number
  n_providers: number
  n_contributors: number
  n_quotes: number
  n_excluded: number
  min: string | null
  p25: string | null
  p75: string | null
  max: string | null
  hhi: string | null
  max_provider_impact: string | null
  methodology_version: number
  reason: string
  hash: string
  published_at: Timestamp
}

export interface FixingConstituentTable {
  fixing_id: number
  provider: string
  product: string
  value: string | null
  segments: Json
  n_quotes: number
  quote_ids: ColumnType<number[], number[], never>
  excluded: boolean
  reason: string | null
}

export interface ApiKeyTable {
  id: Generated<number>
  name: string
  scope: string
  prefix: string
  key_hash: string
  created_at: Timestamp
  revoked_at: string | null
  last_used_at: string | null
}

export interface SourceTable {
  name: string
  importer: string
  url: string
  provider: ColumnType<string | null, string | null | undefined, string | null>
  interval_seconds: ColumnType<number, number | undefined, number>
  enabled: ColumnType<boolean, boolean | undefined, boolean>
  /** header name → environment variable name; never a value */
  header_env: JsonWithDefault
  timeout_ms: ColumnType<number, number | undefined, number>
  max_bytes: ColumnType<number, number | undefined, number>
  retries: ColumnType<number, number | undefined, number>
  stale_after_seconds: ColumnType<number | null, number | null | undefined, number | null>
  next_run_at: Timestamp
  created_at: Timestamp
  updated_at: Timestamp
}

export interface SourcePayloadTable {
  sha256: string
  bytes: Uint8Array
  size: number
  first_seen_at: Timestamp
}

export interface SourceRunTable {
  id: Generated<number>
  source: string
  importer: string
  trigger: 'schedule' | 'manual' | 'import'
  url: string | null
  provider: string | null
  started_at: Timestamp
  finished_at: string | null
  status: Generated<'running' | 'ok' | 'failed'>
  attempts: Generated<number>
  http_status: number | null
  bytes: number | null
  sha256: string | null
  observed_at: string | null
  rows_read: number | null
  quotes: number | null
  accepted: number | null
  duplicates: number | null
  rejected: JsonWithDefault
  skipped: JsonWithDefault
  unmapped: JsonWithDefault
  unchanged: Generated<boolean>
  error_kind: string | null
  error: string | null
  /** --git-history: the commit the payload is the file at (0045) */
  git_commit: ColumnType<string | null, string | null | undefined, string | null>
}

export interface MappingTable {
  kind: string
  key: string
  position: ColumnType<number, number | undefined, number>
  value: ColumnType<Record<string, unknown>, string, string>
  updated_by: ColumnType<string, string | undefined, string>
  updated_at: Timestamp
}

export interface MappingChangeTable {
  id: Generated<number>
  kind: string
  key: string
  old_value: ColumnType<Record<string, unknown> | null, string | null, never>
  new_value: ColumnType<Record<string, unknown> | null, string | null, never>
  old_position: ColumnType<number | null, number | null, never>
  new_position: ColumnType<number | null, number | null, never>
  changed_by: string
  changed_at: Timestamp
  reason: string
}

export interface SchemaMigrationTable {
  version: number
  name: string
  checksum: string
  applied_at: Timestamp
}

export interface SchemaSqlFileTable {
  path: string
  checksum: string
  applied_at: Timestamp
}

export interface Schema {
  providers: ProviderTable
  products: ProductTable
  fx_rates: FxRateTable
  quotes: QuoteTable
  index_definitions: IndexDefinitionTable
  index_definition_versions: IndexDefinitionVersionTable
  fixings: FixingTable
  fixing_constituents: FixingConstituentTable
  api_keys: ApiKeyTable
  schema_migrations: SchemaMigrationTable
  schema_sql_files: SchemaSqlFileTable
  sources: SourceTable
  source_payloads: SourcePayloadTable
  source_runs: SourceRunTable
  mappings: MappingTable
  mapping_changes: MappingChangeTable
}
