// npm run client: writes packages/client/src/openapi.d.ts — the one generated client: the SDK's types and,
// re-exported by the SDK as `paths`/`components`, what openapi-fetch takes — from openapi/openapi.json with
// openapi-typescript; --check fails when the committed file has drifted from the contract instead.
import { readFileSync, writeFileSync } from 'node:fs'
import { renderClientTypes } from './client-types.ts'

const FILES = ['packages/client/src/openapi.d.ts']
const types = await renderClientTypes(readFileSync('openapi/openapi.json', 'utf8'))
if (process.argv.includes('--check')) {
  for (const file of FILES) {
    let committed = ''
    try { committed = readFileSync(file, 'utf8') } catch {}
    if (committed !== types) {
      process.stderr.write(`${file} is out of date with openapi/openapi.json: run \`npm run client\` and commit it\n`)
      process.exit(1)
    }
    process.stdout.write(`${file} matches openapi/openapi.json\n`)
  }
} else {
  for (const file of FILES) {
    writeFileSync(file, types)
    process.stdout.write(`wrote ${file}\n`)
  }
}
