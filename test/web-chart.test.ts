import assert from 'node:assert/strict'
import { test } from 'node:test'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import createClient from 'openapi-fetch'
import type { paths } from '../packages/client/src/openapi.d.ts'
import { renderChart, renderSparkline, type ChartPoint } from '../src/web/chart-svg.ts'
import { change, direction, formatChange } from '../src/web/format.ts'
import { buildTestApp } from './helpers/app.ts'
import { listenApp } from './helpers/http.ts'
import { CODE, demoDatabase, FIRST, REVISED_DAY } from './helpers/web-fixture.ts'

// GET /v1/indices/{code}/chart.svg and the SVG renderer: well-formed XML, one vertex per published day,
// revised days ringed, axes with dates and the unit, caching, and 400/404 problems for bad requests.

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' })
const vertices = (svg: string) => (/class="series" d="([^"]*)"/.exec(svg)?.[1] ?? '').match(/[ML]/g)?.length ?? 0
const rings = (svg: string) => svg.match(/class="revised"/g)?.length ?? 0
const points = (values: (number | null)[], start = '2026-10-01'): ChartPoint[] =>
  values.map((value, i) => ({ date: new Date(Date.parse(start) + i * 86_400_000).toISOString().slice(0, 10), value, revision: 1 }))

test('renderChart: well-formed SVG with title, unit, date and value axes; gaps break the line; empty and single-day charts', () => {
  const svg = renderChart(points([2.5, 2.6, null, 2.7, 2.65, null, 2.8]), { width: 800, height: 360, title: 'X & <Y>', unit: 'USD/GPU-hour' })
  assert.equal(XMLValidator.validate(svg), true)
  const doc = parser.parse(svg).svg
  assert.deepEqual([doc.width, doc.height, doc.viewBox], ['800', '360', '0 0 800 360'])
  assert.match(svg, /X &amp; &lt;Y&gt;/)
  assert.match(svg, /USD\/GPU-hour · last 2\.8000 on 2026-10-07/, "the unit's display scale: 4 decimals")
  assert.equal(vertices(svg), 5)
  assert.equal((/class="series" d="([^"]*)"/.exec(svg)![1]!.match(/M/g) ?? []).length, 3, 'three runs: before, between and after the gaps')
  assert.match(svg, />2026-10-01</, 'the first day is a tick')
  assert.match(svg, />2\.6</, 'value ticks')
  assert.equal(XMLValidator.validate(renderChart([], { width: 300, height: 200, title: 'T', unit: 'U' })), true)
  assert.match(renderChart([], { width: 300, height: 200, title: 'T', unit: 'U' }), /No published values/)
  const one = renderChart(points([3]), { width: 300, height: 200, title: 'T', unit: 'U' })
  assert.equal(XMLValidator.validate(one), true)
  assert.equal(vertices(one), 1)
  assert.doesNotMatch(one, /NaN|Infinity/)
  const flat = renderSparkline(points([1, 1, 1]), { width: 100, height: 20, label: 'a "label"' })
  assert.equal(XMLValidator.validate(flat), true)
  assert.doesNotMatch(flat, /NaN/)
})

test('changes are exact differences of the published 6-decimal figures', () => {
  assert.deepEqual(change(0.3, 0.1), { abs: 0.2, pct: 200 })
  const gpu = 'USD/GPU-hour'
  assert.equal(formatChange(change(2.945, 2.99), gpu), '−0.0450 (−1.51%)')
  assert.equal(formatChange(change(1.000001, 1), gpu), '±0.0000 (0.00%)', 'a change below the display scale reads as none')
  assert.equal(formatChange(change(1.013801, 1), 'USD/1M tokens'), '+0.0138 (+1.38%)')
  assert.equal(formatChange(change(2, 2), gpu), '±0.0000 (0.00%)')
  // the colour follows what is shown: a change that reads ±0.0000 (0.00%) is flat, never green or red
  assert.equal(direction(change(1.000001, 1), gpu), 'flat')
  assert.equal(direction(change(0.999999, 1), gpu), 'flat')
  assert.equal(formatChange(change(0.999999, 1), gpu), '±0.0000 (0.00%)', 'never −0.00%')
  assert.equal(direction(change(2, 2), gpu), 'flat')
  assert.equal(direction(change(2.945, 2.99), gpu), 'down')
  assert.equal(direction(change(1.013801, 1), 'USD/1M tokens'), 'up')
  // below the value's scale but not the percentage's: ±0.0000 (+0.20%) is a rise, coloured as one
  assert.equal(formatChange(change(0.02004, 0.02), 'USD/1M tokens'), '±0.0000 (+0.20%)')
  assert.equal(direction(change(0.02004, 0.02), 'USD/1M tokens'), 'up')
  assert.equal(formatChange(change(null, 2), gpu), '—')
  assert.equal(formatChange(change(104.5, 100), 'points'), '+4.50 (+4.50%)', 'other units: 2 decimals')
})

test('GET /v1/indices/{code}/chart.svg: valid XML, a vertex per published day, the restated day ringed, cacheable', { timeout: 120_000 }, async (t) => {
  const app = await buildTestApp(t, { database: await demoDatabase(t) })
  const history = (await app.inject(`/v1/indices/${CODE}/values`)).json().data as { date: string, status: string, revision: number, published_at: string }[]
  const ok = history.filter((f) => f.status === 'ok')
  assert.equal(history[0]!.date, FIRST)

  const res = await app.inject(`/v1/indices/${CODE}/chart.svg`)
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['content-type'], 'image/svg+xml; charset=utf-8')
  assert.equal(XMLValidator.validate(res.body), true)
  assert.ok(res.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'))
  assert.equal(vertices(res.body), ok.length)
  assert.equal(rings(res.body), 1)
  assert.match(res.body, new RegExp(`<title>${REVISED_DAY}: revision 2, `))
  assert.match(res.body, /USD\/GPU-hour · last [\d.]+ on 2026-11-01/)
  assert.match(res.body, new RegExp(`>${FIRST}</`), 'date ticks, the first day among them')
  assert.equal(res.headers['cache-control'], 'public, max-age=60, must-revalidate')
  assert.ok(res.headers.etag)
  assert.equal((await app.inject({ url: `/v1/indices/${CODE}/chart.svg`, headers: { 'if-none-match': String(res.headers.etag) } })).statusCode, 304)

  const part = await app.inject(`/v1/indices/${CODE}/chart.svg?from=2026-10-10&to=2026-10-19&width=480&height=240`)
  assert.equal(part.statusCode, 200)
  assert.equal(vertices(part.body), 10)
  assert.equal(rings(part.body), 0)
  assert.deepEqual([parser.parse(part.body).svg.width, parser.parse(part.body).svg.height], ['480', '240'])
  // as of a time before the restatement: the first revision, nothing ringed
  const before = new Date(Date.parse(history.find((f) => f.date === REVISED_DAY)!.published_at) - 1).toISOString()
  const asOf = await app.inject(`/v1/indices/${CODE}/chart.svg?as_of=${before}`)
  assert.equal(asOf.statusCode, 200)
  assert.equal(rings(asOf.body), 0)
  assert.equal(vertices(asOf.body), ok.length)
  // a range with no fixings is still an image
  const empty = await app.inject(`/v1/indices/${CODE}/chart.svg?from=2020-01-01&to=2020-01-31`)
  assert.equal(empty.statusCode, 200)
  assert.match(empty.body, /No published values in this range/)
})

test('chart.svg refuses bad parameters with a problem naming the parameter, and unknown indices with 404', async (t) => {
  const app = await buildTestApp(t)
  const url = '/v1/indices/H100-SXM-OD/chart.svg'
  for (const [query, param] of [['width=abc', 'width'], ['width=10', 'width'], ['height=99999', 'height'], ['width=1.5', 'width'], ['from=2026-02-30', 'from'],
    ['to=yesterday', 'to'], ['from=2026-11-02&to=2026-11-01', 'to'], ['from=2000-01-01&to=2026-11-01', 'from'], ['as_of=2026-11-01', 'as_of'], ['from=2099-01-01', 'from']] as const) {
    const res = await app.inject(`${url}?${query}`)
    assert.equal(res.statusCode, 400, query)
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
    assert.ok(res.json().errors.some((e: { path: string }) => e.path === `querystring/${param}`), `${query}: ${res.body}`)
  }
  const missing = await app.inject('/v1/indices/NOPE-1/chart.svg')
  assert.equal(missing.statusCode, 404)
  assert.equal(missing.json().type, 'https://cpx.dev/problems/index-not-found')
  // an index without fixings yet: an empty chart, not an error
  const none = await app.inject(url)
  assert.equal(none.statusCode, 200)
  assert.match(none.body, /No published values/)
})

test('the typed client (docs/embedding.md): the chart as SVG text, a bad width as a typed problem', async (t) => {
  const app = await buildTestApp(t)
  const cpx = createClient<paths>({ baseUrl: await listenApp(app) })
  const chart = await cpx.GET('/v1/indices/{code}/chart.svg', { params: { path: { code: CODE }, query: { from: '2026-10-01', to: '2026-10-31', width: 1200 } }, parseAs: 'text' })
  assert.equal(chart.response.status, 200)
  assert.equal(XMLValidator.validate(chart.data!), true)
  const bad = await cpx.GET('/v1/indices/{code}/chart.svg', { params: { path: { code: CODE }, query: { width: 5 } } })
  assert.equal(bad.error?.errors?.[0]?.path, 'querystring/width')
})
