import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import type { Kysely } from 'kysely'
import type { Schema as DbSchema } from '../../src/db/schema.ts'
import { admin } from './app.ts'
import { countQuotes, DAY, gpuQuote, PROVIDERS } from './reliability-fixtures.ts'

// A fuzzer driven by the OpenAPI document: for every operation it generates path parameters, query
// strings, headers and bodies from the operation's own schemas (valid by construction, then mutated
// leaf by leaf with hostile values and calendar edges), sends them through the app, and checks after
// every answer: no 5xx; every error is problem+json; the quote count moves only by what a 2xx answer
// said it stored. Used by test/fuzz-openapi.test.ts (a few thousand requests) and by
// `npm run fuzz -- --runs 100000` (scripts/fuzz.ts).

interface JsonSchema {
  $ref?: string,
  type?: string | string[],
  enum?: unknown[],
  const?: unknown,
  format?: string,
  pattern?: string,
  minimum?: number,
  maximum?: number,
  exclusiveMinimum?: number | boolean,
  exclusiveMaximum?: number | boolean,
  minLength?: number,
  maxLength?: number,
  minItems?: number,
  maxItems?: number,
  items?: JsonSchema,
  properties?: Record<string, JsonSchema>,
  required?: string[],
  additionalProperties?: boolean | JsonSchema,
  anyOf?: JsonSchema[],
  oneOf?: JsonSchema[],
  allOf?: JsonSchema[],
  nullable?: boolean,
  example?: unknown,
  default?: unknown
}
interface Parameter { in: 'path' | 'query' | 'header' | 'cookie', name: string, required?: boolean, schema: JsonSchema }
interface Operation { parameters?: Parameter[], requestBody?: { content: Record<string, { schema: JsonSchema }> }, responses: Record<string, unknown> }
export interface OpenApiDocument { paths: Record<string, Record<string, Operation>>, components?: { schemas?: Record<string, JsonSchema> } }

export interface Injectable { inject: (req: InjectOptions) => PromiseLike<{ statusCode: number, body: string, headers: Record<string, unknown>, json: () => unknown }> }

export interface FuzzReport {
  requests: number
  operations: number
  byStatus: Record<string, number>
  fiveXX: number
  violations: string[]
  undocumented: Record<string, number>
  quotesAccepted: number
  quoteCountDelta: number
  seconds: number
}

/** Calendar edges: impossible days, hour 24, leap seconds, odd offsets and cases, far past and future. */
export const CALENDAR_EDGES = [
  '2026-02-29', '2024-02-29', '1900-02-29', '2000-02-29', '2026-02-30', '2026-04-31', '2026-13-01', '2026-00-10', '2026-12-32',
  '0001-01-01', '1900-01-01', '1969-12-31', '1970-01-01', '2014-12-31', '2015-01-01', '9999-12-31', '2026-1-1', '26-11-02', '+2026-11-02',
  '2026-11-02T24:00:00Z', '2026-11-02T23:59:60Z', '2026-11-02T23:60:00Z', '2026-11-02t10:00:00z', '2026-11-02 10:00:00Z',
  '2026-11-02T10:00:00+24:00', '2026-11-02T10:00:00-23:59', '2026-11-02T10:00:00+14:00', '2026-11-02T10:00:00.123456789Z',
  '2026-11-02T10:00:00.1234567891Z', '2026-11-02T10:00:00', '2026-11-02T10:00Z', '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z',
  '1900-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-11-02T10:00:00+05:30', '２０２６-１１-０２', '2026-11-02\u0000', '2026-11-02%00',
]
const NASTY = [
  "'; drop table quotes; --", "1' or '1'='1", '$$; select pg_sleep(5); $$', '\u0000', 'a\u0000b', '😀💥', '\u202eevil', '\ud800', '%00', '%',
  '%zz', '../../etc/passwd', '<script>alert(1)</script>', '1e309', '-1', '0', 'NaN', 'Infinity', '-0', '9'.repeat(400), '0.' + '0'.repeat(300) + '1',
  '0x1F', ' 2.99 ', '2,99', '', ' ', 'null', 'true', '[]', '{}', '__proto__', 'constructor', 'a'.repeat(5000), ...CALENDAR_EDGES,
]
const nastyString = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NASTY) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) })
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString }, fc.double(), fc.integer(), fc.constant(null), fc.boolean(),
  fc.constantFrom(1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, -1, 0), fc.array(nastyString, { maxLength: 3 }),
  fc.dictionary(nastyString, nastyString, { maxKeys: 3 })
)
const DATE_RE = /^\^\\d\{4\}-\\d\{2\}-\\d\{2\}/

const realDay = fc.integer({ min: Date.parse('2014-12-25'), max: Date.now() + 3 * 86_400_000 }).map((ms) => new Date(ms).toISOString())
const nearDay = fc.integer({ min: -3, max: 10 }).map((d) => new Date(Date.parse(DAY) + d * 86_400_000).toISOString())

function dateArb (timestamp: boolean, generic: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const cut = (iso: string) => timestamp ? iso.replace(/\.\d{3}Z$/, 'Z') : iso.slice(0, 10)
  return fc.oneof(
    { weight: 4, arbitrary: nearDay.map(cut) }, { weight: 2, arbitrary: realDay.map(cut) },
    { weight: 2, arbitrary: fc.constantFrom(...CALENDAR_EDGES) }, { weight: 1, arbitrary: generic }
  )
}

/** Arbitraries for one document: `valid` follows the schema, `hostile` follows it except where it mutates. */
export class SchemaArbitraries {
  constructor (
    private readonly doc: OpenApiDocument,
    private readonly known: Record<string, string[]> = {},
    /** Valid values by construction for named component schemas (a quote the catalog knows, say). */
    private readonly templates: Record<string, fc.Arbitrary<unknown>> = {}
  ) {}

  private resolve (s: JsonSchema): JsonSchema {
    let out = s
    for (let i = 0; out.$ref && i < 10; i++) out = this.doc.components?.schemas?.[out.$ref.replace('#/components/schemas/', '')] ?? {}
    return out
  }

  valid (input: JsonSchema, name = '', depth = 0): fc.Arbitrary<unknown> {
    const template = input.$ref ? this.templates[input.$ref.replace('#/components/schemas/', '')] : undefined
    const generic = this.generic(input, name, depth)
    return template ? fc.oneof({ weight: 3, arbitrary: template }, { weight: 1, arbitrary: generic }) : generic
  }

  private generic (input: JsonSchema, name: string, depth: number): fc.Arbitrary<unknown> {
    const s = this.resolve(input)
    if (Array.isArray(s.type) && s.type.filter((t) => t !== 'null').length > 1) {
      return fc.oneof(...s.type.map((t) => t === 'null' ? fc.constant(null) : this.byType(s, t, name, depth)))
    }
    if (s.const !== undefined) return fc.constant(s.const)
    if (s.enum) return fc.constantFrom(...s.enum)
    const alts = s.anyOf ?? s.oneOf
    if (alts) return fc.oneof(...alts.map((a) => this.valid(a, name, depth)))
    if (s.allOf) return this.valid(Object.assign({}, ...s.allOf.map((a) => this.resolve(a))), name, depth)
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type
    const known = this.known[name]
    const base = this.byType(s, type, name, depth)
    const withKnown = known?.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: base }) : base
    return s.nullable || (Array.isArray(s.type) && s.type.includes('null')) ? fc.option(withKnown, { nil: null, freq: 8 }) : withKnown
  }

  private byType (s: JsonSchema, type: string | undefined, name: string, depth: number): fc.Arbitrary<unknown> {
    switch (type) {
      case 'string': {
        const generic = s.pattern
          ? fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= (s.maxLength ?? 200) && v.length >= (s.minLength ?? 0))
          : fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 24, 24) })
        const withExample = typeof s.example === 'string' ? fc.oneof(fc.constant(s.example), generic) : generic
        if (s.format === 'date' || (s.pattern && DATE_RE.test(s.pattern) && !s.pattern.includes(':'))) return dateArb(false, withExample)
        if (s.format === 'date-time' || (s.pattern && DATE_RE.test(s.pattern))) return dateArb(true, withExample)
        return withExample
      }
      case 'null': return fc.constant(null)
      case 'integer': return fc.integer({ min: Math.max(s.minimum ?? -1000, -1e6), max: Math.min(s.maximum ?? 1e6, 1e6) })
      case 'number': return fc.oneof(fc.integer({ min: 1, max: 1_000_000 }).map((c) => c / 100), fc.double({ min: Math.max(s.minimum ?? -1e6, -1e6), max: Math.min(s.maximum ?? 1e6, 1e6), noNaN: true }))
      case 'boolean': return fc.boolean()
      case 'array': {
        if (depth > 4) return fc.constant([])
        return fc.array(this.valid(s.items ?? {}, name, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) })
      }
      case 'object': {
        if (depth > 4 || !s.properties) return fc.constant({})
        const model: Record<string, fc.Arbitrary<unknown>> = {}
        for (const [k, v] of Object.entries(s.properties)) model[k] = this.valid(v, k, depth + 1)
        return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in model) })
      }
      default: return fc.jsonValue({ maxDepth: 2 })
    }
  }

  /** The schema's value with, at random, one leaf replaced by a hostile one, a required key dropped or a stranger added. */
  hostile (input: JsonSchema, name = '', depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(input)
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type
    if (type === 'object' && s.properties && depth < 4) {
      const model: Record<string, fc.Arbitrary<unknown>> = {}
      for (const [k, v] of Object.entries(s.properties)) model[k] = fc.oneof({ weight: 5, arbitrary: this.valid(v, k, depth + 1) }, { weight: 1, arbitrary: this.hostile(v, k, depth + 1) })
      const keys = Object.keys(model)
      return fc.tuple(fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in model) }), fc.option(fc.constantFrom(...keys), { freq: 4 }), fc.option(fc.tuple(nastyString, nastyValue), { freq: 4 }))
        .map(([obj, drop, extra]) => {
          const out: Record<string, unknown> = { ...obj }
          if (drop !== null) delete out[drop]
          if (extra) Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true })
          return out
        })
    }
    if (type === 'array' && depth < 4) {
      return fc.array(fc.oneof({ weight: 4, arbitrary: this.valid(s.items ?? {}, name, depth + 1) }, { weight: 1, arbitrary: this.hostile(s.items ?? {}, name, depth + 1) }), { maxLength: 6 })
    }
    return fc.oneof({ weight: 2, arbitrary: this.valid(s, name, depth) }, { weight: 3, arbitrary: nastyValue })
  }
}

/** A quote the seeded catalog (seedCatalog) accepts: an H100 hour or a GPT-5.5 token price, in USD or EUR. */
const QUOTE = fc.record({ i: fc.nat(1_000_000), model: fc.boolean(), eur: fc.boolean(), cents: fc.integer({ min: 1, max: 999_999 }), asNumber: fc.boolean() })
  .map(({ i, model, eur, cents, asNumber }) => {
    const base = gpuQuote(i)
    const price = (cents / 100).toFixed(2)
    const currency = eur ? 'EUR' : 'USD'
    return model
      ? { ...base, provider: PROVIDERS[i % PROVIDERS.length], product: 'openai/gpt-5.5', segment: cents % 2 ? 'input' : 'output', unit: '1m_tokens', currency, price }
      : { ...base, currency, price: asNumber ? Number(price) : price }
  })
export const DEFAULT_TEMPLATES: Record<string, fc.Arbitrary<unknown>> = { NewQuoteInput: QUOTE, NewQuote: QUOTE }

/** encodeURIComponent (of a non-string: of its JSON), but a lone surrogate becomes the raw bytes of one (%ED%A0%80): invalid UTF-8 on purpose. */
export function enc (v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? ''
  try { return encodeURIComponent(s) } catch { return [...s].map((c) => /[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c)).join('') }
}

/**
 * One path segment: `enc(v)`, but never empty, `.` or `..`. Every URL parser (RFC 3986 §5.2.4, and
 * light-my-request's) removes dot segments before the request is sent, so `/v1/products/.` reaches the
 * server as `/v1/products/`, another operation; no client can send such a parameter.
 */
export function segment (v: unknown): string {
  const e = enc(v)
  return e === '' || e === '.' || e === '..' ? 'x' : e
}

/** One RFC 4180 cell: a non-string as its JSON, quoted when it holds a quote, comma or line break. */
export function csvCell (v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? ''
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s
}

/** A body for one media type from a value generated by the JSON schema: JSON as is (or cut short), NDJSON and CSV from its rows. */
function encodeBody (type: string, value: unknown, cut: boolean): string {
  const rows = value && typeof value === 'object' && Array.isArray((value as { quotes?: unknown }).quotes) ? (value as { quotes: unknown[] }).quotes : [value]
  if (type === 'application/x-ndjson') return rows.map((r) => JSON.stringify(r) ?? '').join('\n')
  if (type === 'text/csv') {
    const header = [...new Set(rows.flatMap((r) => r && typeof r === 'object' ? Object.keys(r) : []))]
    return [header.map(csvCell).join(','), ...rows.map((r) => header.map((h) => csvCell(r && typeof r === 'object' ? (r as Record<string, unknown>)[h] : r)).join(','))].join('\n')
  }
  const text = JSON.stringify(value) ?? 'null'
  return cut ? text.slice(0, Math.max(0, text.length - 1)) : text
}

const AUTH = fc.oneof(
  { weight: 6, arbitrary: fc.constant(admin.authorization) }, { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('Bearer made-up-key-0000000000000000', 'Bearer', 'Basic Og==', 'bearer \u0000', 'Bearer ' + 'x'.repeat(300)) }
)
const ACCEPT = [undefined, '*/*', 'application/json', 'text/csv', 'text/html', 'application/xml', 'application/problem+json', 'text/csv;q=0.1, application/json;q=0.9']
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']

interface Planned { req: InjectOptions, operation: string }

function requestArb (arbs: SchemaArbitraries, path: string, method: string, op: Operation): fc.Arbitrary<Planned> {
  const params = op.parameters ?? []
  const value = (p: Parameter) => fc.oneof({ weight: 3, arbitrary: arbs.valid(p.schema, p.name) }, { weight: 1, arbitrary: arbs.hostile(p.schema, p.name) })
  const pathArbs = Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, value(p)]))
  const queryArbs = params.filter((p) => p.in === 'query').map((p) => fc.option(fc.tuple(fc.constant(p.name), value(p)), { freq: p.required ? 8 : 2 }))
  const strangers = fc.array(fc.tuple(fc.constantFrom('x', 'from[]', '__proto__', 'api_key', 'limit', 'as_of', 'format'), nastyValue), { maxLength: 2 })
  const content = op.requestBody ? Object.entries(op.requestBody.content) : []
  const body = content.length
    ? fc.tuple(fc.constantFrom(...content.map(([type]) => type)), fc.constant(op.requestBody!.content['application/json']?.schema ?? content[0]![1].schema).chain((s) => fc.oneof({ weight: 1, arbitrary: arbs.valid(s) }, { weight: 1, arbitrary: arbs.hostile(s) })),
      fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 6 }), fc.integer({ min: 0, max: 9 }).map((n) => n === 0))
    : fc.constant(undefined)
  return fc.record({
    path: fc.record(pathArbs),
    query: fc.tuple(...queryArbs, strangers),
    raw: fc.boolean(),
    body,
    auth: AUTH,
    accept: fc.constantFrom(...ACCEPT),
    ifNoneMatch: fc.option(fc.oneof(fc.constant('*'), nastyString.filter((s) => /^[\x20-\x7e]*$/.test(s))), { freq: 5 }),
  }).map(({ path: pathValues, query, raw, body: b, auth, accept, ifNoneMatch }) => {
    const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => segment(pathValues[name]))
    const strange = query[query.length - 1] as Array<[string, unknown]>
    const all = [...(query.slice(0, -1) as Array<[string, unknown] | null>).filter((q): q is [string, unknown] => q !== null), ...strange]
    const qs = all.map(([k, v]) => raw ? `${k}=${String(typeof v === 'string' ? v : JSON.stringify(v)).replace(/[#&\s]/g, '')}` : `${enc(k)}=${enc(v)}`).join('&')
    const headers: Record<string, string> = {}
    if (auth) headers.authorization = auth
    if (accept) headers.accept = accept
    if (ifNoneMatch !== null) headers['if-none-match'] = ifNoneMatch
    const req: InjectOptions = { method: method.toUpperCase() as 'GET', url: url + (qs ? '?' + qs : ''), headers }
    if (b) {
      const [type, v, override, cut] = b
      headers['content-type'] = override ?? type
      req.payload = encodeBody(type, v, cut)
    }
    return { req, operation: `${method.toUpperCase()} ${path}` }
  })
}

/** Values the app already knows (index codes, slugs, product codes) so generated paths reach past the 404s. */
export async function knownValues (app: Injectable): Promise<Record<string, string[]>> {
  const list = async (url: string, key: string, field: string) => {
    const res = await app.inject({ method: 'GET', url })
    if (res.statusCode !== 200) return []
    const items = (res.json() as Record<string, Array<Record<string, string>>>)[key] ?? []
    return items.map((i) => i[field]!).filter(Boolean).slice(0, 20)
  }
  const codes = await list('/v1/indices', 'items', 'code')
  const slugs = await list('/v1/providers', 'items', 'slug')
  const products = await list('/v1/products', 'items', 'code')
  return { code: [...codes, ...products], slug: slugs, provider: slugs, product: products, index: codes, currency: ['USD', 'EUR'] }
}

/**
 * Sends `runs` generated requests spread over every operation of `doc` (skipping those matched by
 * `skip`) and checks the invariants after each. Never throws on a violation: it counts and keeps the first few.
 */
export async function fuzzOpenApi (app: Injectable, db: Kysely<DbSchema>, doc: OpenApiDocument, opts: { runs: number, seed?: number, skip?: RegExp, templates?: Record<string, fc.Arbitrary<unknown>>, progress?: (r: FuzzReport) => void, onViolation?: (what: string) => void }): Promise<FuzzReport> {
  const started = Date.now()
  const arbs = new SchemaArbitraries(doc, await knownValues(app), opts.templates ?? DEFAULT_TEMPLATES)
  const ops: Array<{ name: string, arb: fc.Arbitrary<Planned>, op: Operation }> = []
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue
      const name = `${method.toUpperCase()} ${path}`
      if (opts.skip?.test(name)) continue
      ops.push({ name, arb: requestArb(arbs, path, method, op), op })
    }
  }
  const report: FuzzReport = { requests: 0, operations: ops.length, byStatus: {}, fiveXX: 0, violations: [], undocumented: {}, quotesAccepted: 0, quoteCountDelta: 0, seconds: 0 }
  const before = await countQuotes(db)
  let expected = before
  const perOp = Math.max(1, Math.ceil(opts.runs / ops.length))
  const batch = 200
  // the quote write gets four shares: it is the operation whose 2xx answers the count check follows
  const runsOf = (name: string) => name === 'POST /v1/quotes' ? 4 * perOp : perOp
  for (let done = 0; done < 4 * perOp; done += batch) {
    for (const o of ops) {
      const n = Math.min(batch, runsOf(o.name) - done)
      if (n <= 0) continue
      // seeded by the operation's name, not its place: a new operation leaves the others' samples as they were
      const planned = fc.sample(o.arb, { numRuns: n, seed: (opts.seed ?? 1) * 7919 + nameSeed(o.name) + done })
      for (const { req, operation } of planned) {
        report.requests++
        const res = await app.inject(req)
        const status = res.statusCode
        report.byStatus[status] = (report.byStatus[status] ?? 0) + 1
        const where = () => `${req.method} ${String(req.url).slice(0, 160)} → ${status} ${res.body.slice(0, 200)}`
        if (status >= 500) {
          report.fiveXX++
          if (report.violations.length < 20) report.violations.push(`5xx: ${where()}`)
          opts.onViolation?.(`5xx: ${where()}`)
        }
        if (status >= 400 && !/^application\/problem\+json/.test(String(res.headers['content-type']))) {
          if (report.violations.length < 20) report.violations.push(`error not problem+json: ${where()}`)
        }
        if (!(String(status) in o.op.responses) && !(`${String(status)[0]}XX` in o.op.responses) && !('default' in o.op.responses)) {
          const key = `${operation} ${status}`
          report.undocumented[key] = (report.undocumented[key] ?? 0) + 1
        }
        if (req.method !== 'GET') {
          if (operation === 'POST /v1/quotes' && status >= 200 && status < 300) {
            const accepted = Number((res.json() as { accepted?: number }).accepted ?? 0)
            expected += accepted
            report.quotesAccepted += accepted
          }
          const now = await countQuotes(db)
          if (now !== expected && report.violations.length < 20) report.violations.push(`quote count ${now}, expected ${expected} after ${where()}`)
          expected = now
        }
      }
    }
    opts.progress?.({ ...report, seconds: (Date.now() - started) / 1000 })
  }
  report.quoteCountDelta = (await countQuotes(db)) - before
  report.seconds = (Date.now() - started) / 1000
  return report
}

/** A stable 31-bit number from an operation's name (FNV-1a), so each operation's sample is its own. */
function nameSeed (name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return h >>> 1
}
