import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { FixingsCache } from './latest-cache.ts'
import { routeOf } from './limits.ts'

// Every public read built from published fixings and definitions, kept as the bytes sent (docs/performance.md,
// "Read caches"): the first request for a parameter set runs the route, the next ones are a map lookup.
// Entries of one index are dropped when a fixing, a revision or a definition of it is announced on cpx_fixings
// (LISTEN/NOTIFY: by whichever process wrote it); entries about every index (the catalog, the register, the
// home page) on any announcement. History pages and latest have their own caches (indices-read.ts).

/** Route templates served from this cache; the history (`/values`) and latest routes are not among them. */
export const CACHED_ROUTES = new Set([
  '/v1/indices', '/v1/indices/:code', '/v1/indices/:code/values/:date', '/v1/indices/:code/values/:date/revisions',
  '/v1/indices/:code/averages', '/v1/revisions', '/v1/indices/:code/chart.svg', '/', '/indices/:code', '/embed/:code',
])

/** The headers a route sets on its answer besides the body, replayed (or removed) on a hit. */
const KEPT = ['content-type', 'link', 'content-disposition', 'content-security-policy', 'x-frame-options'] as const

interface Answer { body: string, etag: string, headers: (string | undefined)[] }

declare module 'fastify' {
  interface FastifyContextConfig {
    /** set for CACHED_ROUTES: whether the route validates its query (else only api_key may shape the answer) */
    cpxCache?: { query: boolean, negotiated: boolean }
  }
  /** set on a miss of a cached route: keeps the answer sent with 200 and its ETag */
  interface FastifyRequest { cpxCacheFill?: ((reply: FastifyReply, payload: string, etag: string) => void) | null }
  interface FastifyInstance { readCache: FixingsCache<Answer> }
}

/**
 * The key of an answer, read before validation so that a hit skips it: a route with a query schema by the
 * URL as sent (an answer is only kept after that very URL validated and answered 200); a page without
 * one by its path parameters and, when reads need a key, the reader's key (carried into its links) — not
 * by other query keys, which it ignores.
 */
function keyOf (req: FastifyRequest, url: string, how: { query: boolean, negotiated: boolean }, keyRequired: boolean): string {
  const accept = how.negotiated ? req.headers.accept ?? null : null
  if (how.query) return JSON.stringify([url, req.url, accept])
  const key = keyRequired ? (req.query as Record<string, unknown> | undefined)?.api_key : undefined
  return JSON.stringify([url, req.params, key ?? null, accept])
}

const asText = (v: unknown): string | undefined => v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v)

export default fp(async (app, { config }: { config: Config }) => {
  const cache = new FixingsCache<Answer>({ maxEntries: 5000, maxWeight: 128 * 1024 * 1024, weigh: (a) => a.body.length })
  app.decorate('readCache', cache)
  app.decorateRequest('cpxCacheFill', null)
  // The hooks below are the cached routes' own (added here, in onRoute), not global ones: every other
  // route — latest, history, writes — runs neither (docs/performance.md, "CPU per request").
  app.addHook('onRoute', (route) => {
    if (!CACHED_ROUTES.has(route.url) || ![route.method].flat().includes('GET')) return
    route.config = { ...route.config, cpxCache: { query: Boolean(route.schema?.querystring), negotiated: route.url.endsWith('/averages') } }
    route.preValidation = [answerFromCache, ...[route.preValidation ?? []].flat()]
  })
  await cache.listen(app.database)
  app.addHook('onClose', () => cache.close())

  // After auth, before validation: a hit is sent from memory (the scope's conditionalGet still answers
  // 304 on a match). A callback hook that answers without calling done: no promise on a hit.
  function answerFromCache (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const route = routeOf(req)
    const how = route.config.cpxCache!
    const code = (req.params as { code?: string }).code ?? ''
    const key = keyOf(req, route.url!, how, config.READ_API_KEY_REQUIRED)
    const hit = cache.peek(code, key)
    if (!hit) {
      const generation = cache.generationNow
      // A miss answered 200 is kept as sent, with the ETag of its bytes (the same on every instance), by the
      // scope's conditionalGet (http-cache.ts) before it compares If-None-Match: a miss answered 304 is kept too.
      req.cpxCacheFill = (r, payload, etag) => cache.put(code, key, { body: payload, etag, headers: KEPT.map((h) => asText(r.getHeader(h))) }, generation)
      return done()
    }
    for (let i = 0; i < KEPT.length; i++) {
      const v = hit.headers[i]
      if (v === undefined) reply.removeHeader(KEPT[i]!)
      else reply.header(KEPT[i]!, v)
    }
    reply.header('etag', hit.etag).send(hit.body)
  }
}, { name: 'read-cache', dependencies: ['db', 'limits'] })
