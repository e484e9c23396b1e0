import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { renderOpenApi } from '../src/openapi.ts'
import { testDatabase } from './helpers/db.ts'

test('openapi/openapi.json is what the routes generate (run `npm run openapi` after changing a route)', async (t) => {
  const generated = await renderOpenApi(await testDatabase(t))
  const committed = readFileSync('openapi/openapi.json', 'utf8')
  assert.equal(committed, generated)
})
