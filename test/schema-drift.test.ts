import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { renderSchema } from '../src/db/schema-text.ts'
import { testDatabase } from './helpers/db.ts'

test('sql/schema.sql is the schema the migrations and sql/functions make (run `npm run schema` after changing them)', async (t) => {
  const generated = await renderSchema(await testDatabase(t))
  assert.equal(readFileSync('sql/schema.sql', 'utf8'), generated)
})
