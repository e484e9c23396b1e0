import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { formatValue } from '../src/web/format.ts'
import { buildTestApp } from './helpers/app.ts'
import { curveBasketApp, GPU } from './helpers/curve-basket-fixture.ts'
import { listenApp, serveFixture } from './helpers/http.ts'
import { CODE, demoDatabase } from './helpers/web-fixture.ts'

// The pages in a real browser: Debian's Chromium driven by playwright-core (no browser download). It
// opens the index page on a listening test server with demo data, checks that the chart and the latest
// value render at 1280 and 375 px without sideways scrolling or CSP refusals, frames the widget from an
// allowed and a refused origin, and saves screenshots under test-artifacts/.
// Without Chromium the test is skipped with a message, unless CPX_REQUIRE_BROWSER=1 (CI) makes it fail.

const CHROMIUM = process.env.CPX_CHROMIUM ?? '/usr/bin/chromium'
const REQUIRED = Boolean(process.env.CPX_REQUIRE_BROWSER)
const ARTIFACTS = 'test-artifacts'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']

async function launch (t: { after: (fn: () => unknown) => void }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'cpx-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } })
  // Closed first thing after the test (node:test runs after-hooks in order): its keep-alive sockets
  // would otherwise hold the servers' close for their idle timeout.
  t.after(async () => { await context.close(); rmSync(profile, { recursive: true, force: true }) })
  return context
}

/** Console errors (CSP refusals show up there) collected while `fn` runs. */
async function consoleErrors (page: Page, fn: () => Promise<void>): Promise<string[]> {
  const errors: string[] = []
  const listen = (m: { type: () => string, text: () => string }) => { if (m.type() === 'error') errors.push(m.text()) }
  page.on('console', listen)
  await fn()
  page.off('console', listen)
  return errors
}

test('index page, catalog and widget in headless Chromium at 1280 and 375 px', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    assert.ok(!REQUIRED, `CPX_REQUIRE_BROWSER is set but there is no Chromium at ${CHROMIUM} (apt-get install chromium, or set CPX_CHROMIUM)`)
    t.skip(`no Chromium at ${CHROMIUM}: browser test skipped (install Debian's chromium, or set CPX_CHROMIUM; CPX_REQUIRE_BROWSER=1 makes this a failure)`)
    return
  }
  mkdirSync(ARTIFACTS, { recursive: true })
  const context = await launch(t)
  // A "dashboard" on another local origin frames the widget: allowed as http://127.0.0.1:<port>, refused
  // as http://localhost:<port> (same server, another origin). Both local: Chromium blocks public→local frames.
  let embedSrc = ''
  const dashboard = await serveFixture(t, (_req, res) => res.writeHead(200, { 'content-type': 'text/html' })
    .end(`<!doctype html><title>dashboard</title><iframe src="${embedSrc}" width="440" height="170" title="CPX ${CODE}"></iframe>`))
  const dashboardPort = new URL(dashboard).port
  const database = await demoDatabase(t)
  const app = await buildTestApp(t, { database, env: { EMBED_ORIGINS: dashboard } })
  const base = await listenApp(app)
  embedSrc = `${base}/embed/${CODE}`
  const latest = (await app.inject(`/v1/indices/${CODE}/latest`)).json()
  const history = (await app.inject(`/v1/indices/${CODE}/values`)).json().data as { status: string }[]
  const page = await context.newPage()

  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 })
    const errors = await consoleErrors(page, async () => {
      const res = await page.goto(`${base}/indices/${CODE}`)
      assert.equal(res?.status(), 200)
    })
    assert.deepEqual(errors, [], `no console errors (CSP refusals) at ${width} px`)
    assert.equal((await page.getByTestId('latest-value').textContent())?.trim(), formatValue(latest.value, latest.unit ?? 'USD/GPU-hour'))
    // The chart drawn for this width is visible, wide enough to read, with one vertex per published day.
    const chart = page.locator(`figure.chart ${width < 640 ? '.chart-narrow' : '.chart-wide'} svg`)
    assert.ok(await chart.isVisible(), `chart visible at ${width} px`)
    const box = (await chart.boundingBox())!
    assert.ok(box.width >= width * 0.8 - 40 && box.width <= width, `chart ${box.width} px wide at ${width} px`)
    const vertices = await chart.locator('path.series').getAttribute('d')
    assert.equal(vertices?.match(/[ML]/g)?.length, history.filter((f) => f.status === 'ok').length)
    assert.equal(await chart.locator('circle.revised').count(), 1, 'the restated day is ringed')
    assert.ok(await chart.locator('text').first().isVisible())
    assert.ok(await page.getByRole('table').first().isVisible(), 'constituents table')
    assert.ok(await page.getByTestId('demo-notice').isVisible(), `the demo-data notice is visible at ${width} px`)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `no sideways scrolling at ${width} px (${overflow} px over)`)
    await page.screenshot({ path: `${ARTIFACTS}/index-${width}.png`, fullPage: true })
    await page.screenshot({ path: `${ARTIFACTS}/index-${width}-first-screen.png` })

    await page.goto(`${base}/`)
    assert.equal(await page.locator('tbody tr').count(), 24)
    assert.ok(await page.getByText(formatValue(latest.value, latest.unit ?? 'USD/GPU-hour') + ' USD/GPU-hour').first().isVisible())
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, `catalog fits ${width} px`)
    await page.screenshot({ path: `${ARTIFACTS}/catalog-${width}.png`, fullPage: true })
  }

  // The widget framed by a configured origin renders; framed by another, Chromium refuses it (frame-ancestors).
  await page.setViewportSize({ width: 480, height: 220 })
  await page.goto(`http://127.0.0.1:${dashboardPort}/`)
  const framed = page.frameLocator('iframe')
  assert.equal((await framed.getByTestId('latest-value').textContent())?.trim(), `${formatValue(latest.value, latest.unit ?? 'USD/GPU-hour')} USD/GPU-hour`)
  await page.screenshot({ path: `${ARTIFACTS}/embed-allowed.png` })
  // Chromium reports the refusal on the console of the framing page (waited for as an event, not a time).
  const refusal = page.waitForEvent('console', { predicate: (m) => /frame-ancestors/.test(m.text()) })
  await page.goto(`http://localhost:${dashboardPort}/`)
  assert.match((await refusal).text(), new RegExp(`frame-ancestors http://127\\.0\\.0\\.1:${dashboardPort}".*blocked`))
  for (const frame of page.frames().filter((f) => f !== page.mainFrame())) {
    const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '')
    assert.ok(!text.includes('USD/GPU-hour'), 'a page on another origin cannot show the widget')
  }
})

test('GPU term-curve page and basket page in headless Chromium at 1280 and 375 px: no sideways scrolling', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    assert.ok(!REQUIRED, `CPX_REQUIRE_BROWSER is set but there is no Chromium at ${CHROMIUM}`)
    t.skip(`no Chromium at ${CHROMIUM}: browser test skipped`)
    return
  }
  mkdirSync(ARTIFACTS, { recursive: true })
  const context = await launch(t)
  const app = await curveBasketApp(t)
  const base = await listenApp(app)
  const page = await context.newPage()
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 })
    for (const [path, value, name] of [[`/curves/${GPU}`, '2.3000', 'curve'], ['/baskets/BUD', '3,150.00', 'basket']] as const) {
      const errors = await consoleErrors(page, async () => {
        const res = await page.goto(`${base}${path}`)
        assert.equal(res?.status(), 200, path)
      })
      assert.deepEqual(errors, [], `no console errors (CSP refusals) on ${path} at ${width} px`)
      assert.equal((await page.getByTestId(name === 'curve' ? 'spot-value' : 'latest-value').textContent())?.trim(), value)
      const chart = page.locator(`figure.chart ${width < 640 ? '.chart-narrow' : '.chart-wide'} svg`)
      assert.ok(await chart.isVisible(), `${path}: chart visible at ${width} px`)
      const box = (await chart.boundingBox())!
      assert.ok(box.width >= width * 0.8 - 40 && box.width <= width, `${path}: chart ${box.width} px wide at ${width} px`)
      assert.ok(await page.getByRole('table').first().isVisible(), `${path}: table visible`)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      assert.ok(overflow <= 0, `${path}: no sideways scrolling at ${width} px (${overflow} px over)`)
      await page.screenshot({ path: `${ARTIFACTS}/${name}-${width}.png`, fullPage: true })
    }
  }
})
