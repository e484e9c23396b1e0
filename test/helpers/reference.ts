import { readdirSync, readFileSync } from 'node:fs'
import type { Database } from '../../src/db/connect.ts'

// The plain reference of methodology v1 (sql/reference/*.sql). Until the migrator applies that folder
// itself, the tests that need it apply it: every file is create-or-replace, so applying twice is harmless.

const DIR = new URL('../../sql/reference/', import.meta.url).pathname

export async function applyReference (database: Database): Promise<void> {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort()
  await database.script(async (run) => { for (const f of files) await run(readFileSync(DIR + f, 'utf8')) })
}
