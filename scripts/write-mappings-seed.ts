// Writes migrations/0066_mappings_seed.sql and the later seeds (0073) from the code tables
// (src/importers/mappings.ts, models.ts): the seed of the `mappings` table. test/mappings-data.test.ts checks
// the committed files equal what this writes, so they cannot drift. Once a seed is applied a change is made
// through the API or `cpx mappings`; a new code-table row goes into a new seed migration (mapping-seed.ts LATER).
import { writeFileSync } from 'node:fs'
import { mappingsSeedFiles } from '../src/importers/mapping-seed.ts'

for (const [name, text] of Object.entries(mappingsSeedFiles())) {
  writeFileSync(`migrations/${name}`, text)
  process.stdout.write(`wrote migrations/${name}\n`)
}
