import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse as parseCsv } from 'csv-parse/sync'
import { unmappedNames } from '../src/domain/mappings.ts'
import { RunFailure } from '../src/importers/fetch-payload.ts'
import { startRun, storePayload } from '../src/importers/provenance.ts'
import { SOURCES } from '../src/importers/sources.ts'
import { collectNow } from '../src/scheduler/collector.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { serveFixture } from './helpers/http.ts'

// The gpu-observations importer (docs/importers.md): a small fixture of its own, then the real sample in
// ../shared/data (read in place, never copied; skipped where absent). Both databases.

const HEADER = 'date,collected_at,source,provider,segment,pricing,gpu_model,sku,region,geo,gpu_count,usd_per_hour,usd_per_gpu_hour,sample_size'
const FIXTURE = [
  HEADER,
  '2026-11-02,2026-11-02T09:00:00+02:00,lambda,Lambda,neocloud,on_demand,H100,gpu_8x_h100_sxm_80gb,global,Global,8,31.92,3.99,1',
  '2026-11-02,2026-11-02T07:00:00Z,lambda,Lambda,neocloud,on_demand,A100-40GB,gpu_4x_a100_pcie_40gb,global,Global,4,7.96,1.99,1',
  '2026-11-02,2026-11-02T07:00:00Z,lambda,Lambda,neocloud,on_demand,A100-40GB,gpu_1x_a100_sxm_40gb,global,Global,1,1.99,1.99,1',
  '2026-11-02,2026-11-02T07:00:00Z,runpod,RunPod Secure Cloud,neocloud,on_demand,H100,NVIDIA H100 80GB HBM3,global,Global,1,3.49,3.49,1',
  '2026-11-02,2026-11-02T07:00:00Z,runpod,RunPod Community Cloud,marketplace,on_demand,H100,NVIDIA H100 80GB HBM3,global,Global,1,2.69,2.69,1',
  '2026-11-02,2026-11-02T07:00:00Z,vast,Vast.ai,marketplace,on_demand,H100,median-offer,global,Global,1,2.4027,2.4027,24',
  '2026-11-02,2026-11-02T07:00:00Z,azure,Microsoft Azure,hyperscaler,spot,H100-NVL,Standard_NC40ads_H100_v5,westus3,NA,1,1.2,1.2,1',
  '2026-11-02,2026-11-02T07:00:00Z,azure,Microsoft Azure,hyperscaler,spot,H100-NVL,Standard_NC40ads_H100_v5,eastus,NA,1,1.2,1.2,1',
  '2026-11-02,2026-11-02T07:00:00Z,aws,AWS,hyperscaler,on_demand,H100,p5.48xlarge,ap-south-1,APAC,8,55.04,6.88,1',
  // refused, each with its reason
  '2026-11-02,2026-11-02T07:00:00Z,aws,AWS,neocloud,on_demand,H100,p5.48xlarge,us-east-1,NA,8,55.04,6.88,1',
  '2026-11-02,2026-11-02T07:00:00Z,coreweave,CoreWeave,neocloud,on_demand,H100,HGX,global,Global,8,49.24,6.155,1',
  '2026-11-02,2026-11-02T07:00:00Z,lambda,Lambda,neocloud,on_demand,MI300X,gpu_8x_mi300x,global,Global,8,20.0,2.5,1',
  '2026-11-02,2026-11-02T07:00:00Z,lambda,Lambda,neocloud,reserved,H100,gpu_8x_h100_sxm_80gb,global,Global,8,20.0,2.5,1',
  '2026-11-02,2026-11-02T07:00:00Z,lambda,Lambda,neocloud,on_demand,H100,gpu_8x_h100_sxm_80gb,global,Global,8,$31.92,3.99,1',
  '2026-11-02,2026-11-02T07:00:00Z,lambda,Lambda,neocloud,on_demand,H100,gpu_8x_h100_sxm_80gb,global,Global,0,31.92,3.99,1',
  '2026-11-02,2026-11-02T07:00:00Z,lambda,Lambda,neocloud,on_demand,H100,gpu_2x_h100_sxm_80gb,global,Global,2,8.38,3.99,1',
  '2026-11-02,yesterday,lambda,Lambda,neocloud,on_demand,H100,gpu_1x_h100_sxm_80gb,global,Global,1,4.29,4.29,1',
  '2026-11-02,2026-11-02T07:00:00Z,lambda,Lambda,colo,on_demand,H100,gpu_1x_h100_sxm_80gb,global,Global,1,4.29,4.29,1',
  '',
].join('\n')

const parse = (text: string) => SOURCES['gpu-observations']!.parse(text, { observedAt: '2026-12-01T00:00:00Z' })

test('parse: one instance-hour quote per row at usd_per_hour with gpu_count; provider by source and segment; GPU by gpu_model and sku; every refusal counted', () => {
  const b = parse(FIXTURE)
  assert.equal(b.rowsRead, 18)
  const q = (provider: string, product: string) => b.quotes.filter((x) => x.provider === provider && x.product === product)
    .map((x) => [x.segment, x.price, x.unit, x.gpus_per_instance, x.region ?? null, x.observed_at])
  assert.deepEqual(q('lambda', 'h100-sxm'), [['on_demand', '31.92', 'instance_hour', 8, null, '2026-11-02T07:00:00Z']])
  // Lambda's A100-40GB holds PCIe and SXM cards: the sku decides
  assert.deepEqual(q('lambda', 'a100-pcie'), [['on_demand', '7.96', 'instance_hour', 4, null, '2026-11-02T07:00:00Z']])
  assert.deepEqual(q('lambda', 'a100-sxm'), [['on_demand', '1.99', 'instance_hour', 1, null, '2026-11-02T07:00:00Z']])
  // RunPod's two clouds are two providers of two kinds; Vast's median offer is one row whatever its sample_size
  assert.deepEqual(q('runpod', 'h100-sxm').map((x) => x[1]), ['3.49'])
  assert.deepEqual(q('runpod-community', 'h100-sxm').map((x) => x[1]), ['2.69'])
  assert.deepEqual(q('vast', 'h100-sxm').map((x) => x[1]), ['2.4027'])
  // Azure westus3 and eastus: both NA (the geo column) → one us quote
  assert.deepEqual(q('azure', 'h100-nvl'), [['spot', '1.2', 'instance_hour', 1, 'us', '2026-11-02T07:00:00Z']])
  assert.deepEqual(q('aws', 'h100-sxm'), [['on_demand', '55.04', 'instance_hour', 8, 'apac', '2026-11-02T07:00:00Z']])
  assert.equal(b.quotes.length, 8)
  assert.deepEqual(b.skipped, {
    same_price_same_region: 1,
    segment_not_provider_kind: 1,
    unknown_pricing: 1,
    not_a_number: 1,
    no_gpu_count: 1,
    gpu_price_disagrees: 1,
    bad_collected_at: 1,
    unknown_segment: 1,
  })
  assert.deepEqual(b.unmapped, { 'provider coreweave (neocloud)': 1, MI300X: 1 })
  assert.deepEqual([...b.providers.keys()].sort(), ['aws', 'azure', 'lambda', 'runpod', 'runpod-community', 'vast'])
  assert.equal(b.providers.get('runpod-community')?.kind, 'marketplace')
  assert.equal(b.providers.get('runpod')?.kind, 'neocloud')
})

test('parse: a header that is not this format is refused whole, naming the missing columns', () => {
  assert.throws(() => parse('InstanceType,AcceleratorName,Price\ngpu_1x_h100_sxm5,H100,2.99\n'), /not a gpu-observations file: no collected_at, source, segment/)
  assert.throws(() => parse(HEADER.replace('usd_per_hour', 'usd_hour') + '\n'), /no usd_per_hour column$/)
})

test('a run: stored with providers created as their kinds, normalised per GPU-hour in SQL; again: duplicates; unmapped listed; a wrong header stores nothing', async (t) => {
  const app = await buildTestApp(t)
  const db = app.db
  const run = async (text: string) => {
    const start = { source: 'gpu-observations', importer: 'gpu-observations', trigger: 'import' as const, url: 'observations.csv' }
    return (await storePayload(db, await startRun(db, start), start, { bytes: Buffer.from(text), observedAt: '2026-12-01T00:00:00Z' }))!
  }
  const first = await run(FIXTURE)
  assert.equal(first.accepted, 8)
  assert.deepEqual(first.invalid, {})
  assert.deepEqual(first.created_providers.sort(), ['aws', 'azure', 'lambda', 'runpod', 'runpod-community', 'vast'])
  const kinds = await db.selectFrom('providers').select(['slug', 'kind']).where('slug', 'in', ['runpod', 'runpod-community', 'vast', 'aws']).orderBy('slug').execute()
  assert.deepEqual(kinds, [{ slug: 'aws', kind: 'hyperscaler' }, { slug: 'runpod', kind: 'neocloud' }, { slug: 'runpod-community', kind: 'marketplace' }, { slug: 'vast', kind: 'marketplace' }])
  // 31.92 / 8 = 3.99; 7.96 / 4 = 1.99; 55.04 / 8 = 6.88
  const usd = await db.selectFrom('quotes').select(['provider', 'product', 'usd_price']).where('provider', 'in', ['lambda', 'aws']).orderBy('provider').orderBy('product').execute()
  assert.deepEqual(usd, [
    { provider: 'aws', product: 'h100-sxm', usd_price: '6.8800000000' },
    { provider: 'lambda', product: 'a100-pcie', usd_price: '1.9900000000' },
    { provider: 'lambda', product: 'a100-sxm', usd_price: '1.9900000000' },
    { provider: 'lambda', product: 'h100-sxm', usd_price: '3.9900000000' },
  ])
  const again = await run(FIXTURE)
  assert.deepEqual([again.accepted, again.duplicates], [0, 8])
  const unmapped = (await unmappedNames(db)).filter((u) => u.source === 'gpu-observations').map((u) => [u.name, u.rows])
  assert.deepEqual(unmapped.sort(), [['MI300X', 1], ['provider coreweave (neocloud)', 1]])

  const quotes = Number((await db.selectFrom('quotes').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  await assert.rejects(run('InstanceType,Price\np5.48xlarge,98.32\n'), (e: unknown) => e instanceof RunFailure && /not a gpu-observations file/.test(e.message))
  const failed = await db.selectFrom('source_runs').select(['status', 'error']).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
  assert.equal(failed.status, 'failed')
  assert.match(String(failed.error), /the payload is not in the gpu-observations format: not a gpu-observations file: no collected_at/)
  assert.equal(Number((await db.selectFrom('quotes').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), quotes)
})

test('mappings: source_gpu rules are data (the API checks the value and the key); a new GPU maps at the next run', async (t) => {
  const app = await buildTestApp(t)
  const put = (url: string, value: object) => app.inject({ method: 'PUT', url, headers: admin, payload: { value, changed_by: 'ops@example.com', reason: 'test' } })
  const list = await app.inject({ url: '/v1/mappings?kind=source_gpu', headers: admin })
  assert.deepEqual(list.json().data.slice(0, 2).map((m: { key: string, value: object }) => [m.key, m.value]),
    [['gpu-observations:H100#pcie', { product: 'h100-pcie', sku: 'pcie' }], ['gpu-observations:H100', { product: 'h100-sxm' }]])
  let r = await put('/v1/mappings/source_gpu/gpu-observations:MI300X', { product: 'mi300x' })
  assert.equal(r.statusCode, 422)
  assert.deepEqual(r.json().errors, [{ path: 'value/product', reason: 'no gpu_product mapping mi300x: create it first' }])
  r = await put('/v1/mappings/source_gpu/skypilot:H100', { product: 'h100-sxm', sku: '(' })
  assert.equal(r.statusCode, 422)
  assert.deepEqual(r.json().errors.map((e: { path: string }) => e.path).sort(), ['key', 'value/sku'])
  assert.equal((await put('/v1/mappings/gpu_product/mi300x', { name: 'MI300X 192GB', family: 'mi300x', variant: 'sxm' })).statusCode, 201)
  assert.equal((await put('/v1/mappings/source_gpu/gpu-observations:MI300X', { product: 'mi300x' })).statusCode, 201)
  const start = { source: 'gpu-observations', importer: 'gpu-observations', trigger: 'import' as const, url: null }
  const s = (await storePayload(app.db, await startRun(app.db, start), start, { bytes: Buffer.from(FIXTURE), observedAt: '2026-12-01T00:00:00Z' }))!
  assert.deepEqual(s.unmapped, { 'provider coreweave (neocloud)': 1 })
  assert.deepEqual(s.created_products.filter((p) => p === 'mi300x'), ['mi300x'])
})

test('a collector source may name the gpu-observations importer', async (t) => {
  const app = await buildTestApp(t)
  await app.database.db.updateTable('sources').set({ enabled: false }).execute()
  const feed = await serveFixture(t, (_req, res) => { res.writeHead(200, { 'content-type': 'text/csv' }).end(FIXTURE) })
  const url = `${feed}/observations.csv`
  const bad = await app.inject({ method: 'PUT', url: '/v1/sources/gpu-obs', headers: admin, payload: { importer: 'gpu-obs', url } })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /gpu-observations/)
  const put = await app.inject({ method: 'PUT', url: '/v1/sources/gpu-obs', headers: admin, payload: { importer: 'gpu-observations', url } })
  assert.equal(put.statusCode, 201, put.body)
  const [result] = await collectNow(app.database, ['gpu-obs'], { now: () => new Date('2026-12-01T12:00:00Z') })
  assert.deepEqual([result?.status, result?.accepted], ['ok', 8], result?.error)
})

test('parse: usd_per_gpu_hour is checked in exact decimals, a tie rounded either way, half a unit past it refused', () => {
  const row = (usdPerHour: string, gpus: number, usdPerGpuHour: string) =>
    `2026-11-02,2026-11-02T07:00:00Z,lambda,Lambda,neocloud,on_demand,H100,gpu_${gpus}x_h100_sxm_80gb,global,Global,${gpus},${usdPerHour},${usdPerGpuHour},1`
  const b = parse([HEADER,
    row('3.7407', 2, '1.8704'), // 1.87035 rounded up (a row of the real sample): 3.7407 / 2 - 1.8704 is 0.0000500000000001 in floats
    row('3.1749', 2, '1.5874'), // 1.58745 rounded down (the real sample too)
    row('16.00044', 8, '2.0001'), // 2.000055 → 2.0001
    row('16.00044', 8, '2.0000'), // 0.000055 off: no rounding of 2.000055 (the float check allowed 0.00006)
    row('10', 3, '3.3334'), // 3.33333… → 3.3333, not 3.3334
  ].join('\n'))
  assert.deepEqual(b.quotes.map((q) => [q.price, q.gpus_per_instance]), [['3.7407', 2], ['3.1749', 2], ['16.00044', 8]])
  assert.deepEqual(b.skipped, { gpu_price_disagrees: 2 })
})

// ---- the real sample ----------------------------------------------------------------------------------

const SAMPLE = '../shared/data/gpu-observations/observations_2026-10-01_A100_H100_H200_rows.csv'
const skip = existsSync(SAMPLE) ? false : 'no ../shared/data on this machine'
type CsvRow = Record<string, string>

// What the test reads the file as, written here from the file's columns (not from the importer):
// the provider is the source column, RunPod's marketplace rows its Community Cloud; the product is the
// gpu_model, a PCIe sku making the A100-40GB an A100 PCIe; A100-80GB-PCIe has no CPX product.
const providerOf = (r: CsvRow) => r.source === 'runpod' && r.segment === 'marketplace' ? 'runpod-community' : r.source!
const PRODUCTS: Record<string, string> = { H100: 'h100-sxm', 'H100-PCIe': 'h100-pcie', 'H100-NVL': 'h100-nvl', H200: 'h200-sxm', 'A100-80GB': 'a100-80gb-sxm' }
const productOf = (r: CsvRow): string | undefined => r.gpu_model === 'A100-40GB' ? (/pcie/i.test(r.sku!) ? 'a100-pcie' : 'a100-sxm') : PRODUCTS[r.gpu_model!]
const regionOfGeo: Record<string, string> = { NA: 'us', EU: 'eu', APAC: 'apac', LATAM: 'other', ME: 'other', AF: 'other', Global: '' }

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = (s.length - 1) / 2
  return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2
}

test('the real sample: rows per provider and product as the CSV says; H100-SXM-OD for 2026-10-01 from the neocloud and marketplace rows', { skip }, async (t) => {
  const text = skip ? '' : readFileSync(SAMPLE, 'utf8')
  const rows = parseCsv(text, { columns: true, skip_empty_lines: true }) as CsvRow[]
  const app = await buildTestApp(t)
  const start = { source: 'gpu-observations', importer: 'gpu-observations', trigger: 'import' as const, url: SAMPLE }
  const s = (await storePayload(app.db, await startRun(app.db, start), start, { bytes: Buffer.from(text), observedAt: '2026-12-01T00:00:00Z' }))!
  assert.equal(s.rows_read, rows.length)
  assert.deepEqual(s.unmapped, { 'A100-80GB-PCIe': rows.filter((r) => r.gpu_model === 'A100-80GB-PCIe').length })
  assert.deepEqual(s.invalid, {})

  // quotes per provider and product: the file's distinct (segment, price, GPUs, CPX region) of each
  const expected = new Map<string, Set<string>>()
  for (const r of rows) {
    const product = productOf(r)
    if (!product) continue
    const key = `${providerOf(r)} ${product}`
    expected.set(key, (expected.get(key) ?? new Set()).add([r.pricing, Number(r.usd_per_hour), r.gpu_count, regionOfGeo[r.geo!]].join('|')))
  }
  const stored = await app.db.selectFrom('quotes').select(['provider', 'product', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy(['provider', 'product']).execute()
  assert.deepEqual(Object.fromEntries(stored.map((x) => [`${x.provider} ${x.product}`, Number(x.n)]).sort()),
    Object.fromEntries([...expected].map(([k, v]) => [k, v.size]).sort()))
  assert.equal(s.accepted, [...expected.values()].reduce((a, v) => a + v.size, 0))

  // H100-SXM-OD (methodology v1, DESIGN §3): one day's window; per provider the median of its per-GPU
  // prices (usd_per_hour ÷ gpu_count); the index is the median of those (fewer than 5 contributors: no outlier pass)
  const h100 = rows.filter((r) => productOf(r) === 'h100-sxm' && r.pricing === 'on_demand' && ['neocloud', 'marketplace'].includes(r.segment!))
  const byProvider = new Map<string, number[]>()
  for (const r of h100) byProvider.set(providerOf(r), [...(byProvider.get(providerOf(r)) ?? []), Number(r.usd_per_hour) / Number(r.gpu_count)])
  assert.ok(byProvider.size >= 3 && h100.length >= 5, 'the file holds enough providers and quotes for a v1 fixing')
  const value = median([...byProvider.values()].map(median))
  // by hand: Lambda 3.99, 4.09, 4.19, 4.29 → 4.14; RunPod 3.49; RunPod Community 2.69; Vast.ai 2.4027 → (2.69 + 3.49) / 2
  assert.equal(value.toFixed(6), '3.090000')

  const computed = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: '2026-10-01', to: '2026-10-01', indices: ['H100-SXM-OD', 'H100-SXM-OD-HYPERSCALER'] } })
  assert.equal(computed.statusCode, 200, computed.body)
  const fixing = (await app.inject({ url: '/v1/indices/H100-SXM-OD/values/2026-10-01?include=constituents' })).json()
  assert.equal(fixing.status, 'ok')
  assert.equal(fixing.value, Number(value.toFixed(6)))
  assert.equal(fixing.window_days, 1)
  assert.deepEqual([fixing.n_providers, fixing.n_quotes], [byProvider.size, h100.length])
  assert.deepEqual(fixing.constituents.map((c: { provider: string }) => c.provider).sort(), [...byProvider.keys()].sort())

  // the hyperscaler index: the file has two hyperscalers (AWS, Azure), fewer than min_providers 3
  const hyper = (await app.inject({ url: '/v1/indices/H100-SXM-OD-HYPERSCALER/values/2026-10-01' })).json()
  const hyperProviders = new Set(rows.filter((r) => productOf(r) === 'h100-sxm' && r.pricing === 'on_demand' && r.segment === 'hyperscaler').map(providerOf))
  assert.deepEqual([hyper.status, hyper.value, hyper.n_providers], ['insufficient_data', null, hyperProviders.size])
})
