import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { FixingsCache } from './latest-cache.ts'
import { isFresh } from '../http/http-cache.ts'

// Every public read built from published fixings and definitions, kept as the bytes sent (docs/performance.md,
// "Read caches"): the first request for a parameter set runs the route, the next ones are a map lookup.
// Entries of one index are dropped when a fixing, a revision or a definition of it is announced on cpx_fixings
// (LISTEN/NOTIFY: by whichever process wrote it); entries about every index (the catalog, the register, the
// home page) on any announcement. History pages and latest have their own caches (indices-read.ts).

/** Route templates served from this cache; the history (`/values`) and latest routes are not among them. */
export const CACHED_ROUTES = new Set([
  '/v1/indices', '/v1/indices/:code', '/v1/indices/:code/values/:date', '/v1/indices/:code/values/:date/revisions',
  '/v1/indices/:code/averages', '/v1/indices/:code/averages.csv', '/v1/revisions', '/v1/indices/:code/chart.svg', '/', '/indices/:code', '/embed/:code',
])

/** The headers a route sets on its answer besides the body, replayed (or removed) on a hit. */
const KEPT = ['content-type', 'link', 'content-disposition', 'content-security-policy', 'x-frame-options'] as const

/**
 * An answer as sent, prepared once when it is stored so that a hit only copies references (docs/performance.md,
 * "The cached hit path"): the body as a Buffer (no encoding and no byte count per hit), its ETag, the
 * headers to set and the ones to remove, and the Cache-Control and Vary the scope's conditionalGet gave it.
 */
interface Answer { body: Buffer, etag: string, set: [string, string][], unset: string[], cacheControl: string, vary: string }

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

const asText = (v: unknown): string | undefined => v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v)

/** The answer kept for a hit, prepared once (the work a hit no longer does). */
function answerOf (reply: FastifyReply, payload: string, etag: string, cacheControl: string, vary: string): Answer {
  const set: [string, string][] = []
  const unset: string[] = []
  for (const h of KEPT) {
    const v = asText(reply.getHeader(h))
    if (v === undefined) unset.push(h)
    else set.push([h, v])
  }
  return { body: Buffer.from(payload), etag, set, unset, cacheControl, vary }
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
    const how = { query: Boolean(route.schema?.querystring), negotiated: route.url.endsWith('/averages') }
    // the route's own onRequest hook runs after the global ones (limits, auth): a hit skips preParsing, preValidation and the handler's setup
    route.onRequest = [...[route.onRequest ?? []].flat(), answerFromCache(route.url, how)]
  })
  await cache.listen(app.database)
  app.addHook('onClose', () => cache.close())

  // After auth (the last onRequest hook), before parsing and validation: a hit is sent from memory, with the 304 of a matching If-None-Match
  // answered here (the scope's conditionalGet leaves a Buffer alone). A callback hook that answers without
  // calling done: no promise on a hit. One hook per route: its template and options are in the closure.
  function answerFromCache (route: string, how: { query: boolean, negotiated: boolean }) {
    const keyRequired = config.READ_API_KEY_REQUIRED
    return function (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
      const code = (req.params as { code?: string }).code ?? ''
      const key = keyOf(req, route, how, keyRequired)
      const hit = cache.peek(code, key)
      if (!hit) {
        const generation = cache.generationNow
        // A miss answered 200 is kept as sent, with the ETag of its bytes (the same on every instance), by the
        // scope's conditionalGet (http-cache.ts) before it compares If-None-Match: a miss answered 304 is kept too.
        req.cpxCacheFill = (r, payload, etag, cc, vary) => cache.put(code, key, answerOf(r, payload, etag, cc, vary), generation)
        return done()
      }
      for (let i = 0; i < hit.unset.length; i++) reply.removeHeader(hit.unset[i]!)
      for (let i = 0; i < hit.set.length; i++) reply.header(hit.set[i]![0], hit.set[i]![1])
      reply.header('etag', hit.etag).header('cache-control', hit.cacheControl).header('vary', hit.vary)
      if (isFresh(req.headers['if-none-match'], hit.etag)) {
        reply.code(304).removeHeader('content-type')
        reply.send()
        return
      }
      reply.send(hit.body)
    }
  }
}, { name: 'read-cache', dependencies: ['db', 'limits'] })
