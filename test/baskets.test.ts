import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { sql } from 'kysely'
import { admin, buildTestApp } from './helpers/app.ts'
import { insertFixings } from './helpers/read-fixings.ts'

// Baskets worked by hand (docs/methodology.md "Baskets"). Component fixings, 30 Sep – 3 Oct 2026:
//   H100-SXM-OD (USD/GPU-hour):       2.00  2.10  2.20  1.90
//   TOK-FRONTIER-BLEND (USD/1M tok):  8.00  8.00  7.60  8.40
// Percent basket PCT (60 % H100, 40 % tokens, base 100 on 30 Sep), §B1:
//   1 Oct 100 × (0.6 × 2.10/2.00 + 0.4 × 8.00/8.00) = 100 × (0.63 + 0.40) = 103
//   2 Oct 100 × (0.6 × 1.10 + 0.4 × 0.95) = 104;  3 Oct 100 × (0.6 × 0.95 + 0.4 × 1.05) = 99
//   October (1–3): mean 306/3 = 102, min 99, max 104; vs September (only 30 Sep ok: 100): +2, +2 %.
// Quantity basket QTY (1000 GPU-hours + 50 × 1M tokens), §B4:
//   30 Sep 2000 + 400 = 2400; 1 Oct 2100 + 400 = 2500; 2 Oct 2200 + 380 = 2580; 3 Oct 1900 + 420 = 2320
//   October: 7400/3 = 2466.666667, min 2320, max 2580; vs September 2400: +66.666667, +2.777778 %.

const H100 = 'H100-SXM-OD'
const TOK = 'TOK-FRONTIER-BLEND'
const PUBLISHED = '2026-10-05T00:00:00.000Z'
let app: Awaited<ReturnType<typeof buildTestApp>>
const cleanups: (() => unknown)[] = []
after(async () => { for (const fn of cleanups.reverse()) await fn() })

const put = (code: string, payload: object) => app.inject({ method: 'PUT', url: `/v1/baskets/${code}`, headers: admin, payload })
const get = (url: string) => app.inject({ method: 'GET', url, headers: admin })
const percent = (components: object[], extra: object = {}) => ({ name: 'GPU and tokens', mode: 'percent', effective_from: '2026-09-30', base_date: '2026-09-30', reason: 'initial', components, ...extra })

before(async () => {
  app = await buildTestApp({ after: (fn: () => unknown) => { cleanups.push(fn) } })
  const row = (code: string, date: string, value: string) => ({ code, date, value, published_at: PUBLISHED })
  await insertFixings(app.database, [
    row(H100, '2026-09-30', '2.00'), row(H100, '2026-10-01', '2.10'), row(H100, '2026-10-02', '2.20'), row(H100, '2026-10-03', '1.90'),
    row(TOK, '2026-09-30', '8.00'), row(TOK, '2026-10-01', '8.00'), row(TOK, '2026-10-02', '7.60'), row(TOK, '2026-10-03', '8.40'), row(TOK, '2026-10-04', '8.00'),
  ])
  assert.equal((await put('PCT', percent([{ code: H100, weight: '60' }, { code: TOK, weight: 40 }]))).statusCode, 201)
  const qty = await put('QTY', {
    name: 'Monthly compute budget',
    mode: 'quantity',
    effective_from: '2026-09-30',
    reason: 'budget 2026',
    components: [{ code: H100, quantity: '1000', unit: 'GPU-hour' }, { code: TOK, quantity: '50', unit: '1M tokens' }]
  })
  assert.equal(qty.statusCode, 201, qty.body)
})

test('percent basket: daily values by hand, each with the fixings used and a re-derivable hash', async () => {
  const res = await get('/v1/baskets/PCT/values?from=2026-09-30&to=2026-10-04')
  assert.equal(res.statusCode, 200, res.body)
  const data = res.json().data as { date: string, status: string, value: number | null, unit: string, failed: string[], inputs: { code: string, role: string, date: string, revision: number, hash: string }[], hash: string }[]
  assert.deepEqual(data.map((d) => [d.date, d.status, d.value]), [
    ['2026-09-30', 'ok', 100], ['2026-10-01', 'ok', 103], ['2026-10-02', 'ok', 104], ['2026-10-03', 'ok', 99], ['2026-10-04', 'component_failed', null],
  ])
  assert.deepEqual(data[4]!.failed, [H100]) // no H100 fixing on 4 Oct: the day names it
  assert.equal(data[1]!.unit, 'points')
  const used = data[1]!.inputs.map((i) => `${i.code}:${i.role}:${i.date}:${i.revision}`)
  assert.deepEqual(used, [`${H100}:day:2026-10-01:1`, `${H100}:base:2026-09-30:1`, `${TOK}:day:2026-10-01:1`, `${TOK}:base:2026-09-30:1`])
  assert.match(data[1]!.inputs[0]!.hash, /^sha256:[0-9a-f]{64}$/)
  const check = await sql<{ same: boolean }>`select hash = 'sha256:' || encode(sha256(convert_to(cpx_basket_canonical_text(code, date, version, mode, status,
    round(value, 6), failed, inputs), 'UTF8')), 'hex') as same from cpx_basket_value('PCT', '2026-10-01')`.execute(app.database.db)
  assert.equal(check.rows[0]!.same, true)
  assert.equal((await sql<{ hash: string }>`select hash from cpx_basket_value('PCT', '2026-10-01')`.execute(app.database.db)).rows[0]!.hash, data[1]!.hash)
})

test('quantity basket: USD values, monthly averages and the budget view against September', async () => {
  const values = (await get('/v1/baskets/QTY/values?from=2026-09-30&to=2026-10-03')).json().data as { value: number, unit: string }[]
  assert.deepEqual(values.map((v) => v.value), [2400, 2500, 2580, 2320])
  assert.equal(values[0]!.unit, 'USD')
  const res = await get('/v1/baskets/QTY/averages?from=2026-10-01&to=2026-10-03&compare=2026-09')
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual(res.json().data, [{
    month: '2026-10',
    n_days: 3,
    n_failed: 0,
    average: 2466.666667,
    min: 2320,
    max: 2580,
    base_month: '2026-09',
    base_average: 2400,
    change: 66.666667,
    change_pct: 2.777778
  }])
  const budget = (await get('/v1/baskets/QTY/values?from=2026-10-01&to=2026-10-03&compare=2026-09')).json()
  assert.deepEqual(budget.months, res.json().data) // the issue's form: compare on …/values
  assert.equal(budget.data.length, 3)
  const pct = (await get('/v1/baskets/PCT/averages?from=2026-09-29&to=2026-10-04&compare=2026-09')).json().data
  assert.deepEqual(pct, [
    { month: '2026-09', n_days: 1, n_failed: 1, average: 100, min: 100, max: 100, base_month: '2026-09', base_average: 100, change: 0, change_pct: 0 },
    { month: '2026-10', n_days: 3, n_failed: 1, average: 102, min: 99, max: 104, base_month: '2026-09', base_average: 100, change: 2, change_pct: 2 },
  ])
})

test('CSV of basket values, one row per day with the fixings used', async () => {
  const res = await get('/v1/baskets/QTY/values.csv?from=2026-10-01&to=2026-10-02')
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^text\/csv/)
  const rows = parse(res.body, { columns: true }) as Record<string, string>[]
  assert.deepEqual(rows.map((r) => [r.date, r.status, r.value, r.unit]), [['2026-10-01', 'ok', '2500', 'USD'], ['2026-10-02', 'ok', '2580', 'USD']])
  assert.equal(rows[0]!.inputs, `${H100}:2026-10-01:1 ${TOK}:2026-10-01:1`)
})

test('chart.svg of a basket: an SVG image titled with the basket, in its unit', async () => {
  const res = await get('/v1/baskets/QTY/chart.svg?from=2026-09-30&to=2026-10-04')
  assert.equal(res.statusCode, 200, res.body)
  assert.match(String(res.headers['content-type']), /^image\/svg\+xml/)
  assert.match(res.body, /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  assert.match(res.body, /QTY: Monthly compute budget/)
  assert.match(res.body, /USD/)
})

test('a component revision shows in the basket history: as_of before and after differ, naming the revision', async () => {
  const before = new Date().toISOString()
  await new Promise((resolve) => setTimeout(resolve, 20)) // the revision is published strictly after `before`
  await insertFixings(app.database, [{ code: H100, date: '2026-10-02', revision: 2, value: '2.40', published_at: new Date().toISOString(), reason: 'correction' }])
  const day = async (asOf?: string) => (await get(`/v1/baskets/PCT/values?from=2026-10-02&to=2026-10-02${asOf ? `&as_of=${asOf}` : ''}`)).json().data[0] as { value: number, hash: string, inputs: { code: string, role: string, revision: number }[] }
  const was = await day(before)
  const now = await day()
  assert.equal(was.value, 104)
  assert.equal(now.value, 110) // 100 × (0.6 × 2.40/2.00 + 0.4 × 0.95)
  assert.equal(was.inputs.find((i) => i.code === H100 && i.role === 'day')!.revision, 1)
  assert.equal(now.inputs.find((i) => i.code === H100 && i.role === 'day')!.revision, 2)
  assert.notEqual(was.hash, now.hash)
})

test('a new version is chain-linked at its effective date; who, when and why are kept', async () => {
  assert.equal((await put('LINK', percent([{ code: H100, weight: 50 }, { code: TOK, weight: 50 }]))).statusCode, 201)
  const v2 = await put('LINK', { name: 'GPU heavy', mode: 'percent', effective_from: '2026-10-02', reason: 'more GPU', changed_by: 'desk', components: [{ code: H100, weight: 80 }, { code: TOK, weight: 20 }] })
  assert.equal(v2.statusCode, 200, v2.body)
  const versions = v2.json().versions as { version: number, base_value: string | null, changed_by: string, reason: string }[]
  assert.deepEqual(versions.map((v) => [v.version, v.base_value, v.changed_by, v.reason]), [[1, '100', 'admin', 'initial'], [2, null, 'desk', 'more GPU']])
  // v1 on 1 Oct: 100 × (0.5 × 1.05 + 0.5 × 1) = 102.5. v2 links there: 2 Oct = 102.5 × (0.8 × 2.40/2.10 + 0.2 × 7.60/8.00)
  //   = 102.5 × (0.914285714… + 0.19) = 113.189286 (H100 2 Oct is revision 2, 2.40, from the test above when run in order;
  //   either way the link is continuous: 1 Oct is v1's value)
  const data = (await get('/v1/baskets/LINK/values?from=2026-10-01&to=2026-10-02')).json().data as { version: number, value: number, inputs: { kind: string, date: string, value: number }[] }[]
  assert.deepEqual(data.map((d) => d.version), [1, 2])
  assert.equal(data[0]!.value, 102.5)
  const link = data[1]!.inputs.find((i) => i.kind === 'link')!
  assert.deepEqual([link.date, link.value], ['2026-10-01', 102.5])
  assert.equal(data[1]!.value, 113.189286)
})

test('bad baskets are refused with 422 naming the field, and nothing is stored', async () => {
  const refused = async (code: string, payload: object, path: string, reason: RegExp) => {
    const res = await put(code, payload)
    assert.equal(res.statusCode, 422, res.body)
    const errors = res.json().errors as { path: string, reason: string }[]
    assert.ok(errors.some((e) => e.path === path && reason.test(e.reason)), res.body)
  }
  await refused('BAD', percent([{ code: H100, weight: 60 }, { code: TOK, weight: 30 }]), 'body/components', /sum to 90, not 100/)
  await refused('BAD', percent([{ code: 'NO-SUCH-INDEX', weight: 100 }]), 'body/components/0/code', /unknown component/)
  await refused('BAD', { name: 'q', mode: 'quantity', effective_from: '2026-10-01', reason: 'x', components: [{ code: H100, quantity: 10, unit: '1M tokens' }] },
    'body/components/0/unit', /must be GPU-hour/)
  const zero = await put('BAD', percent([{ code: H100, weight: 0 }, { code: TOK, weight: 100 }]))
  assert.ok([400, 422].includes(zero.statusCode), zero.body)
  assert.match(zero.body, /components\/0\/weight|must be positive/)
  assert.equal((await get('/v1/baskets/BAD')).statusCode, 404)
  // a basket of baskets is fine; a cycle is not
  assert.equal((await put('OUTER', percent([{ code: 'PCT', weight: 50 }, { code: TOK, weight: 50 }]))).statusCode, 201)
  await refused('PCT', { name: 'loop', mode: 'percent', effective_from: '2026-10-10', reason: 'x', components: [{ code: 'OUTER', weight: 100 }] }, 'body/components', /cycle/)
  const pct = (await get('/v1/baskets/PCT')).json()
  assert.equal(pct.versions.length, 1)
  // OUTER on 1 Oct: 100 × (0.5 × 103/100 + 0.5 × 1) = 101.5
  assert.equal((await get('/v1/baskets/OUTER/values?from=2026-10-01&to=2026-10-01')).json().data[0].value, 101.5)
  assert.equal((await get('/v1/baskets')).json().data.length >= 4, true)
})
