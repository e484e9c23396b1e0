import { userInfo } from 'node:os'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { connect } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'
import { deleteMapping, DeleteMappingQuery, listMappings, MappingBody, putMapping, unmappedNames } from '../domain/mappings.ts'
import { MAPPING_KINDS, type MappingKind } from '../importers/mapping-set.ts'

export const MAPPINGS_USAGE = `cpx mappings list [--kind K] [--json]       the rules importers map names with (kinds: ${MAPPING_KINDS.join(', ')})
cpx mappings set KIND KEY JSON --reason WHY [--by WHO] [--position N]
                                             create or replace one rule (logged with who and why); counts from the next import
cpx mappings delete KIND KEY --reason WHY [--by WHO]
                                             remove one rule (logged with its last value, who and why); the next import no longer uses it
cpx mappings unmapped [--days N] [--json]   names the latest run of each source (last N days, default 7) could not map, with row counts`

const out = (s: string) => process.stdout.write(s + '\n')
const isKind = (k: string | undefined): k is MappingKind => MAPPING_KINDS.includes(k as MappingKind)

export async function mappingsCommand (args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { kind: { type: 'string' }, json: { type: 'boolean' }, reason: { type: 'string' }, by: { type: 'string' }, position: { type: 'string' }, days: { type: 'string' } },
  })
  const [sub, kind, key, json] = positionals
  const usage = (why?: string) => { process.stderr.write((why ? `cpx mappings: ${why}\n\n` : '') + MAPPINGS_USAGE + '\n'); return 1 }
  if (sub === 'list' && values.kind !== undefined && !isKind(values.kind)) return usage(`--kind must be one of ${MAPPING_KINDS.join(', ')}`)
  if (sub === 'set' && (!isKind(kind) || !key || !json)) return usage(isKind(kind) ? 'set needs KIND KEY JSON' : `KIND must be one of ${MAPPING_KINDS.join(', ')}`)
  if (sub === 'delete' && (!isKind(kind) || !key || json !== undefined)) return usage(isKind(kind) ? 'delete needs KIND KEY and nothing more' : `KIND must be one of ${MAPPING_KINDS.join(', ')}`)
  if (!['list', 'set', 'delete', 'unmapped'].includes(sub ?? '')) return usage()
  let body
  let by
  if (sub === 'delete') {
    const parsed = DeleteMappingQuery.safeParse({ reason: values.reason, changed_by: values.by ?? userInfo().username })
    if (!parsed.success) return usage(parsed.error.issues.map((i) => `${i.path.join('/')}: ${i.message}`).join('; '))
    by = parsed.data
  }
  if (sub === 'set') {
    let value: unknown
    try { value = JSON.parse(json!) } catch (e) { return usage(`JSON is not JSON: ${(e as Error).message}`) }
    const parsed = MappingBody.safeParse({ value, reason: values.reason, changed_by: values.by ?? userInfo().username, position: values.position === undefined ? undefined : Number(values.position) })
    if (!parsed.success) return usage(parsed.error.issues.map((i) => `${i.path.join('/')}: ${i.message}`).join('; '))
    body = parsed.data
  }
  const database = await connect(loadConfig())
  try {
    await migrate(database)
    const { db } = database
    if (sub === 'list') {
      const rows = await listMappings(db, values.kind as MappingKind | undefined)
      out(values.json ? JSON.stringify(rows, null, 2) : rows.map((r) => `${r.kind.padEnd(16)} ${r.key.padEnd(34)} ${String(r.position).padStart(5)}  ${JSON.stringify(r.value)}`).join('\n'))
      return 0
    }
    if (sub === 'set') {
      try {
        const { created, mapping } = await putMapping(db, kind as MappingKind, key!, body!)
        out(`${created ? 'created' : 'set'} ${mapping.kind} ${mapping.key} at ${mapping.position}: ${JSON.stringify(mapping.value)} (the next import maps with it)`)
        return 0
      } catch (err) {
        const errors = (err as { errors?: Array<{ path: string, reason: string }> }).errors
        if (!errors) throw err
        process.stderr.write(`cpx mappings: not stored: ${errors.map((e) => `${e.path}: ${e.reason}`).join('; ')}\n`)
        return 2
      }
    }
    if (sub === 'delete') {
      try {
        const change = await deleteMapping(db, kind as MappingKind, key!, by!)
        out(`deleted ${change.kind} ${change.key} (was ${JSON.stringify(change.old_value)} at ${change.old_position}; change ${change.id}): the next import no longer uses it`)
        return 0
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode
        if (status !== 404 && status !== 409) throw err
        process.stderr.write(`cpx mappings: ${(err as Error).message}\n`)
        return 2
      }
    }
    const rows = await unmappedNames(db, values.days ? Number(values.days) : 7)
    out(values.json ? JSON.stringify(rows, null, 2) : rows.length ? rows.map((r) => `${r.source.padEnd(14)} ${String(r.rows).padStart(6)} rows  ${r.name}  (run ${r.last_run})`).join('\n') : 'nothing unmapped in the latest runs')
    return 0
  } finally { await database.close() }
}
