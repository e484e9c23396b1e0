import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { FixingsCache } from './fixings-cache.ts'
import { isFresh } from '../http/http-cache.ts'
import { CORS_EXPOSED } from './limits.ts'

// Every public read built from published fixings and definitions, kept as the bytes sent (docs/performance.md,
// "Read caches"): the first request for a parameter set runs the route, the next ones are a map lookup.
// Entries of one index are dropped when a fixing, a revision or a definition of it is announced on cpx_fixings
// (LISTEN/NOTIFY: by whichever process wrote it); entries about every index (the catalog, the register, the
// home page) on any announcement. History pages also have their own cache behind this one (indices-read.ts), keyed by
// their validated parameters, so that the same page asked with another URL is not queried again.

/** Route templates served from this cache (history pages also keep their own cache behind it, keyed by validated parameters). */
export const CACHED_ROUTES = new Set([
  '/v1/indices', '/v1/indices/:code/latest', '/v1/indices/:code/latest.csv', '/v1/indices/:code/values', '/v1/indices/:code/values.csv', '/v1/indices/:code', '/v1/indices/:code/values/:date', '/v1/indices/:code/values/:date/revisions',
  '/v1/indices/:code/averages', '/v1/indices/:code/averages.csv', '/v1/revisions', '/v1/indices/:code/chart.svg', '/', '/indices/:code', '/embed/:code',
])

/**
 * The headers of an answer that differ from one request to the next: sent by a hit from this request, never kept
 * in an entry's header block (`date` is Node's own, and content-length is the entry's).
 */
const PER_REQUEST = new Set(['x-request-id', 'ratelimit', 'ratelimit-policy', 'access-control-allow-origin', 'access-control-expose-headers', 'connection', 'retry-after', 'date', 'content-length', 'etag', 'cache-control', 'vary'])

/**
 * An answer as sent, prepared once when it is stored so that a hit writes it in one go (docs/performance.md,
 * "One header block"): the body as a Buffer, its ETag, and the header block of its 200 and of its 304 — every
 * header the miss sent but the per-request ones (`PER_REQUEST`), as name, value pairs ready for `writeHead`.
 */
interface Answer { body: Buffer, etag: string, block200: string[], block304: string[] }

declare module 'fastify' {
  /** set on a miss of a cached route: keeps the answer sent with 200, its ETag, Cache-Control and Vary */
  interface FastifyRequest { cpxCacheFill?: ((reply: FastifyReply, payload: string, etag: string, cacheControl: string, vary: string) => void) | null }
  interface FastifyInstance { readCache: FixingsCache<Answer> }
}

/**
 * The key of an answer, read before validation so that a hit skips it, as one string concatenation: a route
 * with a query schema by the URL as sent (an answer is only kept after that very URL validated and answered
 * 200); a page without one by its path as sent and, when reads need a key, the reader's key (carried into its
 * links) — not by other query keys, which it ignores. The route template comes first (two templates never
 * share a path, but the key says which route it is for).
 */
function keyOf (req: FastifyRequest, route: string, how: { query: boolean, negotiated: boolean }, keyRequired: boolean): string {
  const accept = how.negotiated ? req.headers.accept ?? '' : ''
  const url = req.url
  if (how.query) return route + '\u0001' + url + '\u0001' + accept
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  const key = keyRequired ? (req.query as Record<string, unknown> | undefined)?.api_key : undefined
  return route + '\u0001' + path + '\u0001' + (typeof key === 'string' ? key : key === undefined ? '' : JSON.stringify(key)) + '\u0001' + accept
}

const asText = (v: unknown): string => Array.isArray(v) ? v.join(', ') : String(v)

/** The answer kept for a hit, its header blocks made once from the headers the miss is sending (the work a hit no longer does). */
function answerOf (reply: FastifyReply, payload: string, etag: string, cacheControl: string, vary: string): Answer {
  const body = Buffer.from(payload)
  const block: string[] = []
  const headers = reply.getHeaders()
  for (const name of Object.keys(headers)) {
    const v = headers[name]
    if (v !== undefined && !PER_REQUEST.has(name)) block.push(name, asText(v))
  }
  block.push('etag', etag, 'cache-control', cacheControl, 'vary', vary)
  const block304: string[] = []
  for (let i = 0; i < block.length; i += 2) if (block[i] !== 'content-type') block304.push(block[i]!, block[i + 1]!)
  return { body, etag, block200: [...block, 'content-length', String(body.length)], block304 }
}

export default fp(async (app, { config }: { config: Config }) => {
  const cache = new FixingsCache<Answer>({ maxEntries: 5000, maxWeight: 128 * 1024 * 1024, weigh: (a) => a.body.length })
  app.decorate('readCache', cache)
  app.decorateRequest('cpxCacheFill', null)
  // The hooks below are the cached routes' own (added here, in onRoute), not global ones: every other
  // route — latest, history, writes — runs neither (docs/performance.md, "CPU per request").
  app.addHook('onRoute', (route) => {
    if (!CACHED_ROUTES.has(route.url) || ![route.method].flat().includes('GET')) return
    // whether the route validates its query (else only api_key may shape the answer), and whether it negotiates
    // (Accept: text/csv on the JSON operations of averages and history is a 301 to their CSV operation)
    const how = { query: Boolean(route.schema?.querystring), negotiated: route.url.endsWith('/averages') || route.url.endsWith('/values') }
    // the route's own onRequest hook runs after the global ones (limits, auth): a hit skips preParsing, preValidation and the handler's setup
    route.onRequest = [...[route.onRequest ?? []].flat(), answerFromCache(route.url, how)]
    route.config = { ...route.config, cpxHitPath: true } // limits.ts leaves the common headers of its GETs to answerFromCache
  })
  await cache.listen(app.database)
  app.addHook('onClose', () => cache.close())
  // While closing, every answer tells keep-alive clients to go away (app.ts's onSend hook, which a hit does not run).
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  const { commonHeaders, allowOrigin } = app.hitPath

  // After auth (the last onRequest hook), before parsing and validation: a hit is sent from memory, with the 304 of
  // a matching If-None-Match answered here (the scope's conditionalGet leaves a Buffer alone). A callback hook that
  // answers without calling done: no promise on a hit. One hook per route: its template and options are in the closure.
  function answerFromCache (route: string, how: { query: boolean, negotiated: boolean }) {
    const keyRequired = config.READ_API_KEY_REQUIRED
    return function (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
      const code = (req.params as { code?: string }).code ?? ''
      const key = keyOf(req, route, how, keyRequired)
      const hit = cache.peek(code, key)
      if (!hit) {
        commonHeaders(req, reply) // left to this hook by limits.ts: the route may override them (pages set their own policy)
        const generation = cache.generationNow
        // A miss answered 200 is kept as sent, with the ETag of its bytes (the same on every instance), by the
        // scope's conditionalGet (http-cache.ts) before it compares If-None-Match: a miss answered 304 is kept too.
        req.cpxCacheFill = (r, payload, etag, cc, vary) => cache.put(code, key, answerOf(r, payload, etag, cc, vary), generation)
        return done()
      }
      sendHit(req, reply, hit)
    }
  }

  /**
   * A hit in one write: the entry's header block and this request's own headers (its id, its rate-limit count, CORS's
   * for a cross-origin read), with Node's writeHead and end — the reply is hijacked, so Fastify's send, its onSend hooks
   * and its header object are skipped; its onResponse hooks (metrics) and the request log still run, on the answer's
   * 'finish'. The same headers, with the same values, as the miss that stored it (test/read-cache-routes.test.ts).
   */
  function sendHit (req: FastifyRequest, reply: FastifyReply, hit: Answer): void {
    req.cpxHeadersDeferred = false
    const fresh = isFresh(req.headers['if-none-match'], hit.etag)
    const headers = ['x-request-id', req.id]
    const rate = reply.getHeader('ratelimit')
    if (rate !== undefined) headers.push('ratelimit', rate as string, 'ratelimit-policy', reply.getHeader('ratelimit-policy') as string)
    const origin = allowOrigin(req)
    if (origin !== undefined) headers.push('access-control-allow-origin', origin, 'access-control-expose-headers', CORS_EXPOSED)
    if (closing) headers.push('connection', 'close')
    const block = fresh ? hit.block304 : hit.block200
    for (let i = 0; i < block.length; i++) headers.push(block[i]!)
    reply.hijack()
    const res = reply.raw
    res.writeHead(fresh ? 304 : 200, headers)
    if (fresh || req.method === 'HEAD') res.end()
    else res.end(hit.body)
  }
}, { name: 'read-cache', dependencies: ['db', 'limits'] })
