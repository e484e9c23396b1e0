import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { sql } from 'kysely'
import { XMLValidator } from 'fast-xml-parser'
import { createApiKey } from '../src/domain/api-keys.ts'
import { ingestQuotes } from '../src/domain/quotes.ts'
import { ConfigError, loadConfig } from '../src/config.ts'
import { formatValue, withUnit } from '../src/web/format.ts'
import { frameAncestors } from '../src/web/routes.ts'
import { admin, buildTestApp } from './helpers/app.ts'
import { CODE, demoDatabase, END, REVISED_DAY } from './helpers/web-fixture.ts'

// The server-rendered pages: GET / (every index), /indices/{code}, /embed/{code}. Status, the values
// the API serves, escaping, the CSP that allows exactly their inline stylesheet, framing rules, caching.

const styleOf = (html: string) => /<style>([\s\S]*?)<\/style>/.exec(html)![1]!
const hashOf = (css: string) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`
const svgs = (html: string) => [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0])

test('pages: catalog, index page and widget show the API\'s values, with a CSP that allows only their own stylesheet', { timeout: 120_000 }, async (t) => {
  const database = await demoDatabase(t)
  const app = await buildTestApp(t, { database, env: { EMBED_ORIGINS: 'https://dash.example.com, self' } })
  const catalog = (await app.inject('/v1/indices')).json().data as { code: string, unit: string, latest: { value: number, date: string } }[]

  const home = await app.inject('/')
  assert.equal(home.statusCode, 200)
  assert.equal(home.headers['content-type'], 'text/html; charset=utf-8')
  assert.equal(catalog.length, 24)
  for (const i of catalog) {
    assert.ok(home.body.includes(`href="/indices/${i.code}"`), i.code)
    assert.ok(home.body.includes(withUnit(i.latest.value, i.unit)), `${i.code} ${i.latest.value}`)
  }
  assert.equal(home.body.match(/data-label="1 day"/g)?.length, 24)
  assert.ok(svgs(home.body).every((s) => XMLValidator.validate(s) === true))
  const csp = String(home.headers['content-security-policy'])
  assert.match(csp, /default-src 'none'/)
  assert.match(csp, /frame-ancestors 'none'/)
  assert.ok(csp.includes(`style-src ${hashOf(styleOf(home.body))}`), 'the CSP allows exactly the inline stylesheet')
  assert.doesNotMatch(csp + home.body, /unsafe-inline|<script|style="/)
  assert.ok(['DENY', 'SAMEORIGIN'].includes(String(home.headers['x-frame-options'])), 'older browsers get X-Frame-Options too')
  assert.equal(home.headers['referrer-policy'], 'no-referrer', 'a key in the URL does not leak through links')
  assert.ok(home.headers.etag)
  assert.equal((await app.inject({ url: '/', headers: { 'if-none-match': String(home.headers.etag) } })).statusCode, 304)

  const latest = (await app.inject(`/v1/indices/${CODE}/values/${END}?include=constituents`)).json()
  const page = await app.inject(`/indices/${CODE}`)
  assert.equal(page.statusCode, 200)
  const body = page.body
  assert.match(body, new RegExp(`data-testid="latest-value">${formatValue(latest.value, latest.unit).replace('.', '\\.')}</span>`))
  for (const f of ['n_providers', 'n_contributors', 'n_quotes']) assert.ok(body.includes(`<dd>${latest[f]}</dd>`), f)
  for (const f of ['p25', 'p75', 'min', 'max', 'max_provider_impact']) assert.ok(body.includes(formatValue(latest[f], latest.unit)), f)
  assert.ok(body.includes(latest.hash))
  for (const c of latest.constituents) assert.ok(body.includes(`<td data-label="Provider">${c.provider}</td>`), c.provider)
  assert.match(body, /Methodology \(version 1\)/)
  assert.match(body, /median of the remaining contributors/)
  assert.ok(body.includes(`href="/v1/indices/${CODE}/values.csv"`))
  assert.ok(body.includes(`href="/v1/indices/${CODE}/chart.svg"`))
  const [wide, narrow] = svgs(body)
  for (const svg of [wide!, narrow!]) {
    assert.equal(XMLValidator.validate(svg), true)
    assert.match(svg, new RegExp(`<title>${REVISED_DAY}: revision 2`))
  }
  assert.match(wide!, /width="1040"/)
  assert.match(narrow!, /width="340"/)

  // the widget: framed only by EMBED_ORIGINS, no X-Frame-Options
  const widget = await app.inject(`/embed/${CODE}`)
  assert.equal(widget.statusCode, 200)
  assert.ok(widget.body.includes(withUnit(latest.value, 'USD/GPU-hour')))
  assert.ok(widget.body.includes(END))
  assert.equal(widget.headers['x-frame-options'], undefined)
  const wcsp = String(widget.headers['content-security-policy'])
  assert.match(wcsp, /frame-ancestors https:\/\/dash\.example\.com 'self'$/)
  assert.ok(wcsp.includes(`style-src ${hashOf(styleOf(widget.body))}`))

  for (const url of ['/indices/NOPE-1', '/embed/NOPE-1', '/indices/%3Cscript%3E']) {
    const res = await app.inject(url)
    assert.equal(res.statusCode, 404, url)
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  }
})

test('pages escape what definitions contain, and show an index without fixings', async (t) => {
  const app = await buildTestApp(t)
  const put = await app.inject({
    method: 'PUT',
    url: '/v1/indices/XSS-1',
    headers: admin,
    payload: { name: '<script>alert(1)</script>', description: '"quoted" & <b>bold</b>', kind: 'gpu', segments: { on_demand: 1 } },
  })
  assert.equal(put.statusCode, 201, put.body)
  for (const url of ['/', '/indices/XSS-1', '/embed/XSS-1']) {
    const res = await app.inject(url)
    assert.equal(res.statusCode, 200, url)
    assert.doesNotMatch(res.body, /<script|<b>bold/, url)
    assert.match(res.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, url)
  }
  assert.match((await app.inject('/indices/XSS-1')).body, /No fixing has been published for this index yet/)
  assert.match((await app.inject('/indices/XSS-1')).body, /&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;\/b&gt;/)
})

test('with READ_API_KEY_REQUIRED the pages need a key like every read; ?api_key= works and is carried into their links', async (t) => {
  const app = await buildTestApp(t, { env: { READ_API_KEY_REQUIRED: 'true' } })
  const { key } = await createApiKey(app.db, 'sheet', 'read')
  for (const url of ['/', `/indices/${CODE}`, `/embed/${CODE}`, `/v1/indices/${CODE}/chart.svg`]) {
    const anonymous = await app.inject(url)
    assert.equal(anonymous.statusCode, 401, url)
    assert.match(String(anonymous.headers['content-type']), /^application\/problem\+json/)
    const keyed = await app.inject(`${url}?api_key=${key}`)
    assert.equal(keyed.statusCode, 200, url)
    assert.equal(keyed.headers['cache-control'], 'private, max-age=60, must-revalidate')
  }
  const page = (await app.inject(`/indices/${CODE}?api_key=${key}`)).body
  assert.ok(page.includes(`href="/v1/indices/${CODE}/values.csv?api_key=${key}"`))
  assert.ok(page.includes(`href="/embed/${CODE}?api_key=${key}"`))
  // without the requirement a key given anyway is not echoed into the page
  const open = await buildTestApp(t)
  assert.ok(!(await open.inject(`/?api_key=${key}`)).body.includes(key))
})

test('EMBED_ORIGINS: self by default, none, *, or a list of origins; anything else refuses to start', () => {
  assert.equal(frameAncestors(loadConfig({}).EMBED_ORIGINS), "'self'")
  assert.equal(frameAncestors('none'), "'none'")
  assert.equal(frameAncestors('*'), '*')
  assert.equal(frameAncestors(loadConfig({ EMBED_ORIGINS: "https://a.example.com,  https://*.b.example:8443 'self'" }).EMBED_ORIGINS), "https://a.example.com https://*.b.example:8443 'self'")
  for (const bad of ['javascript:alert(1)', "https://a.example.com; script-src 'unsafe-inline'", 'a.example.com', '   ']) {
    assert.throws(() => loadConfig({ EMBED_ORIGINS: bad }), ConfigError, bad)
  }
})

// Every figure of an index on the HTML surface: its value and its changes at one display scale (4 decimals for
// both units), so a column never mixes 1.185362, 1.7721 and 10.00, and a change reads +0.0138 beside ±0.0000.
const FOUR = /^[+−±]?\d{1,3}(,\d{3})*\.\d{4}(?!\d)/
const cells = (html: string, label: string) => [...html.matchAll(new RegExp(`data-label="${label}">([^<]*)</td>`, 'g'))].map((m) => m[1]!)

test('pages: every value and change of an index has its fixed decimals; demo data says so on every page and the widget', { timeout: 120_000 }, async (t) => {
  const database = await demoDatabase(t)
  const app = await buildTestApp(t, { database })
  const catalog = (await app.inject('/v1/indices')).json().data as { code: string, unit: string, latest: { value: number | null } }[]
  const home = (await app.inject('/')).body
  const latestCells = cells(home, 'Latest')
  assert.equal(latestCells.length, catalog.length)
  const values = latestCells.filter((c) => c !== 'no value' && c !== 'not fixed yet')
  assert.ok(values.length >= 15, `${values.length} indices with a value`)
  for (const c of values) assert.match(c, /^\d{1,3}(,\d{3})*\.\d{4} USD\/(GPU-hour|1M tokens)$/, c)
  const changes = [...cells(home, '1 day'), ...cells(home, '30 days')].filter((c) => c !== '—')
  assert.ok(changes.length >= 20)
  for (const c of changes) assert.match(c, /^[+−±]\d{1,3}(,\d{3})*\.\d{4} \(/, c)
  // the JSON API keeps the published decimals: a value with more than 4 exists and is shown rounded
  const fine = catalog.find((i) => i.latest.value !== null && !Number.isInteger(i.latest.value * 1e4))
  assert.ok(fine, 'some published value has more than 4 decimals')
  assert.ok(home.includes(withUnit(fine.latest.value, fine.unit)))
  assert.ok(!home.includes(String(fine.latest.value)), `${fine.latest.value} is not shown raw`)

  const page = (await app.inject(`/indices/${CODE}`)).body
  const headline = /data-testid="latest-value">([^<]*)</.exec(page)![1]!
  assert.match(headline, /^\d+\.\d{4}$/)
  for (const m of page.matchAll(/<span class="num (?:up|down|flat)">([^<]*)<\/span>/g)) assert.match(m[1]!, FOUR, m[1])
  for (const c of cells(page, 'Price')) assert.match(c, /^\d{1,3}(,\d{3})*\.\d{4}$/, c)
  for (const term of ['Min', 'Max']) assert.match(new RegExp(`<dt>${term}</dt><dd>([^<]*)</dd>`).exec(page)![1]!, /^\d+\.\d{4} USD\/GPU-hour$/)
  const widget = (await app.inject(`/embed/${CODE}`)).body
  assert.match(/data-testid="latest-value">([^<]*)</.exec(widget)![1]!, /^\d+\.\d{4} USD\/GPU-hour$/)
  assert.match(/1 day ([^<]*)</.exec(widget)![1]!, FOUR)

  // demo: the notice on the catalog, the index page and the widget
  for (const [url, body] of [['/', home], [`/indices/${CODE}`, page], [`/embed/${CODE}`, widget]] as const) {
    assert.match(body, /data-testid="demo-notice"><strong>Demo data/, url)
    assert.match(body, /synthetic/, url)
  }
  // without demo data (an empty database with the default catalog): no notice
  const clean = await buildTestApp(t)
  for (const url of ['/', `/indices/${CODE}`, `/embed/${CODE}`]) assert.doesNotMatch((await clean.inject(url)).body, /demo-notice/, url)
})

test('an index whose sources are all stale says so on its page and widget', { timeout: 120_000 }, async (t) => {
  const database = await demoDatabase(t)
  const app = await buildTestApp(t, { database })
  assert.doesNotMatch((await app.inject(`/indices/${CODE}`)).body, /stale-notice/)
  // A configured source that has never succeeded (stale) stored the quotes of the latest fixing's contributors.
  const put = await app.inject({ method: 'PUT', url: '/v1/sources/feed-h100', headers: admin, payload: { importer: 'skypilot', url: 'https://feed.example.com/vms.csv' } })
  assert.equal(put.statusCode, 201, put.body)
  const { db } = database
  const run = await sql<{ id: number }>`insert into source_runs (source, importer, trigger, status, finished_at) values ('feed-h100', 'skypilot', 'schedule', 'failed', now()) returning id`.execute(db)
  // the next day's quotes come from that run (quotes are append-only: they are stored with it)
  const next = '2026-11-02'
  const quotes = ['lambda', 'runpod', 'vast'].flatMap((provider, i) => [0, 1].map((h) => ({
    provider, product: 'h100-sxm', segment: 'on_demand', price: String(2.5 + i / 10), currency: 'USD', unit: 'gpu_hour', observed_at: `${next}T1${h}:00:00Z`,
  })))
  const stored = await ingestQuotes(db, quotes, { runId: Number(run.rows[0]!.id) })
  assert.equal(stored.accepted, 6, JSON.stringify(stored))
  const computed = await app.inject({ method: 'POST', url: '/v1/indices/compute', headers: admin, payload: { from: next, to: next, indices: [CODE] } })
  assert.equal(computed.statusCode, 200, computed.body)
  const latest = (await app.inject(`/v1/indices/${CODE}/latest`)).json()
  assert.equal(latest.date, next)
  assert.deepEqual(latest.source_health, { sources: ['feed-h100'], all_stale: true })
  const page = (await app.inject(`/indices/${CODE}`)).body
  assert.match(page, /data-testid="stale-notice">Stale sources: every feed behind this value has missed its refresh/)
  assert.match((await app.inject(`/embed/${CODE}`)).body, /data-testid="stale-notice"/)
  // another index, fed by none of that source's quotes, has no note
  assert.doesNotMatch((await app.inject('/indices/TOK-FRONTIER-BLEND')).body, /stale-notice/)
})
