import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { ADMIN_KEY, buildTestApp } from './helpers/app.ts'
import { listenApp } from './helpers/http.ts'
import { days, insertFixings } from './helpers/read-fixings.ts'

// A Python client from openapi-python-client, generated from the committed openapi/openapi.json into a scratch
// directory (never committed) and driven by a small Python program against a listening server (docs/api.md,
// "Python"). The generator is not an npm package: the test runs where `openapi-python-client` is on PATH (or
// CPX_PYTHON_CLIENT_BIN names it) and is skipped elsewhere, saying so.

const CODE = 'H100-SXM-OD'
const BIN = process.env.CPX_PYTHON_CLIENT_BIN ?? 'openapi-python-client'
const PACKAGE = 'cpx_compute_price_index_api_client'
const available = spawnSync(BIN, ['--version'], { encoding: 'utf8' }).status === 0

// What a finance team's script does: the catalog, latest, a year of history over cursor pages, a day with its
// constituents, a typed 404 problem, the CSV operation, a write without and with a key. It prints what it saw,
// with the Python type of every field that matters, as one JSON object.
const PROGRAM = `
import datetime, json, sys
from ${PACKAGE} import AuthenticatedClient, Client
from ${PACKAGE}.api.indices import list_indices, get_latest_fixing, list_fixings, list_fixings_csv, get_fixing
from ${PACKAGE}.api.catalog import put_provider
from ${PACKAGE}.models import FixingPage, GetFixingInclude, Problem, ProviderBody, ProviderBodyKind
from ${PACKAGE}.types import UNSET

base, key, code = sys.argv[1], sys.argv[2], sys.argv[3]
out = {}
# Reads need no key on this deployment: the generator types every operation with AuthenticatedClient (their
# security lists a key as one alternative), and a plain Client works the same at run time.
client = Client(base_url=base)
indices = list_indices.sync(client=client)
out["indices"] = [i.code for i in indices.data]
latest = get_latest_fixing.sync(client=client, code=code)
out["latest"] = {"date": [type(latest.date).__name__, latest.date.isoformat()], "value": [type(latest.value).__name__, latest.value],
                 "published_at": [type(latest.published_at).__name__, latest.published_at.isoformat()]}
seen, cursor, pages = [], UNSET, 0
while True:
    page = list_fixings.sync(client=client, code=code, from_=datetime.date(2025, 10, 1), limit=100, cursor=cursor)
    assert isinstance(page, FixingPage), page
    pages += 1
    seen += [f.date.isoformat() for f in page.data]
    if page.next_cursor is None:
        break
    cursor = page.next_cursor
out["history"] = {"pages": pages, "days": len(seen), "first": seen[0], "last": seen[-1], "cursor_type": type(cursor).__name__}
integral = get_fixing.sync(client=client, code=code, date=datetime.date(2026, 1, 1))
out["integral"] = [type(integral.value).__name__, integral.value]
day = get_fixing.sync(client=client, code=code, date=datetime.date(2026, 3, 1), include=GetFixingInclude.CONSTITUENTS)
c = day.constituents[0]
out["day"] = {"value": day.value, "constituent": [c.provider, c.product, type(c.value).__name__, c.value, list(c.quote_ids)]}
csv = list_fixings_csv.sync_detailed(client=client, code=code, from_=datetime.date(2026, 9, 1))
out["csv"] = {"status": csv.status_code, "type": csv.headers["content-type"], "parsed": type(csv.parsed).__name__, "lines": len(csv.parsed.strip().split("\\n"))}
missing = get_latest_fixing.sync_detailed(client=client, code="NOPE")
out["missing"] = {"status": missing.status_code, "parsed": type(missing.parsed).__name__, "type": missing.parsed.type_, "problem_status": missing.parsed.status}
body = ProviderBody(name="Example Cloud", kind=ProviderBodyKind.NEOCLOUD)
anonymous = put_provider.sync_detailed(client=client, slug="example-cloud", body=body)
out["anonymous"] = {"status": anonymous.status_code, "parsed": type(anonymous.parsed).__name__}
keyed = put_provider.sync_detailed(client=AuthenticatedClient(base_url=base, token=key), slug="example-cloud", body=body)
out["keyed"] = {"status": keyed.status_code, "parsed": type(keyed.parsed).__name__, "slug": keyed.parsed.slug}
print(json.dumps(out))
`

test('openapi-python-client: indices, latest, a year of history, a day with constituents, CSV, a typed 404, a write without and with a key', {
  timeout: 300_000,
  skip: available ? false : `${BIN} is not installed (pip install openapi-python-client; docs/api.md, "Python")`,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cpx-python-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const gen = spawnSync(BIN, ['generate', '--path', 'openapi/openapi.json', '--output-path', join(dir, 'client'), '--overwrite'], { encoding: 'utf8', timeout: 240_000 })
  assert.equal(gen.status, 0, gen.stdout + gen.stderr)
  assert.ok(existsSync(join(dir, 'client', PACKAGE, 'api', 'indices', 'get_latest_fixing.py')))

  const app = await buildTestApp(t)
  const dates = days('2025-10-01', 365)
  await insertFixings(app.database, dates.map((date, i) => ({
    code: CODE,
    date,
    value: date === '2026-01-01' ? '3.000000' : (2 + i / 1000).toFixed(6),
    published_at: `${date}T23:59:00Z`,
    constituents: [{ provider: 'lambda', product: 'h100-sxm', value: '2.49', segments: {}, quote_ids: [i + 1] }],
  })))
  const address = await listenApp(app)
  writeFileSync(join(dir, 'check.py'), PROGRAM)
  // asynchronously: the server answering the program runs in this process
  const run = await promisify(execFile)('python3', [join(dir, 'check.py'), address, ADMIN_KEY, CODE], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, PYTHONPATH: join(dir, 'client') },
  })
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!)

  assert.ok(out.indices.includes(CODE))
  // dates and timestamps come out as datetime.date / datetime.datetime (format: date / date-time), decimals as float
  assert.deepEqual(out.latest, { date: ['date', '2026-09-30'], value: ['float', 2.364], published_at: ['datetime', '2026-09-30T23:59:00+00:00'] })
  assert.deepEqual(out.history, { pages: 4, days: 365, first: '2025-10-01', last: '2026-09-30', cursor_type: 'str' })
  // the decimal rule of docs/api.md: an integral value is sent as 3, which Python reads as int despite the float annotation
  assert.deepEqual(out.integral, ['int', 3])
  assert.deepEqual(out.day, { value: 2.151, constituent: ['lambda', 'h100-sxm', 'float', 2.49, ['152']] })
  assert.deepEqual(out.csv, { status: 200, type: 'text/csv; charset=utf-8; header=present', parsed: 'str', lines: 31 })
  assert.deepEqual(out.missing, { status: 404, parsed: 'Problem', type: 'https://cpx.dev/problems/index-not-found', problem_status: 404 })
  assert.deepEqual(out.anonymous, { status: 401, parsed: 'Problem' })
  assert.equal(out.keyed.parsed, 'Provider')
  assert.ok([200, 201].includes(out.keyed.status))
  assert.equal(out.keyed.slug, 'example-cloud')
})
