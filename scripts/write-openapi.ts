// npm run openapi: writes openapi/openapi.json from the route schemas; --check fails on drift instead.
import { readFileSync, writeFileSync } from 'node:fs'
import { renderOpenApi } from '../src/openapi.ts'

const FILE = 'openapi/openapi.json'
const spec = await renderOpenApi()
if (process.argv.includes('--check')) {
  let committed = ''
  try { committed = readFileSync(FILE, 'utf8') } catch {}
  if (committed !== spec) {
    process.stderr.write(`${FILE} is out of date with the routes: run \`npm run openapi\` and commit it\n`)
    process.exit(1)
  }
  process.stdout.write(`${FILE} matches the routes\n`)
} else {
  writeFileSync(FILE, spec)
  process.stdout.write(`wrote ${FILE}\n`)
}
