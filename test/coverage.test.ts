import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { indexCoverage } from '../src/domain/coverage.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { goldenCases, loadCase } from './helpers/golden.ts'

// Coverage per index (#18): days published, ok and insufficient, and the constituents feeding the ok days.
const run = promisify(execFile)
const base = goldenCases().find((c) => c.name === '01-basic-median')!
const CODE = base.index.code

test('coverage counts the published days of an index and the constituents of its ok days', async (t) => {
  const app = await buildTestApp(t)
  await loadCase(app, base)
  // five providers quote h100-sxm on 2026-11-02: 11-01 has nothing in any window, 11-03 falls back to the
  // 3-day window (11-01..11-03) and finds the same five quotes
  const res = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: '2026-11-01', to: '2026-11-03', indices: [CODE] } })
  assert.equal(res.statusCode, 200, res.body)
  const [c] = await indexCoverage(app.db, { codes: [CODE] })
  assert.deepEqual(c, {
    code: CODE,
    methodology_version: 1,
    days: 3,
    ok: 2,
    insufficient: 1,
    first_ok: '2026-11-02',
    last_ok: '2026-11-03',
    providers: 5,
    products: 1,
    top_products: [{ product: 'h100-sxm', days: 2 }],
  })
  // a range narrows it; an index with no fixing has zeros and no days
  const [one] = await indexCoverage(app.db, { codes: [CODE], from: '2026-11-03', to: '2026-11-03' })
  assert.deepEqual([one!.days, one!.ok, one!.first_ok, one!.top_products], [1, 1, '2026-11-03', [{ product: 'h100-sxm', days: 1 }]])
  const all = await indexCoverage(app.db)
  assert.ok(all.length > 1)
  const other = all.find((r) => r.code !== CODE)!
  assert.deepEqual([other.days, other.ok, other.first_ok, other.providers, other.top_products], [0, 0, null, 0, []])
  // a revision counts once: the day's newest one
  const late = { ...base.quotes[0], price: '9.99', observed_at: '2026-11-01T12:00:00Z' }
  assert.equal((await app.inject({ method: 'POST', url: '/v1/quotes', headers: admin, payload: { quotes: [late] } })).statusCode, 200)
  await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: '2026-11-01', to: '2026-11-01', indices: [CODE] } })
  const [again] = await indexCoverage(app.db, { codes: [CODE] })
  assert.equal(again!.days, 3)
})

test('cpx coverage: refuses a bad date with exit 1; prints a row per index on an empty database', async (t) => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    run('npx', ['tsx', 'src/cli/main.ts', 'coverage', ...args], { env: { ...process.env, DATABASE_URL: '', ...env } }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }), (e: { code: number, stdout: string, stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }))
  const bad = await cli(['--from', '2026-13'])
  assert.equal(bad.code, 1)
  assert.match(bad.err, /--from must be YYYY-MM-DD/)
  // a well-formed but impossible day is refused before any query, with what is wrong
  const impossible = await cli(['--to', '2026-02-30'])
  assert.equal(impossible.code, 1)
  assert.match(impossible.err, /^--to is not a real calendar date \(2026-02 has 28 days\)/)
  const dir = mkdtempSync(join(tmpdir(), 'cpx-coverage-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const ok = await cli(['--json', '--index', 'H100-SXM-OD'], { DATA_DIR: dir })
  assert.equal(ok.code, 0, ok.err)
  assert.deepEqual(JSON.parse(ok.out), [{ code: 'H100-SXM-OD', methodology_version: 1, days: 0, ok: 0, insufficient: 0, first_ok: null, last_ok: null, providers: 0, products: 0, top_products: [] }])
})
