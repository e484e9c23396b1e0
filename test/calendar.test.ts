import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import fc from 'fast-check'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { admin } from './helpers/app.ts'
import { loadQuotesFile, rejectsPath } from '../src/cli/quotes.ts'
import { checkQuoteShapes } from '../src/domain/quote-input.ts'
import { daysInMonth, EARLIEST_DATE, isLeapYear, parseDate, parseTimestamp, utcText } from '../src/domain/calendar.ts'
import { IsoDate, Rfc3339 } from '../src/domain/contracts.ts'
import { countQuotes, fileHooks, gpuQuote, postQuotes, seededApp, type TestApp } from './helpers/ingest-seed.ts'

// Issue #23: one calendar rule for every date and time (src/domain/calendar.ts).

const p2 = (n: number) => String(n).padStart(2, '0')
const p4 = (n: number) => String(n).padStart(4, '0')
const ymd = (y: number, m: number, d: number) => `${p4(y)}-${p2(m)}-${p2(d)}`

test('leap years: 1900 no, 2000 yes, 2024 yes, 2026 no', () => {
  assert.equal(isLeapYear(1900), false)
  assert.equal(isLeapYear(2000), true)
  assert.equal(isLeapYear(2024), true)
  assert.equal(isLeapYear(2026), false)
  assert.equal(parseDate('1900-02-29').ok, false)
  assert.equal(parseDate('2000-02-29').ok, true)
  assert.equal(parseDate('2024-02-29').ok, true)
  assert.equal(parseDate('2026-02-29').ok, false)
  assert.equal(parseDate('2026-02-30').ok, false)
  assert.equal(parseDate('2026-04-31').ok, false)
  assert.equal(parseDate('2026-00-10').ok, false)
  assert.equal(parseDate('2026-13-01').ok, false)
})

test('property: a date is accepted iff its day is within its month, and agrees with the JS calendar', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 31 }), (y, m, d) => {
    const r = parseDate(ymd(y, m, d))
    assert.equal(r.ok, d >= 1 && d <= daysInMonth(y, m))
    if (r.ok) assert.equal(new Date(r.ms).toISOString().slice(0, 10), ymd(y, m, d))
  }), { numRuns: 2000 })
})

test('property: month ends — the last day is accepted, the day after is refused, in dates and timestamps', () => {
  fc.assert(fc.property(fc.integer({ min: 1583, max: 9999 }), fc.integer({ min: 1, max: 12 }), (y, m) => {
    const last = daysInMonth(y, m)
    // The JS calendar's last day of the month (day 0 of the next month).
    assert.equal(new Date(new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(y, m, 0)).getUTCDate(), last)
    assert.equal(parseDate(ymd(y, m, last)).ok, true)
    assert.equal(parseDate(ymd(y, m, last + 1)).ok, false)
    assert.equal(parseTimestamp(`${ymd(y, m, last)}T23:59:59Z`).ok, true)
    assert.equal(parseTimestamp(`${ymd(y, m, last + 1)}T00:00:00Z`).ok, false)
  }), { numRuns: 1000 })
})

const offsetArb = fc.oneof(
  fc.constantFrom('Z', 'z'),
  fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([s, h, m]) => `${s}${p2(h)}:${p2(m)}`)
)

test('property: valid timestamps (any offset, fraction, case of t/z) parse to the instant JS computes', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1970, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }),
    fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }),
    fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }), fc.constantFrom('T', 't', ' '), offsetArb,
    (y, mo, d0, h, mi, s, frac, sep, off) => {
      const d = Math.min(d0, daysInMonth(y, mo))
      const text = `${ymd(y, mo, d)}${sep}${p2(h)}:${p2(mi)}:${p2(s)}${frac ? '.' + frac : ''}${off}`
      const r = parseTimestamp(text)
      assert.ok(r.ok, text)
      const jsText = text.replace(/[t ]/, 'T').replace('z', 'Z').replace(/\.(\d{1,3})\d*/, '.$1')
      const js = Date.parse(jsText)
      assert.equal(r.ms, js, text)
      assert.equal(Rfc3339.safeParse(text).success, true)
    }), { numRuns: 2000 })
})

test('property: hour 24, minute 60, second 60 (leap second) and offsets beyond ±23:59 are refused', () => {
  fc.assert(fc.property(
    fc.constantFrom('24:00:00', '24:30:00', '23:60:00', '23:59:60', '12:00:60', '99:00:00'), offsetArb,
    (time, off) => {
      const text = `2026-06-30T${time}${off}`
      assert.equal(parseTimestamp(text).ok, false, text)
      assert.equal(Rfc3339.safeParse(text).success, false, text)
    }))
  for (const off of ['+24:00', '-00:60', '+5:00', '+0500']) assert.equal(parseTimestamp(`2026-06-30T12:00:00${off}`).ok, false, off)
  const leap = parseTimestamp('2016-12-31T23:59:60Z')
  assert.ok(!leap.ok && /leap second/.test(leap.reason))
})

test('schemas name the reason: shape, month length, hour 24', () => {
  const msg = (r: { success: boolean, error?: { issues: Array<{ message: string }> } }) => r.error?.issues.map((i) => i.message).join('; ')
  assert.match(msg(IsoDate.safeParse('2026-02-30'))!, /2026-02 has 28 days/)
  assert.match(msg(IsoDate.safeParse('2026/02/01'))!, /YYYY-MM-DD/)
  assert.match(msg(Rfc3339.safeParse('2026-02-28T24:00:00Z'))!, /hours run 00-23/)
  assert.equal(IsoDate.safeParse('2024-02-29').success, true)
})

test('quote shape check: the calendar and the bounds, each a reason on observed_at (fast path and zod agree)', () => {
  const now = Date.parse('2026-11-02T12:00:00Z')
  const bad = ['2026-02-30T00:00:00Z', '2026-11-01T24:00:00Z', '0001-01-01T00:00:00Z', '1900-01-01T00:00:00Z', '1969-12-31T23:59:59Z',
    '2014-12-31T23:59:59.999Z', '2015-01-01T00:30:00+01:00', '2026-11-02T12:05:00.001Z', '2016-12-31T23:59:60Z']
  for (const at of bad) {
    const r = checkQuoteShapes([gpuQuote({ observed_at: at })], { now })
    assert.equal(r.rows.length, 0, at)
    assert.deepEqual(r.errors.map((e) => e.path), ['quotes/0/observed_at'], at)
  }
  for (const at of [`${EARLIEST_DATE}T00:00:00Z`, '2024-02-29t12:00:00z', '2026-11-02T12:05:00Z', '2026-11-02T13:00:00.5+01:00']) {
    const r = checkQuoteShapes([gpuQuote({ observed_at: at })], { now })
    assert.equal(r.rows.length, 1, `${at}: ${JSON.stringify(r.errors)}`)
  }
})

let app: TestApp
before(async () => { app = await seededApp() })

for (const [at, why] of [
  ['2026-02-30T00:00:00Z', /28 days/], ['2026-11-01T24:00:00Z', /hours run 00-23/], ['1900-01-01T00:00:00Z', /before 2015-01-01/],
  ['0001-01-01T00:00:00Z', /before 2015-01-01/], ['1969-12-31T00:00:00Z', /before 2015-01-01/], ['2026-06-30T23:59:60Z', /leap second/],
] as const) {
  test(`POST /v1/quotes observed_at ${at} → 422 naming observed_at, not 500`, async () => {
    const before = await countQuotes(app)
    const res = await postQuotes(app, [gpuQuote({ price: '3.01' }), gpuQuote({ observed_at: at })])
    assert.equal(res.statusCode, 422, res.body)
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
    const errors = res.json().errors as Array<{ path: string, reason: string }>
    assert.deepEqual(errors.map((e) => e.path), ['quotes/1/observed_at'])
    assert.match(errors[0]!.reason, why)
    assert.equal(await countQuotes(app), before)
  })
}

test('POST /v1/quotes with a valid leap-day quote is still accepted', async () => {
  const res = await postQuotes(app, [gpuQuote({ observed_at: '2024-02-29T12:00:00Z', price: '2.41' }), gpuQuote({ observed_at: '2026-11-02t12:00:00.123z', price: '2.42' })])
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().accepted, 2)
})

const putFx = (rates: unknown[]) => app.inject({ method: 'PUT', url: '/v1/fx-rates', headers: admin, payload: { rates } })
const fx = (date: string) => ({ date, currency: 'CNY', usd_per_unit: '0.14', source: 'test' })

for (const [date, why] of [['9999-12-31', /future/], ['2014-12-31', /before 2015-01-01/], ['2026-02-30', /28 days/], ['2023-02-29', /28 days/]] as const) {
  // A bad FX body answers 400 validation-error, as every other bad rate already does (catalog.test.ts).
  test(`PUT /v1/fx-rates date ${date} → 400 problem naming the field, not stored`, async () => {
    const res = await putFx([fx('2026-11-01'), fx(date)])
    assert.equal(res.statusCode, 400, res.body)
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
    const errors = res.json().errors as Array<{ path: string, reason: string }>
    assert.ok(errors.some((e) => e.path === 'body/rates/1/date' && why.test(e.reason)), res.body)
    assert.equal((await app.inject('/v1/fx-rates?currency=CNY&from=2026-11-01&to=2026-11-01')).json().data.length, 0, 'the good rate of the batch is not stored')
  })
}

test('PUT /v1/fx-rates dated today and on a leap day is accepted', async () => {
  const res = await putFx([fx(new Date().toISOString().slice(0, 10)), fx('2024-02-29')])
  assert.ok(res.statusCode < 300, res.body)
})

test('query dates are held to the same calendar: from=2026-02-30 is refused, not rolled over', async () => {
  for (const url of ['/v1/fx-rates?from=2026-02-30', '/v1/quotes?from=2026-02-30T00:00:00Z', '/v1/quotes?to=2026-11-01T24:00:00Z']) {
    const res = await app.inject(url)
    assert.ok(res.statusCode === 400 || res.statusCode === 422, `${url}: ${res.statusCode} ${res.body}`)
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/)
  }
})

test('cpx quotes load: rows with impossible or implausible dates are rejected with reasons, the good row stored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpx-cal-'))
  fileHooks.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'quotes.csv')
  writeFileSync(file, [
    'provider,product,segment,price,currency,unit,observed_at',
    'lambda,h100-sxm,on_demand,2.71,USD,gpu_hour,2026-04-01T00:00:00Z',
    'lambda,h100-sxm,on_demand,2.72,USD,gpu_hour,2026-02-30T00:00:00Z',
    'lambda,h100-sxm,on_demand,2.73,USD,gpu_hour,2026-04-01T24:00:00Z',
    'lambda,h100-sxm,on_demand,2.74,USD,gpu_hour,1900-01-01T00:00:00Z',
  ].join('\n') + '\n')
  const r = await loadQuotesFile(app.db, file)
  assert.deepEqual([r.accepted, r.rejected, r.errors.map((e) => e.path)], [1, 3, ['row/1/observed_at', 'row/2/observed_at', 'row/3/observed_at']])
  const rejects = readFileSync(rejectsPath(file), 'utf8')
  assert.match(rejects, /2\.72,.*28 days/)
  assert.match(rejects, /2\.73,.*hours run 00-23/)
  assert.match(rejects, /2\.74,.*before 2015-01-01/)
})

test('as_of is held to the bounds: before 2015-01-01 or more than 5 minutes ahead is a 400 naming querystring/as_of', async () => {
  const ahead = (ms: number) => new Date(Date.now() + ms).toISOString()
  for (const [asOf, why] of [['1900-01-01T00:00:00Z', /before 2015-01-01/], ['2014-12-31T23:59:59Z', /before 2015-01-01/], [ahead(86_400_000), /future/], ['9999-12-31T23:59:59Z', /future/], ['2026-02-30T00:00:00Z', /28 days/]] as const) {
    for (const url of [`/v1/indices/H100-SXM-OD/values?as_of=${asOf}`, `/v1/indices/H100-SXM-OD/values/2026-11-02?as_of=${asOf}`, `/v1/indices/H100-SXM-OD/averages?as_of=${asOf}`]) {
      const res = await app.inject(url)
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`)
      const errors = res.json().errors as Array<{ path: string, reason: string }>
      assert.ok(errors.some((e) => e.path === 'querystring/as_of' && why.test(e.reason)), `${url}: ${res.body}`)
    }
  }
  for (const asOf of [`${EARLIEST_DATE}T00:00:00Z`, ahead(60_000), '2026-11-05T00:00:00+01:00']) {
    const res = await app.inject(`/v1/indices/H100-SXM-OD/values?as_of=${encodeURIComponent(asOf)}`)
    assert.equal(res.statusCode, 200, `${asOf}: ${res.body}`)
  }
})

test('an index base_date is held to the bounds: before 2015-01-01 or after today is refused naming body/base_date; today is accepted', async () => {
  const definition = (baseDate: string) => ({
    name: 'Calendar test', kind: 'gpu', segments: { on_demand: 1 }, methodology: { base_date: baseDate },
  })
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
  for (const [day, why] of [['2014-12-31', /before 2015-01-01/], [tomorrow, /future/], ['2025-02-29', /28 days/]] as const) {
    // the calendar is the schema's (400); the bounds are a rule of the definition (422): both name the field
    const res = await app.inject({ method: 'PUT', url: '/v1/indices/CAL-TEST', headers: admin, payload: definition(day) })
    assert.ok(res.statusCode === 400 || res.statusCode === 422, `${day}: ${res.statusCode} ${res.body}`)
    const errors = res.json().errors as Array<{ path: string, reason: string }>
    assert.ok(errors.some((e) => e.path.endsWith('base_date') && why.test(e.reason)), `${day}: ${res.body}`)
    assert.equal((await app.inject('/v1/indices/CAL-TEST')).statusCode, 404, 'nothing stored')
  }
  const today = await app.inject({ method: 'PUT', url: '/v1/indices/CAL-TEST', headers: admin, payload: definition(new Date().toISOString().slice(0, 10)) })
  assert.equal(today.statusCode, 201, today.body)
})

test('property: utcText gives the same instant in UTC, the fraction kept digit for digit, for every offset RFC 3339 allows', () => {
  fc.assert(fc.property(
    fc.integer({ min: Date.parse('2015-01-01T00:00:00Z'), max: Date.parse('2030-12-31T23:59:59Z') }), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
    fc.option(fc.stringMatching(/^\d{1,9}$/), { nil: undefined }), fc.constantFrom('T', 't', ' '), fc.boolean(),
    (ms, offsetMin, frac, sep, lowerZ) => {
      const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMin * 60_000).toISOString().slice(0, 19).replace('T', sep)
      const off = offsetMin === 0 ? (lowerZ ? 'z' : 'Z') : `${offsetMin < 0 ? '-' : '+'}${p2(Math.floor(Math.abs(offsetMin) / 60))}:${p2(Math.abs(offsetMin) % 60)}`
      const s = local + (frac ? '.' + frac : '') + off
      const utc = utcText(s)
      assert.match(utc, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/)
      const [a, b] = [parseTimestamp(utc), parseTimestamp(s)]
      assert.ok(a.ok && b.ok, s)
      assert.equal(a.ms, b.ms, s)
      assert.equal(utc.match(/\.(\d+)Z$/)?.[1], frac, s)
    }))
})

test('offsets Postgres cannot hold (beyond ±15:59) are read as their UTC instant, not a 500: quotes, as_of, since, quote filters', async () => {
  const res = await postQuotes(app, [gpuQuote({ observed_at: '2026-11-02T10:00:00-23:59', price: '2.43' })])
  assert.equal(res.statusCode, 200, res.body)
  const listed = await app.inject('/v1/quotes?from=2026-11-02T10:00:00-23:59&to=2026-11-03T09:59:00%2B00:00')
  assert.equal(listed.statusCode, 200, listed.body)
  assert.ok((listed.json().data as Array<{ observed_at: string, price: string }>).some((q) => q.observed_at.startsWith('2026-11-03T09:59:00') && q.price === '2.43'), listed.body)
  for (const url of ['/v1/indices/H100-SXM-OD/values?as_of=2026-11-02T10:00:00-23:59', '/v1/indices/H100-SXM-OD/averages?as_of=2026-11-02T10:00:00%2B23:59',
    '/v1/revisions?since=2026-11-02T10:00:00-23:59', '/v1/indices/H100-SXM-OD/chart.svg?as_of=2026-11-02T10:00:00-16:00']) {
    const r = await app.inject(url)
    assert.equal(r.statusCode, 200, `${url}: ${r.body}`)
  }
})
