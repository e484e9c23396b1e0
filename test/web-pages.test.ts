import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { XMLValidator } from 'fast-xml-parser'
import { createApiKey } from '../src/domain/api-keys.ts'
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
  assert.equal(catalog.length, 22)
  for (const i of catalog) {
    assert.ok(home.body.includes(`href="/indices/${i.code}"`), i.code)
    assert.ok(home.body.includes(withUnit(i.latest.value, i.unit)), `${i.code} ${i.latest.value}`)
  }
  assert.equal(home.body.match(/data-label="1 day"/g)?.length, 22)
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
  assert.match(body, new RegExp(`data-testid="latest-value">${formatValue(latest.value).replace('.', '\\.')}</span>`))
  for (const f of ['n_providers', 'n_contributors', 'n_quotes']) assert.ok(body.includes(`<dd>${latest[f]}</dd>`), f)
  for (const f of ['p25', 'p75', 'min', 'max', 'max_provider_impact']) assert.ok(body.includes(formatValue(latest[f])), f)
  assert.ok(body.includes(latest.hash))
  for (const c of latest.constituents) assert.ok(body.includes(`<td data-label="Provider">${c.provider}</td>`), c.provider)
  assert.match(body, /Methodology \(version 1\)/)
  assert.match(body, /median of the remaining contributors/)
  assert.ok(body.includes(`href="/v1/indices/${CODE}/values?format=csv"`))
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
  assert.ok(page.includes(`href="/v1/indices/${CODE}/values?format=csv&amp;api_key=${key}"`))
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
