import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { loadQuotesFile, rejectsPath } from '../src/cli/quotes.ts'
import { checkQuotes, ingestQuotes } from '../src/domain/quotes.ts'
import { countQuotes, fileHooks, gpuQuote, modelQuote, seededApp, type TestApp } from './helpers/ingest-seed.ts'

// cpx quotes load: files beyond one request, in batches; bad rows do not stop the load, they go to
// a rejects file (same format, reasons in _error) that loads cleanly once fixed.

let app: TestApp
const dir = mkdtempSync(join(tmpdir(), 'cpx-load-'))
fileHooks.after(() => rmSync(dir, { recursive: true, force: true }))
before(async () => { app = await seededApp() })

test('a CSV with bad rows: good rows stored, bad rows written with reasons, fixed file reloads', async () => {
  const file = join(dir, 'quotes.csv')
  writeFileSync(file, [
    'provider,product,segment,price,currency,unit,gpus_per_instance,observed_at',
    'lambda,h100-sxm,on_demand,2.99,USD,gpu_hour,,2026-04-01T00:00:00Z',
    'lambda,h100-sxm,on_demand,-1,USD,gpu_hour,,2026-04-01T00:00:00Z',
    'nobody,h100-sxm,on_demand,2.5,USD,gpu_hour,,2026-04-01T00:00:00Z',
    'lambda,h100-sxm,on_demand,98.32,USD,instance_hour,8,2026-04-01T00:00:00Z',
  ].join('\n') + '\n')
  const first = await loadQuotesFile(app.db, file)
  assert.deepEqual({ ...first, errors: first.errors.map((e) => e.path) }, {
    read: 4, accepted: 2, duplicates: 0, rejected: 2, errors: ['row/1/price', 'row/2/provider'], rejects_file: rejectsPath(file),
  })
  assert.equal(rejectsPath(file), join(dir, 'quotes.rejected.csv'))
  const rejects = readFileSync(rejectsPath(file), 'utf8')
  assert.match(rejects, /^provider,product,segment,price,currency,unit,observed_at,_error\n/)
  assert.match(rejects, /-1,.*price: must be greater than 0/)
  assert.match(rejects, /nobody,.*provider: unknown provider nobody/)
  // Fix the rejects file and load it: the _error column is ignored.
  const fixed = join(dir, 'fixed.csv')
  writeFileSync(fixed, rejects.replace(',-1,', ',3.09,').replace('nobody,', 'aws,'))
  const second = await loadQuotesFile(app.db, fixed)
  assert.deepEqual([second.accepted, second.duplicates, second.rejected], [2, 0, 0])
  // Loading the original again: the stored rows are duplicates, the bad ones still bad.
  const third = await loadQuotesFile(app.db, file)
  assert.deepEqual([third.accepted, third.duplicates, third.rejected], [0, 2, 2])
})

test('JSON ({"quotes"} or a bare array) and NDJSON with a line that is not JSON', async () => {
  const json = join(dir, 'a.json')
  writeFileSync(json, JSON.stringify({ quotes: [gpuQuote({ price: '2.01', observed_at: '2026-04-02T00:00:00Z' })] }))
  assert.equal((await loadQuotesFile(app.db, json)).accepted, 1)
  const arr = join(dir, 'b.json')
  writeFileSync(arr, JSON.stringify([modelQuote({ price: 0.0000021, unit: 'token', observed_at: '2026-04-02T00:00:00Z' })]))
  assert.equal((await loadQuotesFile(app.db, arr)).accepted, 1)
  const nd = join(dir, 'c.ndjson')
  writeFileSync(nd, [JSON.stringify(gpuQuote({ price: '2.02', observed_at: '2026-04-02T00:00:00Z' })), '{"provider": oops', JSON.stringify(gpuQuote({ price: 'free' }))].join('\n'))
  const s = await loadQuotesFile(app.db, nd)
  assert.deepEqual([s.read, s.accepted, s.rejected], [3, 1, 2])
  assert.equal(s.errors[0]!.reason, 'the line is not JSON')
  const lines = readFileSync(rejectsPath(nd), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(lines.length, 2)
  assert.match(lines[1]._error, /^price: must be a decimal number/)
})

test('a file beyond one request goes in batches of 10,000 and reports progress', { timeout: 300_000 }, async () => {
  const file = join(dir, 'big.ndjson')
  const n = 10_050
  writeFileSync(file, Array.from({ length: n }, (_, i) => JSON.stringify(gpuQuote({ price: `1.${String(i).padStart(5, '0')}7`, observed_at: '2026-03-01T00:00:00Z' }))).join('\n'))
  const before = await countQuotes(app)
  const progress: number[] = []
  const s = await loadQuotesFile(app.db, file, { onProgress: (done) => progress.push(done) })
  assert.deepEqual([s.read, s.accepted, s.duplicates, s.rejected], [n, n, 0, 0])
  assert.deepEqual(progress, [10_000, n])
  assert.equal(await countQuotes(app), before + n)
})

test('checkQuotes (for loaders): valid rows and every error, nothing stored; ingestQuotes partial stores the rest', async () => {
  const rows = [gpuQuote({ price: '2.41', observed_at: '2026-02-01T00:00:00Z' }), gpuQuote({ provider: 'nobody' }), gpuQuote({ price: 'x' }), modelQuote({ price: '1.5', observed_at: '2026-02-01T00:00:00Z' })]
  const before = await countQuotes(app)
  const c = await checkQuotes(app.db, rows)
  assert.deepEqual(c.valid.map((r) => r.index), [0, 3])
  assert.deepEqual(c.errors.map((e) => e.path), ['quotes/1/provider', 'quotes/2/price'])
  assert.equal(c.valid[1]!.price, '1.5')
  assert.equal(await countQuotes(app), before)
  const r = await ingestQuotes(app.db, rows, { partial: true })
  assert.deepEqual([r.accepted, r.duplicates, r.rejected, r.errors.length], [2, 0, 2, 2])
  await assert.rejects(ingestQuotes(app.db, rows), (err: Error & { statusCode?: number, errors?: unknown[] }) => err.statusCode === 422 && err.errors?.length === 2)
  await assert.rejects(ingestQuotes(app.db, rows, { maxRows: 3 }), (err: Error & { statusCode?: number }) => err.statusCode === 413)
})
