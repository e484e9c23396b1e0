// @cpx/client: the official TypeScript SDK for the CPX API. Every request and response type comes from
// openapi.d.ts, which `npm run client` generates with openapi-typescript from openapi/openapi.json (the one
// generated client; `paths` is re-exported for openapi-fetch): nothing here is a hand-written copy of the contract.
// What it adds over a generated client: the API key, bounded retries of 429/503 honouring Retry-After,
// conditional GETs with a small ETag cache, `for await` over cursor pages, CSV, typed problem errors.
import type { components, paths } from './openapi.d.ts'

export type { components, paths }
export type Schemas = components['schemas']
export type Problem = Schemas['Problem']

type Op<P extends keyof paths, M extends 'get' | 'put' | 'post' | 'delete'> = NonNullable<paths[P][M]>
type Ok<O> = O extends { responses: { 200: { content: { 'application/json': infer T } } } } ? T : never
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never
type BodyOf<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? B : never

export type IndexList = Ok<Op<'/v1/indices', 'get'>>
export type IndexDefinition = Ok<Op<'/v1/indices/{code}', 'get'>>
export type LatestFixing = Ok<Op<'/v1/indices/{code}/latest', 'get'>>
export type FixingPage = Ok<Op<'/v1/indices/{code}/values', 'get'>>
export type Fixing = Ok<Op<'/v1/indices/{code}/values/{date}', 'get'>>
export type AveragesPage = Ok<Op<'/v1/indices/{code}/averages', 'get'>>
export type HistoryQuery = Omit<QueryOf<Op<'/v1/indices/{code}/values', 'get'>>, 'cursor' | 'format'>
export type AveragesQuery = Omit<QueryOf<Op<'/v1/indices/{code}/averages', 'get'>>, 'format'>
export type ProviderBody = BodyOf<Op<'/v1/providers/{slug}', 'put'>>
export type Provider = Ok<Op<'/v1/providers/{slug}', 'put'>>

/** An answer that is not 2xx/304: the RFC 9457 problem+json the server sent, typed. */
export class CpxProblem extends Error {
  readonly status: number
  readonly problem: Problem
  readonly headers: Headers
  constructor (status: number, problem: Problem, headers: Headers) {
    super(`${status} ${problem.title}: ${problem.detail}`)
    this.name = 'CpxProblem'
    this.status = status
    this.problem = problem
    this.headers = headers
  }

  /** the problem's type URI, e.g. https://cpx.dev/problems/index-not-found */
  get type (): string { return this.problem.type }
}

export interface CpxClientOptions {
  /** e.g. https://cpx.example.com (no trailing /v1) */
  baseUrl: string
  /** sent as `Authorization: Bearer <key>`; needed only for writes */
  apiKey?: string
  /** retries of a 429 or 503 (and of a GET whose connection failed); default 3 */
  retries?: number
  /** first backoff when the server gives no Retry-After, doubled per try; default 200 ms */
  baseDelayMs?: number
  /** no single wait is longer: a Retry-After above it is not waited for, the problem is thrown; default 30 s */
  maxDelayMs?: number
  /** responses kept for conditional GETs (least recently used dropped first); 0 turns the cache off; default 100 */
  cacheSize?: number
  /** a fetch of your own (a proxy agent, tracing); default globalThis.fetch */
  fetch?: typeof fetch
}

type Query = Record<string, string | number | boolean | undefined | null>

interface Cached { etag: string, body: string }

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Seconds (delta-seconds) or an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs (value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of strings. */
export function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field); rows.push(row); row = []; field = ''
    } else field += c
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row) }
  return rows
}

/** CSV rows as records keyed by the header row. */
export function csvRecords (text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text)
  if (!header) return []
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])))
}

export class CpxClient {
  readonly baseUrl: string
  private readonly apiKey: string | undefined
  private readonly retries: number
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly cacheSize: number
  private readonly fetch: typeof fetch
  private readonly cache = new Map<string, Cached>()

  constructor (options: CpxClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.apiKey = options.apiKey
    this.retries = options.retries ?? 3
    this.baseDelayMs = options.baseDelayMs ?? 200
    this.maxDelayMs = options.maxDelayMs ?? 30_000
    this.cacheSize = options.cacheSize ?? 100
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  }

  /** The catalog of indices. */
  listIndices (): Promise<IndexList> { return this.getJson('/v1/indices') }

  /** One index's definition and methodology. */
  getIndex (code: string): Promise<IndexDefinition> { return this.getJson(`/v1/indices/${enc(code)}`) }

  /** The latest published fixing. */
  latest (code: string): Promise<LatestFixing> { return this.getJson(`/v1/indices/${enc(code)}/latest`) }

  /** One page of history (`cursor` from the previous page's next_cursor). */
  values (code: string, query: HistoryQuery & { cursor?: string } = {}): Promise<FixingPage> {
    return this.getJson(`/v1/indices/${enc(code)}/values`, query)
  }

  /** Every fixing in the range, oldest first, following next_cursor page by page: `for await (const f of cpx.history(...))`. */
  async * history (code: string, query: HistoryQuery = {}): AsyncGenerator<FixingPage['data'][number], void, undefined> {
    let cursor: string | undefined
    do {
      const page = await this.values(code, { ...query, cursor })
      yield * page.data
      cursor = page.next_cursor ?? undefined
    } while (cursor !== undefined)
  }

  /** One day's fixing; `constituents: true` adds what it was computed from. */
  day (code: string, date: string, options: { constituents?: boolean } = {}): Promise<Fixing> {
    return this.getJson(`/v1/indices/${enc(code)}/values/${enc(date)}`, { include: options.constituents ? 'constituents' : undefined })
  }

  /** Weekly, monthly... averages of the daily values. */
  averages (code: string, query: AveragesQuery): Promise<AveragesPage> {
    return this.getJson(`/v1/indices/${enc(code)}/averages`, query)
  }

  /** The history as CSV records, by default the whole range in one file (the columns of /values, as text). */
  valuesCsv (code: string, query: HistoryQuery = {}): Promise<Record<string, string>[]> {
    return this.csv(`/v1/indices/${enc(code)}/values.csv`, query)
  }

  /** The averages as CSV records (revisions as `date:revision` separated by spaces). */
  averagesCsv (code: string, query: AveragesQuery): Promise<Record<string, string>[]> {
    return this.csv(`/v1/indices/${enc(code)}/averages.csv`, query)
  }

  /** Any CSV read (`/v1/indices.csv`, `/v1/indices/{code}/latest.csv`, `.../values.csv`, `.../averages.csv`) as records keyed by its header. */
  async csv (path: string, query: Query = {}): Promise<Record<string, string>[]> {
    return csvRecords(await this.getText(path, query, 'text/csv'))
  }

  /** Creates or updates a provider (needs an API key with ingest rights). */
  putProvider (slug: string, body: ProviderBody): Promise<Provider> {
    return this.send('PUT', `/v1/providers/${enc(slug)}`, body)
  }

  /** A GET of any documented path, parsed as JSON, through the ETag cache and the retries. */
  async getJson<T> (path: string, query: Query = {}): Promise<T> {
    return JSON.parse(await this.getText(path, query, 'application/json')) as T
  }

  /** A JSON write (PUT/POST/DELETE) with the API key; retried only on 429, which the server refuses before doing anything. */
  async send<T> (method: 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await this.request(method, this.url(path, {}), headers, body === undefined ? undefined : JSON.stringify(body))
    if (!res.ok) throw await problemOf(res)
    const text = await res.text()
    return (text === '' ? undefined : JSON.parse(text)) as T
  }

  private async getText (path: string, query: Query, accept: string): Promise<string> {
    const url = this.url(path, query)
    const key = accept + ' ' + url
    const cached = this.cache.get(key)
    const headers: Record<string, string> = { accept }
    if (cached) headers['if-none-match'] = cached.etag
    const res = await this.request('GET', url, headers)
    if (res.status === 304 && cached) {
      this.cache.delete(key); this.cache.set(key, cached) // most recently used last
      return cached.body
    }
    if (!res.ok) throw await problemOf(res)
    const body = await res.text()
    const etag = res.headers.get('etag')
    if (etag && this.cacheSize > 0) {
      this.cache.delete(key)
      this.cache.set(key, { etag, body })
      while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!)
    }
    return body
  }

  private url (path: string, query: Query): string {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v))
    const qs = params.toString()
    return this.baseUrl + path + (qs ? '?' + qs : '')
  }

  private async request (method: string, url: string, headers: Record<string, string>, body?: string): Promise<Response> {
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`
    for (let attempt = 0; ; attempt++) {
      let res: Response
      try {
        res = await this.fetch(url, { method, headers, body })
      } catch (err) {
        if (method !== 'GET' || attempt >= this.retries) throw err
        await sleep(this.backoff(attempt))
        continue
      }
      const retryable = res.status === 429 || (res.status === 503 && method === 'GET')
      if (!retryable || attempt >= this.retries) return res
      const wait = retryAfterMs(res.headers.get('retry-after'))
      if (wait !== undefined && wait > this.maxDelayMs) return res // longer than we may wait: the caller gets the problem
      await res.body?.cancel()
      // Retry-After is the earliest moment: wait it, plus a little jitter so many clients do not return together
      await sleep(wait !== undefined ? wait + Math.random() * this.baseDelayMs : this.backoff(attempt))
    }
  }

  /** exponential backoff with full jitter, capped at maxDelayMs */
  private backoff (attempt: number): number {
    return Math.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt)
  }
}

function enc (segment: string): string { return encodeURIComponent(segment) }

async function problemOf (res: Response): Promise<CpxProblem> {
  const text = await res.text()
  let problem: Problem
  try {
    problem = JSON.parse(text) as Problem
  } catch {
    problem = { type: 'about:blank', title: res.statusText || String(res.status), status: res.status, detail: text.slice(0, 500) } as Problem
  }
  return new CpxProblem(res.status, problem, res.headers)
}
