import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { importCommand } from '../src/cli/import.ts'
import { upsertProduct, upsertProvider } from '../src/domain/catalog.ts'
import { slugProblem } from '../src/domain/quote-input.ts'
import { fetchSource, readSourceFile, SourceUnavailable } from '../src/importers/read-source.ts'
import { importExitCode, runImport } from '../src/importers/run.ts'
import { SOURCES } from '../src/importers/sources.ts'
import { testDatabase } from './helpers/db.ts'

const F = 'test/fixtures/importers'
const at = '2026-08-20T00:00:00Z'
const parse = (source: string, file: string) => SOURCES[source]!.parse(readSourceFile(`${F}/${file}`, true), { observedAt: at, fileName: file })

test('an import creates what is missing, stores through ingestQuotes, and a re-import is all duplicates', async (t) => {
  const { db } = await testDatabase(t)
  const first = await runImport(db, parse('skypilot', 'lambda_vms.csv'))
  assert.deepEqual({ ...first, skipped: undefined, unmapped: undefined }, {
    source: 'skypilot',
    dry_run: false,
    rows_read: 11,
    quotes: 6,
    accepted: 6,
    duplicates: 0,
    invalid: {},
    skipped: undefined,
    unmapped: undefined,
    created_providers: ['lambda'],
    created_products: ['h100-sxm', 'h100-pcie', 'b200-sxm'],
  })
  const again = await runImport(db, parse('skypilot', 'lambda_vms.csv'))
  assert.equal(again.accepted, 0)
  assert.equal(again.duplicates, 6)
  assert.deepEqual(again.created_providers, [])
  // instance price ÷ GPU count, in SQL: 23.92 / 8 = 2.99
  const rows = await db.selectFrom('quotes').select(['product', 'gpus_per_instance', 'usd_price']).where('segment', '=', 'on_demand')
    .where('product', 'in', ['h100-sxm', 'h100-pcie']).orderBy('product').orderBy('gpus_per_instance').execute()
  assert.deepEqual(rows.map((r) => [r.product, r.gpus_per_instance, r.usd_price]), [
    ['h100-pcie', 1, '2.4900000000'], ['h100-sxm', 1, '3.2900000000'], ['h100-sxm', 8, '2.9900000000'],
  ])
  const product = await db.selectFrom('products').selectAll().where('code', '=', 'h100-sxm').executeTakeFirstOrThrow()
  assert.deepEqual([product.kind, product.family, product.variant], ['gpu', 'h100', 'sxm'])
})

test('per-token prices normalize to USD per 1M; model products carry family, tier and open_weights', async (t) => {
  const { db } = await testDatabase(t)
  const s = await runImport(db, parse('openrouter', 'openrouter-models.json'))
  assert.equal(s.accepted, 9)
  assert.equal(s.skipped.dynamic_price, 2)
  const q = await db.selectFrom('quotes').select(['segment', 'usd_price']).where('product', '=', 'openai/gpt-5.5')
    .where('service_tier', '=', 'standard').orderBy('segment').execute()
  assert.deepEqual(q, [{ segment: 'cached_input', usd_price: '0.5000000000' }, { segment: 'input', usd_price: '5.0000000000' },
    { segment: 'output', usd_price: '30.0000000000' }])
  const p = await db.selectFrom('products').selectAll().where('code', '=', 'openai/gpt-5.5').executeTakeFirstOrThrow()
  assert.deepEqual([p.family, p.tier, p.open_weights], ['gpt-5', 'frontier', false])
  const provider = await db.selectFrom('providers').selectAll().where('slug', '=', 'openrouter').executeTakeFirstOrThrow()
  assert.equal(provider.kind, 'inference_host')
})

test('existing providers and products are not overwritten by an import', async (t) => {
  const { db } = await testDatabase(t)
  await upsertProvider(db, 'lambda', { name: 'Lambda Labs (edited)', kind: 'neocloud' })
  const s = await runImport(db, parse('skypilot', 'lambda_vms.csv'))
  assert.deepEqual(s.created_providers, [])
  const p = await db.selectFrom('providers').select('name').where('slug', '=', 'lambda').executeTakeFirstOrThrow()
  assert.equal(p.name, 'Lambda Labs (edited)')
})

test('csv: the validation of POST /v1/quotes refuses bad rows, by reason; good rows are stored', async (t) => {
  const { db } = await testDatabase(t)
  await upsertProvider(db, 'csv-cloud', { name: 'CSV Cloud', kind: 'neocloud' })
  await upsertProduct(db, 'h100-sxm', { kind: 'gpu', name: 'H100 SXM', family: 'h100', variant: 'sxm' })
  const s = await runImport(db, parse('csv', 'quotes.csv'))
  assert.equal(s.accepted, 3)
  assert.deepEqual(s.invalid, {
    'price: must be greater than 0 (negative prices and sentinels such as -1 are not prices)': 1,
    'provider: unknown provider nobody: register it with PUT /v1/providers/{slug}': 1,
  })
  const again = await runImport(db, parse('csv', 'quotes.csv'))
  assert.deepEqual([again.accepted, again.duplicates], [0, 3])
})

test('a dry run stores nothing and says what it would create', async (t) => {
  const { db } = await testDatabase(t)
  const s = await runImport(db, parse('vast', 'vast-offers.json'), { dryRun: true })
  assert.deepEqual([s.dry_run, s.quotes, s.accepted, s.created_providers], [true, 4, 0, ['vast']])
  assert.equal((await db.selectFrom('quotes').select('id').execute()).length, 0)
  assert.equal((await db.selectFrom('providers').select('slug').execute()).length, 0)
})

test('offline: --url fails fast with a clear error that says what to do', async () => {
  await assert.rejects(fetchSource('https://cpx-offline.invalid/api/v1/models', 5000),
    (err: Error) => err instanceof SourceUnavailable && /^cannot fetch https:\/\/cpx-offline\.invalid\/api\/v1\/models: .*--file PATH/.test(err.message))
  // a server that never answers (the timer keeps the event loop alive: AbortSignal.timeout's does not)
  const slow = (async (_url: string, init?: RequestInit) => new Promise((_resolve, reject) => {
    const hold = setTimeout(() => {}, 5000)
    init?.signal?.addEventListener('abort', () => { clearTimeout(hold); reject(init.signal!.reason) })
  })) as typeof fetch
  await assert.rejects(fetchSource('https://example.test/x', 50, slow), /no answer within 0.05 s/)
  const notFound = (async () => new Response('gone', { status: 404, statusText: 'Not Found' })) as typeof fetch
  await assert.rejects(fetchSource('https://example.test/x', 50, notFound), /HTTP 404 Not Found/)
  await assert.rejects(importCommand(['openrouter', '--url', 'https://cpx-offline.invalid/api/v1/models']), /cannot fetch .*offline/)
})

test('cpx import refuses unknown sources and bad options without touching a database', async () => {
  const silence = (t: typeof process.stderr.write) => { process.stderr.write = (() => true) as typeof t; return t }
  const write = silence(process.stderr.write)
  try {
    assert.equal(await importCommand(['nosuch']), 1)
    assert.equal(await importCommand(['vast']), 1) // no public address: needs --file
    assert.equal(await importCommand(['vast', '--file', 'x', '--url', 'y']), 1)
    assert.equal(await importCommand(['vast', '--file', 'x', '--observed-at', 'yesterday']), 1)
    assert.equal(await importCommand(['vast', '--file', 'x', '--observed-at', '2026-02-30T00:00:00Z']), 1) // the calendar rule (calendar.ts)
  } finally { process.stderr.write = write }
})

/** Runs `cpx import …` in process on an embedded database under a temp DATA_DIR; stdout and stderr captured. */
async function cpxImport (dataDir: string, args: string[]): Promise<{ code: number, out: string, err: string }> {
  const saved = { DATA_DIR: process.env.DATA_DIR, DATABASE_URL: process.env.DATABASE_URL }
  const [write, writeErr] = [process.stdout.write, process.stderr.write]
  let out = ''
  let err = ''
  process.env.DATA_DIR = dataDir
  delete process.env.DATABASE_URL
  process.stdout.write = ((s: string) => { out += s; return true }) as typeof write
  process.stderr.write = ((s: string) => { err += s; return true }) as typeof writeErr
  try {
    return { code: await importCommand(args), out, err }
  } finally {
    process.stdout.write = write
    process.stderr.write = writeErr
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
  }
}

test('cpx import exits 2 when every row is refused (as cpx quotes load does), 0 when rows were stored or are stored already', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cpx-import-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const header = 'provider,product,segment,price,currency,unit,observed_at\n'
  const bad = join(dir, 'bad.csv')
  writeFileSync(bad, header + 'nobody,h100-sxm,on_demand,2.5,USD,gpu_hour,2026-11-02T12:00:00Z\nnobody,h100-sxm,on_demand,-1,USD,gpu_hour,2026-11-02T12:00:00Z\n')
  const refused = await cpxImport(join(dir, 'db'), ['csv', '--file', bad])
  assert.equal(refused.code, 2)
  assert.match(refused.out, /0 accepted, 0 duplicates, 2 invalid/)
  assert.match(refused.err, /every row was refused/)
  assert.equal(importExitCode({
    source: 'csv',
    dry_run: false,
    rows_read: 1,
    quotes: 1,
    accepted: 0,
    duplicates: 0,
    invalid: { 'provider: x': 1 },
    skipped: {},
    unmapped: {},
    created_providers: [],
    created_products: []
  }), 2)
  // a dry run checks shapes only (not the catalog): 2 when no row has a storable shape
  const shapes = join(dir, 'shapes.csv')
  writeFileSync(shapes, header + 'my_cloud,h100-sxm,on_demand,2.5,USD,gpu_hour,2026-11-02T12:00:00Z\n')
  assert.equal((await cpxImport(join(dir, 'db'), ['csv', '--file', shapes, '--dry-run'])).code, 2)
  assert.equal((await cpxImport(join(dir, 'db'), ['csv', '--file', bad, '--dry-run'])).code, 0)

  // lambda and h100-sxm are in the mapping table but not yet in this database: created, as the feeds do
  const good = join(dir, 'good.csv')
  writeFileSync(good, header + 'lambda,h100-sxm,on_demand,2.99,USD,gpu_hour,2026-11-02T12:00:00Z\nnobody,h100-sxm,on_demand,2.5,USD,gpu_hour,2026-11-02T12:00:00Z\n')
  const stored = await cpxImport(join(dir, 'db'), ['csv', '--file', good])
  assert.equal(stored.code, 0, stored.out + stored.err)
  assert.match(stored.out, /1 accepted, 0 duplicates, 1 invalid/)
  assert.match(stored.out, /created providers: lambda/)
  const again = await cpxImport(join(dir, 'db'), ['csv', '--file', good])
  assert.deepEqual([again.code, /0 accepted, 1 duplicates, 1 invalid/.test(again.out)], [0, true])
})

test('csv: providers and products the mapping table knows are created; unknown ones are still refused', async (t) => {
  const { db } = await testDatabase(t)
  const csv = 'provider,product,segment,price,currency,unit,observed_at\n' +
    'lambda,h100-sxm,on_demand,2.99,USD,gpu_hour,2026-11-02T12:00:00Z\n' +
    'openrouter,openai/gpt-5.5,input,5,USD,1m_tokens,2026-11-02T12:00:00Z\n' +
    'my-cloud,h100-sxm,on_demand,2.5,USD,gpu_hour,2026-11-02T12:00:00Z\n' +
    'lambda,h999-sxm,on_demand,2.5,USD,gpu_hour,2026-11-02T12:00:00Z\n'
  const s = await runImport(db, SOURCES.csv!.parse(csv, { observedAt: at }))
  assert.equal(s.accepted, 2)
  assert.deepEqual(s.created_providers.sort(), ['lambda', 'openrouter'])
  assert.deepEqual(s.created_products.sort(), ['h100-sxm', 'openai/gpt-5.5'])
  assert.deepEqual(s.invalid, {
    'product: unknown product h999-sxm: register it with PUT /v1/products/{code}': 1,
    'provider: unknown provider my-cloud: register it with PUT /v1/providers/{slug}': 1,
  })
  const lambda = await db.selectFrom('providers').selectAll().where('slug', '=', 'lambda').executeTakeFirstOrThrow()
  assert.deepEqual([lambda.name, lambda.kind], ['Lambda', 'neocloud'])
})

test('csv: an underscore in a provider says what is wrong and suggests the slug', async (t) => {
  const { db } = await testDatabase(t)
  const csv = 'provider,product,segment,price,currency,unit,observed_at\nmy_cloud,h100-sxm,on_demand,2.5,USD,gpu_hour,2026-11-02T12:00:00Z\n'
  const s = await runImport(db, SOURCES.csv!.parse(csv, { observedAt: at }))
  assert.deepEqual(s.invalid, {
    'provider: underscore is not allowed; a slug is lower-case letters, digits and hyphens, such as lambda or aws-bedrock: try my-cloud': 1,
  })
  assert.match(slugProblem('My Cloud'), /^capital letters are not allowed; .*: try my-cloud$/)
  assert.match(slugProblem('a.b'), /^"\." is not allowed; .*: try a-b$/)
})
