import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { connect } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'
import { createApiKey, listApiKeys, revokeApiKey, SCOPES, type Scope } from '../domain/api-keys.ts'

export async function keysCommand (args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args, allowPositionals: true, options: { scope: { type: 'string' }, name: { type: 'string' } },
  })
  const [sub, target] = positionals
  if (sub === 'create' && (!values.scope || !SCOPES.includes(values.scope as Scope) || !values.name)) {
    process.stderr.write(`cpx keys create needs --scope (${SCOPES.join('|')}) and --name\n`)
    return 1
  }
  if (sub === 'revoke' && !target) { process.stderr.write('cpx keys revoke needs an id or a prefix\n'); return 1 }
  if (!['create', 'list', 'revoke'].includes(sub ?? '')) { process.stderr.write('usage: cpx keys create|list|revoke\n'); return 1 }
  const database = await connect(loadConfig())
  try {
    await migrate(database)
    if (sub === 'create') {
      const { key, info } = await createApiKey(database.db, values.name!, values.scope as Scope)
      process.stdout.write(`${key}\n`)
      process.stderr.write(`created key ${info.id} (${info.prefix}…, scope ${info.scope}); it is shown once and stored only as a hash\n`)
    } else if (sub === 'list') {
      for (const k of await listApiKeys(database.db)) {
        process.stdout.write(`${k.id}\t${k.prefix}…\t${k.scope}\t${k.name}\t${k.revoked_at ? 'revoked ' + k.revoked_at : 'active'}\n`)
      }
    } else {
      const n = await revokeApiKey(database.db, target!)
      process.stdout.write(n ? `revoked ${n} key(s)\n` : 'no active key matched\n')
      if (!n) return 1
    }
    return 0
  } finally { await database.close() }
}
