// The baseline (migrations/0000_baseline.sql) replaced migrations 0001–0042. A database that applied all of
// them has today's schema already: it records the baseline as applied and never runs it. One that applied
// only some of them cannot be carried forward by this code (its missing steps are gone from the tree).

export const BASELINE_VERSION = 0

/** The migrations the baseline replaced, as schema_migrations recorded them (git: 86630c5:migrations/). */
export const BEFORE_BASELINE = [
  '0001_catalog.sql', '0002_quotes.sql', '0003_indices.sql', '0004_api_keys.sql', '0005_default_catalog.sql',
  '0020_exact_statistics.sql', '0021_methodology_v1.sql', '0022_fixing_revisions.sql',
  '0023_engine_chosen_window.sql', '0024_engine_window_arrays.sql', '0025_publish_less_parsing.sql',
  '0026_engine_generic_plan.sql', '0027_engine_first_window.sql', '0028_publish_current_once.sql',
  '0029_engine_later_windows_guard.sql', '0030_engine_shared_reads.sql', '0040_read_secrets.sql',
  '0041_engine_fewer_passes.sql', '0042_first_publication.sql',
]

/**
 * What to do with the baseline, from the rows of schema_migrations: 'apply' on an empty database,
 * 'record' when all of 0001–0042 were applied, 'done' when it is recorded. Throws on part of 0001–0042.
 */
export function baselineAction (applied: Array<{ version: number, name: string }>): 'apply' | 'record' | 'done' {
  if (applied.some((r) => r.version === BASELINE_VERSION)) return 'done'
  const names = new Set(applied.map((r) => r.name))
  const had = BEFORE_BASELINE.filter((n) => names.has(n))
  if (had.length === 0) return 'apply'
  if (had.length === BEFORE_BASELINE.length) return 'record'
  const missing = BEFORE_BASELINE.filter((n) => !names.has(n))
  throw new Error(`this database applied ${had.at(-1)} but not ${missing.join(', ')}: the baseline replaces ` +
    'migrations 0001–0042 and carries forward only a database that has all of them. Upgrade it through ' +
    '0042_first_publication.sql first with CPX at commit 86630c5 (the last with those files: `git checkout 86630c5 ' +
    '&& npm ci && npm run cli -- migrate`), then run this version')
}
