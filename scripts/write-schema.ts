// npm run schema: writes sql/schema.sql from a freshly migrated in-memory database; --check fails on drift.
import { readFileSync, writeFileSync } from 'node:fs'
import { connect } from '../src/db/connect.ts'
import { migrate } from '../src/db/migrate.ts'
import { renderSchema } from '../src/db/schema-text.ts'

const FILE = 'sql/schema.sql'
const database = await connect({ DATA_DIR: '', memory: true })
await migrate(database)
const schema = await renderSchema(database)
await database.close()
if (process.argv.includes('--check')) {
  let committed = ''
  try { committed = readFileSync(FILE, 'utf8') } catch {}
  if (committed !== schema) {
    process.stderr.write(`${FILE} is out of date with the migrations: run \`npm run schema\` and commit it\n`)
    process.exit(1)
  }
  process.stdout.write(`${FILE} matches the migrations\n`)
} else {
  writeFileSync(FILE, schema)
  process.stdout.write(`wrote ${FILE}\n`)
}
