import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { ADMIN_KEY, buildTestApp } from './helpers/app.ts'
import { listenApp } from './helpers/http.ts'
import { days, insertFixings } from './helpers/read-fixings.ts'

// A client from a third generator, swagger-typescript-api (one `Api` class over its own fetch
// HttpClient, errors thrown as the Response with a typed `error`): generated from the committed
// openapi/openapi.json into a scratch directory under os.tmpdir() (never committed), type-checked
// with the project's TypeScript together with a small program written against it, then that program
// is run against a listening server. The generator is the devDependency in node_modules/.bin;
// CPX_SWAGGER_TS_API_BIN points at another binary (e.g. one installed in a scratch folder).

const run = promisify(execFile)
const BIN = resolve(process.env.CPX_SWAGGER_TS_API_BIN ?? join('node_modules', '.bin', 'swagger-typescript-api'))
const TSC = resolve('node_modules', '.bin', 'tsc')
const CODE = 'H100-SXM-OD'

// The program a user would write. Its type assertions are checked by tsc (strict), so the test fails
// if the generator stops typing figures as numbers, dates as strings or cursors as string | null.
const PROGRAM = `
import { Api, FixingStatus, type Fixing, type FixingPage, type HttpResponse, type LatestFixing, type Problem, type Unit } from './Api.ts'

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function same<T extends true> (_: T): void {}
same<Equals<Fixing['value'], number | null>>(true)
same<Equals<Fixing['max'], number | null>>(true)
same<Equals<Fixing['n_providers'], number>>(true)
same<Equals<Fixing['date'], string>>(true)
same<Equals<Fixing['published_at'], string>>(true)
same<Equals<FixingPage['next_cursor'], string | null>>(true)
same<Equals<LatestFixing['unit'], Unit>>(true)
same<Equals<Problem['status'], number>>(true)

async function problemOf (p: Promise<unknown>): Promise<HttpResponse<unknown, Problem>> {
  try {
    await p
  } catch (e) {
    return e as HttpResponse<unknown, Problem>
  }
  throw new Error('expected a problem')
}

export async function main (baseUrl: string, key: string) {
  const api = new Api<string>({ baseUrl, securityWorker: (k) => (k ? { headers: { authorization: 'Bearer ' + k } } : {}) })

  const indices = await api.v1.listIndices()
  const latest = await api.v1.getLatestFixing('${CODE}')

  const pages: { n: number, next_cursor: string | null }[] = []
  const history: Fixing[] = []
  let cursor: string | undefined
  do {
    const page = await api.v1.listFixings('${CODE}', { from: '2025-10-01', to: '2026-09-30', limit: 100, cursor })
    history.push(...page.data.data)
    pages.push({ n: page.data.data.length, next_cursor: page.data.next_cursor })
    cursor = page.data.next_cursor ?? undefined
  } while (cursor !== undefined)

  const day = await api.v1.getFixing('${CODE}', '2026-03-01', { include: 'constituents' })
  const ok: boolean = day.data.status === FixingStatus.Ok

  const csvDefault = await api.v1.listFixingsCsv('${CODE}', { from: '2026-09-29' })
  const csvText = await api.v1.listFixingsCsv('${CODE}', { from: '2026-09-29' }, { format: 'text' })

  const missing = await problemOf(api.v1.getLatestFixing('NOPE'))

  const body = { name: 'Example Cloud', kind: 'neocloud' as const }
  const anonymous = await problemOf(api.v1.putProvider('example-cloud', body))
  api.setSecurityData(key)
  const created = await api.v1.putProvider('example-cloud', body)
  const replaced = await api.v1.putProvider('example-cloud', body)

  return {
    indices: indices.data.data.map((i) => i.code),
    latest: latest.data,
    pages,
    history,
    day: day.data,
    ok,
    csvDefault: csvDefault.data,
    csvText: csvText.data,
    missing: { status: missing.status, isResponse: missing instanceof Response, contentType: missing.headers.get('content-type'), error: missing.error },
    anonymous: { status: anonymous.status, error: anonymous.error },
    created: { status: created.status, slug: created.data.slug },
    replaced: replaced.status,
  }
}
`

test('swagger-typescript-api client: indices, latest, a year of history, a day with constituents, a typed 404, a write without and with a key', { timeout: 300_000 }, async (t) => {
  if (!existsSync(BIN)) {
    // Not silently green in CI: there the devDependency must be installed.
    assert.ok(!process.env.CI, `swagger-typescript-api is not installed (${BIN}): it is a devDependency`)
    t.skip(`swagger-typescript-api not installed at ${BIN} (npm i -D swagger-typescript-api@13.13.0, or set CPX_SWAGGER_TS_API_BIN)`)
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'cpx-sta-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  await run(BIN, ['generate', '--path', resolve('openapi/openapi.json'), '--output', dir, '--name', 'Api.ts', '--silent'])
  // The generator marks its file // @ts-nocheck: take that off so tsc checks the client itself too.
  const api = readFileSync(join(dir, 'Api.ts'), 'utf8')
  assert.match(api, /^\/\/ @ts-nocheck$/m)
  writeFileSync(join(dir, 'Api.ts'), api.replace(/^\/\/ @ts-nocheck\n/m, ''))
  writeFileSync(join(dir, 'program.ts'), PROGRAM)
  // No anonymous response types: every JSON answer is a named schema the user can import.
  const inline = [...api.matchAll(/@name (\w+)[^@]*@summary[^\n]*\n(?:(?!@name)[\s\S])*?this\.request<\s*\{/g)].map((m) => m[1])
  assert.deepEqual(inline, [], 'operations whose answer is an inline schema')
  await run(TSC, ['--noEmit', '--strict', '--noUncheckedIndexedAccess', '--isolatedModules', '--allowImportingTsExtensions',
    '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck',
    '--types', 'node', '--typeRoots', resolve('node_modules', '@types'), join(dir, 'program.ts')])
    .catch((e: { stdout?: string }) => assert.fail(`the generated client or the program does not type-check:\n${e.stdout ?? String(e)}`))

  const app = await buildTestApp(t)
  const dates = days('2025-10-01', 365)
  await insertFixings(app.database, dates.map((date, i) => ({
    code: CODE,
    date,
    value: (2 + i / 1000).toFixed(6),
    published_at: `${date}T23:59:00Z`,
    constituents: [{ provider: 'lambda', product: 'h100-sxm', value: '2.49', segments: {}, quote_ids: [i + 1] }],
  })))
  const address = await listenApp(app)
  const { main } = await import(pathToFileURL(join(dir, 'program.ts')).href) as { main: (baseUrl: string, key: string) => Promise<Record<string, any>> }
  const r = await main(address, ADMIN_KEY)

  assert.ok(r.indices.includes(CODE))
  assert.equal(r.latest.date, '2026-09-30')
  assert.equal(r.latest.value, 2.364) // 2 + 364/1000
  assert.equal(r.latest.unit, 'USD/GPU-hour')
  assert.equal(typeof r.latest.published_at, 'string')
  assert.equal(new Date(r.latest.published_at).toISOString(), '2026-09-30T23:59:00.000Z')

  // 365 days over 4 cursor pages of at most 100; each cursor an opaque string, null on the last page
  assert.deepEqual(r.pages.map((p: { n: number }) => p.n), [100, 100, 100, 65])
  assert.deepEqual(r.pages.map((p: { next_cursor: unknown }) => typeof p.next_cursor), ['string', 'string', 'string', 'object'])
  assert.equal(r.pages.at(-1).next_cursor, null)
  assert.deepEqual(r.history.map((f: { date: string }) => f.date), dates)
  // an integral figure is the JSON number 2 (no fraction): still a number, equal to 2.000000
  assert.equal(r.history[0].value, 2)
  assert.ok(r.history.every((f: { value: unknown, min: unknown, hhi: unknown, revision: unknown }) =>
    typeof f.value === 'number' && typeof f.min === 'number' && typeof f.hhi === 'number' && Number.isInteger(f.revision)))
  assert.equal(Math.round(r.history.reduce((s: number, f: { value: number }) => s + f.value, 0) * 1000) / 1000, 796.43) // 730 + (0+…+364)/1000

  assert.equal(r.day.date, '2026-03-01')
  assert.equal(r.day.value, 2.151) // 2026-03-01 is day 151 after 2025-10-01
  assert.equal(r.ok, true)
  assert.equal(r.day.constituents.length, 1)
  assert.equal(r.day.constituents[0].provider, 'lambda')
  assert.equal(r.day.constituents[0].value, 2.49)

  // the .csv operation: without a response format the generator reads no body (it sets format only
  // for JSON, images and forms); with { format: 'text' } the CSV itself
  assert.equal(r.csvDefault, null)
  const [header, ...rows] = (r.csvText as string).trim().split(/\r?\n/)
  assert.equal(header!.split(',')[0], 'date')
  assert.deepEqual(rows.map((row) => row.split(',')[0]), ['2026-09-29', '2026-09-30'])

  assert.equal(r.missing.status, 404)
  assert.equal(r.missing.isResponse, true)
  assert.match(r.missing.contentType, /^application\/problem\+json/)
  assert.equal(r.missing.error.type, 'https://cpx.dev/problems/index-not-found')
  assert.equal(r.missing.error.status, 404)
  assert.match(r.missing.error.detail, /NOPE/)

  assert.equal(r.anonymous.status, 401)
  assert.equal(r.anonymous.error.status, 401)
  assert.deepEqual(r.created, { status: 201, slug: 'example-cloud' })
  assert.equal(r.replaced, 200)
})
