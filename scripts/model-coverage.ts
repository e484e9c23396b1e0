import { modelCoverage } from '../src/importers/model-coverage.ts'

// Lists every chat model name in the sample files (default ../shared/data) with its outcome, then the counts.
// Usage: npm run model-coverage [-- <dir>] [--unmapped]
const args = process.argv.slice(2)
const dir = args.find((a) => !a.startsWith('--')) ?? '../shared/data'
const c = modelCoverage(dir)
for (const [bare, { outcome, sources }] of [...c.bare].sort(([a], [b]) => (a < b ? -1 : 1))) {
  if (!args.includes('--unmapped') || outcome === 'unmapped') console.log(`${bare}\t${outcome}\t${[...sources].join(',')}`)
}
console.log(JSON.stringify({ source_names: c.names, bare_names: c.bare.size, ...c.counts }))
