// npm run client: writes openapi/client.d.ts (types for openapi-fetch) from openapi/openapi.json with
// openapi-typescript; --check fails when the committed file has drifted from the contract instead.
import { readFileSync, writeFileSync } from 'node:fs'
import { renderClientTypes } from './client-types.ts'

const FILE = 'openapi/client.d.ts'
const types = await renderClientTypes(readFileSync('openapi/openapi.json', 'utf8'))
if (process.argv.includes('--check')) {
  let committed = ''
  try { committed = readFileSync(FILE, 'utf8') } catch {}
  if (committed !== types) {
    process.stderr.write(`${FILE} is out of date with openapi/openapi.json: run \`npm run client\` and commit it\n`)
    process.exit(1)
  }
  process.stdout.write(`${FILE} matches openapi/openapi.json\n`)
} else {
  writeFileSync(FILE, types)
  process.stdout.write(`wrote ${FILE}\n`)
}
