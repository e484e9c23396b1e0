// Writes migrations/0066_mappings_seed.sql from the code tables (src/importers/mappings.ts, models.ts):
// the seed of the `mappings` table. test/mappings-data.test.ts checks the committed file equals what this
// writes, so the two cannot drift. Once 0066 is applied a change is made through the API or `cpx mappings`.
import { writeFileSync } from 'node:fs'
import { mappingsSeedSql } from '../src/importers/mapping-seed.ts'

const FILE = 'migrations/0066_mappings_seed.sql'
writeFileSync(FILE, mappingsSeedSql())
process.stdout.write(`wrote ${FILE}\n`)
