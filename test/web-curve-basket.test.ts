import assert from 'node:assert/strict'
import { test } from 'node:test'
import { XMLValidator } from 'fast-xml-parser'
import { admin } from './helpers/app.ts'
import { computeDays, curveBasketApp, DAY1, DAY2, GPU, postQuotes, quote } from './helpers/curve-basket-fixture.ts'

// The term-curve chart (GET /v1/curves/{gpu}/chart.svg), the GPU page (/curves/{gpu}), the basket page
// and widget (/baskets/{code}, /embed/baskets/{code}), all from the quotes of curve-basket-fixture.ts,
// whose indices are worked by hand there. Runs on PGlite, and on the server database with DATABASE_URL.

const svgs = (html: string) => [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0])
const cell = (html: string, label: string) => [...html.matchAll(new RegExp(`data-label="${label}">([^<]*)</td>`, 'g'))].map((m) => m[1]!)

test('curve chart.svg: a vertex per term with a value, gaps at the terms without one, spot as a reference line', async (t) => {
  const app = await curveBasketApp(t)
  const res = await app.inject(`/v1/curves/${GPU}/chart.svg`)
  assert.equal(res.statusCode, 200, res.body)
  assert.match(String(res.headers['content-type']), /^image\/svg\+xml/)
  assert.ok(res.headers.etag)
  const svg = res.body.replace(/^<\?xml[^>]*>\n/, '')
  assert.equal(XMLValidator.validate(svg), true)
  // 2 Nov: R1 2.10 and R12 1.70 are ok; R3, R6 have no quotes and R24, R36 too few providers.
  // R1 and R12 are not neighbours (3 and 6 months lie between): two separate subpaths, never bridged.
  const d = /class="series" d="([^"]*)"/.exec(svg)![1]!
  assert.equal(d.match(/M/g)?.length, 2, d)
  assert.equal(d.match(/L/g), null, d)
  assert.equal(svg.match(/class="term"/g)?.length, 2)
  assert.equal(svg.match(/class="gap"/g)?.length, 4)
  for (const n of [3, 6, 24, 36]) assert.match(svg, new RegExp(`<title>${n} months: no value \\(insufficient data\\)</title>`))
  assert.match(svg, /<title>1 month: 2\.1000 USD\/GPU-hour<\/title>/)
  assert.match(svg, /<title>12 months: 1\.7000 USD\/GPU-hour<\/title>/)
  assert.match(svg, /class="spot"[^>]*>(<[^>]*>)?<text[^>]*>spot 2\.3000</)
  assert.match(svg, /USD\/GPU-hour on 2026-11-02 · spot 2\.3000 · no value at 3, 6, 24, 36 months \(gaps\)/)
  assert.doesNotMatch(svg, /NaN|Infinity/)
  // the day before: spot 2.20, R12 1.60
  const day1 = (await app.inject(`/v1/curves/${GPU}/chart.svg?date=${DAY1}&width=340&height=280`)).body
  assert.match(day1, /width="340"/)
  assert.match(day1, /12 months: 1\.6000/)
  assert.match(day1, />spot 2\.2000</)
  for (const [url, status] of [[`/v1/curves/${GPU}/chart.svg?width=10`, 400], [`/v1/curves/${GPU}/chart.svg?terms=4`, 400], ['/v1/curves/B200-SXM/chart.svg', 404]] as const) {
    const bad = await app.inject(url)
    assert.equal(bad.statusCode, status, url)
    assert.match(String(bad.headers['content-type']), /^application\/problem\+json/)
  }
})

test('GPU page: the curve chart and a table of the points with fixed decimals, premiums and status; linked from the H100 index pages', async (t) => {
  const app = await curveBasketApp(t)
  const res = await app.inject(`/curves/${GPU}`)
  assert.equal(res.statusCode, 200)
  const page = res.body
  assert.match(page, /data-testid="spot-value">2\.3000</)
  assert.deepEqual(cell(page, 'Term'), ['Spot (on demand)', '1 month', '3 months', '6 months', '12 months', '24 months', '36 months'])
  assert.deepEqual(cell(page, 'Value'), ['2.3000', '2.1000', '—', '—', '1.7000', '—', '—'])
  // 2.10 / 2.30 − 1 = −0.0869565… → −8.6957 %; 1.70 / 2.30 − 1 = −0.2608695… → −26.0870 %
  assert.deepEqual(cell(page, 'Premium'), ['—', '−8.6957%', '—', '—', '−26.0870%', '—', '—'])
  assert.deepEqual(cell(page, 'Status'), ['ok', 'ok', 'insufficient data', 'insufficient data', 'ok', 'insufficient data', 'insufficient data'])
  assert.ok(page.includes('href="/indices/H100-SXM-R12"'))
  assert.ok(page.includes(`href="/v1/curves/${GPU}/chart.svg"`))
  const [wide, narrow] = svgs(page)
  assert.equal(XMLValidator.validate(wide!), true)
  assert.match(wide!, /width="1040"/)
  assert.match(narrow!, /width="340"/)
  for (const code of ['H100-SXM-OD', 'H100-SXM-R12']) {
    assert.match((await app.inject(`/indices/${code}`)).body, new RegExp(`data-testid="curve-link">Part of the <a href="/curves/${GPU}">`), code)
  }
  assert.doesNotMatch((await app.inject('/indices/H200-SXM-OD')).body, /curve-link/)
  assert.equal((await app.inject('/curves/B200-SXM')).statusCode, 404)
  assert.equal((await app.inject('/curves/bad%20code')).statusCode, 400)
})

test('basket page and widget: value, change, chart, components with weights; linked from the catalog', async (t) => {
  const app = await curveBasketApp(t, { EMBED_ORIGINS: 'https://dash.example.com' })
  const home = (await app.inject('/')).body
  assert.ok(home.includes('href="/baskets/BUD"'))
  assert.ok(home.includes('href="/baskets/MIX"'))
  assert.ok(home.includes(`href="/curves/${GPU}"`))

  // BUD: 1 Nov 1000 × 2.20 + 500 × 1.60 = 3000; 2 Nov 1000 × 2.30 + 500 × 1.70 = 3150: +150, +5 %
  const bud = (await app.inject('/baskets/BUD')).body
  assert.match(bud, /data-testid="latest-value">3,150\.00<\/span><span>USD on <strong>2026-11-02</)
  assert.match(bud, /<span class="num up">\+150\.00 \(\+5\.00%\)<\/span>/)
  assert.deepEqual(cell(bud, 'Quantity'), ['1,000 GPU-hour', '500 GPU-hour'])
  assert.deepEqual(cell(bud, 'Value'), ['2.3000', '1.7000'])
  // November: (3000 + 3150) / 2 = 3075
  assert.deepEqual([cell(bud, 'Average'), cell(bud, 'Min'), cell(bud, 'Max')], [['3,075.00'], ['3,000.00'], ['3,150.00']])
  assert.ok(bud.includes('href="/v1/baskets/BUD/chart.svg?from=2026-11-01&amp;to=2026-11-02"'))
  const chart = svgs(bud)[0]!
  assert.equal(XMLValidator.validate(chart), true)
  assert.match(chart, /USD · last 3,150\.00 on 2026-11-02/)
  assert.equal(/class="series" d="([^"]*)"/.exec(chart)![1]!.match(/[ML]/g)?.length, 2)

  // MIX: 100 × (0.6 × 2.30/2.20 + 0.4 × 1.70/1.60) = 100 × (0.6272727… + 0.425) = 105.227273 → 105.23 points
  const mix = (await app.inject('/baskets/MIX')).body
  assert.match(mix, /data-testid="latest-value">105\.23</)
  assert.match(mix, /\+5\.23 \(\+5\.23%\)/)
  assert.deepEqual(cell(mix, 'Weight'), ['60%', '40%'])
  const widget = await app.inject('/embed/baskets/MIX')
  assert.equal(widget.statusCode, 200)
  assert.match(widget.body, /data-testid="latest-value">105\.23 points</)
  assert.match(widget.body, /1 day \+5\.23 \(\+5\.23%\)/)
  assert.ok(widget.body.includes('href="/baskets/MIX"'))
  assert.equal(widget.headers['x-frame-options'], undefined)
  assert.match(String(widget.headers['content-security-policy']), /frame-ancestors https:\/\/dash\.example\.com$/)
  assert.match(String((await app.inject('/baskets/MIX')).headers['content-security-policy']), /frame-ancestors 'none'/)
  for (const url of ['/baskets/NOPE', '/embed/baskets/NOPE']) assert.equal((await app.inject(url)).statusCode, 404, url)
})

test('a basket built from quotes follows a revision of its component index; as_of before it gives the value as it was', async (t) => {
  const app = await curveBasketApp(t)
  const before = new Date().toISOString()
  await new Promise((resolve) => setTimeout(resolve, 20))
  // A late 12-month quote from lambda on 2 Nov: lambda's representative is median(1.70, 1.50) = 1.60, the
  // sorted contributors 1.50 1.60 1.60 1.80 1.90: H100-SXM-R12 on 2 Nov becomes 1.60, revision 2.
  await postQuotes(app, [quote(DAY2, 'lambda', 1.5, 12, 20)])
  const computed = await computeDays(app, DAY2, DAY2)
  assert.equal(computed.indices.find((i: { code: string }) => i.code === 'H100-SXM-R12').revised, 1, JSON.stringify(computed))
  const fixing = (await app.inject(`/v1/indices/H100-SXM-R12/values/${DAY2}`)).json()
  assert.deepEqual([fixing.value, fixing.revision], [1.6, 2])
  const day = async (asOf?: string) => (await app.inject({ url: `/v1/baskets/BUD/values?from=${DAY2}&to=${DAY2}${asOf ? `&as_of=${asOf}` : ''}`, headers: admin })).json().data[0]
  const was = await day(before)
  const now = await day()
  // before: 2300 + 500 × 1.70 = 3150; after: 2300 + 500 × 1.60 = 3100
  assert.equal(was.value, 3150)
  assert.equal(now.value, 3100)
  assert.equal(was.inputs.find((i: { code: string }) => i.code === 'H100-SXM-R12').revision, 1)
  assert.equal(now.inputs.find((i: { code: string }) => i.code === 'H100-SXM-R12').revision, 2)
  assert.notEqual(was.hash, now.hash)
  assert.match((await app.inject('/baskets/BUD')).body, /data-testid="latest-value">3,100\.00</)
  // the curve follows too: 1.60 / 2.30 − 1 = −0.3043478… → −30.4348 %
  assert.ok(cell((await app.inject(`/curves/${GPU}`)).body, 'Premium').includes('−30.4348%'))
})
