import cors from '@fastify/cors'
import createError from '@fastify/error'
import underPressure from '@fastify/under-pressure'
import type { FastifyContextConfig, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { LruMap } from 'toad-cache'
import { createHash } from 'node:crypto'
import type { Config } from '../config.ts'
import { redisClient, SharedCounter } from './shared-limits.ts'

/** A registered route as declared (access undefined: auth's default, read for GET, admin otherwise). */
export interface RouteInfo { method: string, url: string, access?: string }

declare module 'fastify' {
  interface FastifyInstance { bodyLimits: Map<string, number>, routeList: RouteInfo[] }
  /** read by @fastify/cors: false keeps a route out of CORS */
  interface FastifyContextConfig { cors?: false }
  interface FastifyRequest {
    cpxRoute: { url: string | undefined, config: FastifyContextConfig } | null
    /** a key was presented: the request is counted by auth once the key is verified (or fails) */
    cpxKeyPending: boolean
    /** a GET of a read-cache route: the common headers are left to the read cache's hook (`commonHeaders`) */
    cpxHeadersDeferred: boolean
  }
  interface FastifyInstance { rateLimit: RateLimit, hitPath: HitPath }
  /** set by the read cache (onRoute) on the GET routes it answers from memory */
  interface FastifyContextConfig { cpxHitPath?: true }
}

/**
 * What the read cache's hit path needs from this plugin (docs/performance.md, "One header block"): on a GET of
 * a cached route the request hook below leaves the headers every answer carries to the read cache's hook, which
 * sends them from the cached entry's header block on a hit and sets them here on a miss.
 */
export interface HitPath {
  /** the request id, the security headers, Vary and CORS's headers, as the request hook sets them on any other route (once) */
  commonHeaders: (req: FastifyRequest, reply: FastifyReply) => void
  /** the Access-Control-Allow-Origin a cross-origin read of this request gets, if any (its Expose-Headers is `CORS_EXPOSED`) */
  allowOrigin: (req: FastifyRequest) => string | undefined
}

/** The response headers a browser's script may read (CORS). */
export const CORS_EXPOSED = 'ETag, RateLimit, RateLimit-Policy, Retry-After, X-Request-Id'

/**
 * The counts auth makes for a request that presents a key (docs/security.md, "Limits and their defaults"): each
 * returns the refusal to answer with, or undefined, and sets the RateLimit headers of the bucket counted.
 */
export interface RateLimit {
  /** count the request against its client IP (a key on an unmatched URL: not looked up) */
  ip: (req: FastifyRequest, reply: FastifyReply) => Error | undefined
  /** count the request against a verified key's own bucket (the key hashed, never held) */
  key: (key: string, reply: FastifyReply) => Error | undefined
  /** a key failed verification: counted against the IP, and once more among the IP's failed keys */
  failed: (req: FastifyRequest, reply: FastifyReply) => Error | undefined
  /** the IP already failed RATE_LIMIT_MAX key checks this window: a key that needs a database lookup is refused without one */
  failuresSpent: (req: FastifyRequest, reply: FastifyReply) => Error | undefined
}

export const RateLimited = createError('CPX_RATE_LIMITED', 'Rate limit of %d requests per %s exceeded; retry in %d s', 429)
export const Overloaded = createError('CPX_OVERLOADED', 'The service is overloaded; retry shortly', 503)

/**
 * Fixed-window request counts per bucket (the scheme of @fastify/rate-limit's local store, which CPX
 * used before: docs/security.md), synchronous, the least recently used buckets forgotten past `size`.
 */
export class WindowCounter {
  private readonly buckets: LruMap<{ count: number, resetAt: number }>
  /** the last hit's or peek's result, read right after the call (no object made per request) */
  count = 0
  resetS = 0

  constructor (private readonly windowMs: number, size = 50_000) {
    this.buckets = new LruMap(size)
  }

  /** Counts one request of `key`: its count in the current window (`count`) and the seconds until that ends (`resetS`). */
  hit (key: string, now = Date.now()): this {
    let b = this.buckets.get(key)
    if (!b || b.resetAt <= now) this.buckets.set(key, b = { count: 0, resetAt: now + this.windowMs })
    this.count = ++b.count
    this.resetS = Math.ceil((b.resetAt - now) / 1000)
    return this
  }

  /** The count of `key` in the current window, without counting. */
  peek (key: string, now = Date.now()): this {
    const b = this.buckets.get(key)
    if (!b || b.resetAt <= now) { this.count = 0; this.resetS = Math.ceil(this.windowMs / 1000) } else { this.count = b.count; this.resetS = Math.ceil((b.resetAt - now) / 1000) }
    return this
  }
}

/** Seconds a shed client is told to wait. */
const SHED_RETRY_AFTER_S = 5

/** Routes never rate limited or shed (docs/security.md). */
const PROBES = new Set(['/healthz', '/readyz'])

/**
 * The matched route's template and config, read once per request: `request.routeOptions` is a getter
 * that builds a fresh object on every read, and several hooks need it.
 */
export function routeOf (req: FastifyRequest): { url: string | undefined, config: FastifyContextConfig } {
  if (req.cpxRoute) return req.cpxRoute
  const { url, config } = req.routeOptions
  return (req.cpxRoute = { url, config })
}

/** The key a client presents, if any (same places auth.ts reads): never logged, only hashed. */
function presentedKey (req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  if (h) return h
  const q = (req.query as Record<string, unknown> | undefined)?.api_key
  return typeof q === 'string' ? q : undefined
}

function parseWindowSeconds (window: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)?\s*$/i.exec(window)
  if (!m) throw new Error(`RATE_LIMIT_WINDOW: cannot read "${window}" (for example "1 minute", "30 s")`)
  const n = Number(m[1])
  const unit = (m[2] ?? 'ms').toLowerCase()
  const factor = unit.startsWith('ms') || unit.startsWith('milli') ? 0.001 : unit.startsWith('s') ? 1 : unit.startsWith('m') ? 60 : unit.startsWith('h') ? 3600 : 86400
  return Math.max(1, Math.round(n * factor))
}

/** `*` → any origin; `none` → no CORS; else a comma-separated list of exact origins. */
function corsOrigins (value: string): '*' | false | string[] {
  if (value.trim() === '*') return '*'
  if (value.trim().toLowerCase() === 'none') return false
  return value.split(',').map((s) => s.trim()).filter(Boolean)
}

const READ_METHODS = new Set(['GET', 'HEAD'])

/** The security headers of every answer (OWASP REST Security Cheat Sheet, "Security headers"). */
export const SECURITY_HEADERS = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  // Index values are meant to be embedded by other sites' dashboards.
  'cross-origin-resource-policy': 'cross-origin',
})

/** The methods a concrete path answers, from the registered routes (`:param` segments match any segment). */
export function allowedMethods (routes: readonly RouteInfo[], path: string): string[] {
  const segments = path.split('/')
  const matches = (url: string) => {
    const us = url.split('/')
    return us.length === segments.length && us.every((u, i) => u.startsWith(':') || u === segments[i])
  }
  const methods = new Set(routes.filter((r) => r.url !== '*' && matches(r.url)).map((r) => r.method))
  if (methods.size) methods.add('OPTIONS')
  return [...methods].sort()
}

/** Fastify's trustProxy from TRUST_PROXY: who may tell us the client's address. */
export function trustProxy (value: string | undefined): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (!value) return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return (_address, hop) => hop < Number(value)
  return value.split(',').map((s) => s.trim()).filter(Boolean)
}

/**
 * Abuse limits, registered before every route: security headers, CORS for reads, load shedding and
 * rate limits. Every refusal is problem+json through the error handler.
 */
export default fp(async (app, { config }: { config: Config }) => {
  const windowS = parseWindowSeconds(config.RATE_LIMIT_WINDOW)
  const origins = corsOrigins(config.CORS_ORIGINS)

  // cors' preflight route (OPTIONS *) answers before any key check: it carries no data.
  // Every route's effective body limit is recorded for docs and for the test that proves each one answers 413.
  app.decorateRequest('cpxRoute', null)
  app.decorateRequest('cpxKeyPending', false)
  app.decorateRequest('cpxHeadersDeferred', false)
  const bodyLimits = new Map<string, number>()
  app.decorate('bodyLimits', bodyLimits)
  const routeList: RouteInfo[] = []
  app.decorate('routeList', routeList)
  app.addHook('onRoute', (route) => {
    if (route.method === 'OPTIONS' && route.url === '*') route.config = { ...route.config, access: 'public' }
    for (const m of [route.method].flat()) routeList.push({ method: m, url: route.url, access: (route.config as { access?: string } | undefined)?.access })
    const methods = [route.method].flat()
    for (const m of methods) if (m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS') bodyLimits.set(`${m} ${route.url}`, route.bodyLimit ?? app.initialConfig.bodyLimit!)
    if (methods.some((m) => !READ_METHODS.has(m) && m !== 'OPTIONS')) route.config = { ...route.config, cors: false }
  })

  // Preflights (OPTIONS *) are @fastify/cors's, registered in a scope of their own: its per-request hook
  // then runs for preflights only. It allows GET and HEAD alone, so a browser never sends a
  // cross-origin write; write routes carry `cors: false` (onRoute above), so a write never gets CORS
  // headers either.
  // A plain OPTIONS (no Origin, or no Access-Control-Request-Method: LibreOffice opening a CSV URL, curl)
  // is not a preflight: it is answered 204 with the methods of the URL in Allow (RFC 9110 §9.3.7), or 404.
  const exposed = CORS_EXPOSED
  await app.register(async (preflights) => {
    preflights.addHook('onRequest', (req, reply, done) => {
      if (req.headers.origin && req.headers['access-control-request-method'] && origins !== false) return done()
      const allow = allowedMethods(routeList, req.url.split('?')[0]!)
      if (!allow.length) return done(Object.assign(new Error(`No route OPTIONS ${req.url.split('?')[0]}`), { statusCode: 404, code: 'CPX_NOT_FOUND' }))
      reply.code(204).header('allow', allow.join(', ')).header('content-length', '0').send()
    })
    if (origins === false) preflights.options('*', (_req, reply) => { reply.code(204).send() })
    else {
      await preflights.register(cors, {
        origin: origins,
        methods: ['GET', 'HEAD'],
        allowedHeaders: ['Authorization', 'Accept', 'If-None-Match'],
        exposedHeaders: exposed,
        maxAge: 600,
      })
    }
  })

  // Load shedding: @fastify/under-pressure samples the event loop's mean delay and the heap every
  // 200 ms. It is given no thresholds, so it adds no hook of its own (that hook read
  // request.routeOptions, a getter that builds an object, on every request): the request hook below
  // compares its latest sample with the limits.
  const maxDelay = config.SHED_EVENT_LOOP_DELAY_MS ?? (config.DATABASE_URL ? 1000 : 0)
  const maxHeap = config.SHED_HEAP_USED_MB * 1024 * 1024
  const shedding = maxDelay > 0 || maxHeap > 0
  await app.register(underPressure, { sampleInterval: 200 })
  let readyAt = Infinity
  app.addHook('onReady', async () => { readyAt = Date.now() })
  const metrics = app.metrics

  // Rate limits: a request is counted against the bucket of the key it proved to hold, else against its
  // client IP. A request without a key is counted here, in the first hook (the hot path: no await, no
  // allocation); one that presents a key is counted by auth's hook once the key is verified, through
  // `app.rateLimit` below: a valid key in its own bucket (hashed), a key that fails against the IP, so
  // rotating made-up keys gets no fresh bucket and is never served anonymously. A second count of failed
  // keys per IP refuses, without a database lookup, further unknown keys from that IP once RATE_LIMIT_MAX
  // have failed (auth.ts asks before it looks a key up).
  // Headers are the IETF draft-ietf-httpapi-ratelimit-headers ones: `RateLimit: "default";r=<remaining>;t=<reset s>`
  // and `RateLimit-Policy: "default";q=<max>;w=<window s>`.
  const max = config.RATE_LIMIT_MAX
  // With REDIS_URL the request counts are shared by every instance (shared-limits.ts: counted in memory,
  // synchronised every 100 ms); the failed-key guard stays per process (it only saves database lookups).
  const requests = config.REDIS_URL ? new SharedCounter(redisClient(config.REDIS_URL), windowS * 1000, 'cpx:rl:', app.log) : new WindowCounter(windowS * 1000)
  if (requests instanceof SharedCounter) {
    if (app.metrics) app.metrics.rateLimitStore = requests
    app.addHook('onClose', () => requests.close())
  }
  const failedKeys = new WindowCounter(windowS * 1000)
  const policy = `"default";q=${max};w=${windowS}`

  // The first hook of every request, and on a read the only one before auth's: the request counted in
  // flight (metrics); the request id and the security headers — the set the OWASP REST Security Cheat
  // Sheet asks of a JSON API, constant (pages that need another policy set theirs in the handler:
  // Swagger UI, the embeddable widget); the CORS headers of a read; load shedding; the rate limit.
  app.addHook('onRequest', (req, reply, done) => {
    if (metrics) metrics.inFlight++
    const route = routeOf(req)
    // A GET of a read-cache route: its hook (the last before the handler) sets these, or sends them in one block on a
    // hit; a refusal before it gets them from the onError hook below (or here, before the refusals of this hook).
    if (route.config.cpxHitPath === true && req.method === 'GET') req.cpxHeadersDeferred = true
    else setCommonHeaders(req, reply, route.config)
    // Probes must keep answering under load and abuse, or the orchestrator kills a healthy process; the
    // metrics scrape too is never shed (it is how an operator sees the overload) but it is rate limited.
    const probe = PROBES.has(route.url ?? '')
    if (probe) return done()
    const type = shedding ? pressureOf(app.memoryUsage()) : undefined
    // the first sample after start measures start-up work (migrations, module loading), not load
    if (type !== undefined && route.url !== '/metrics' && Date.now() - readyAt >= 1000) {
      req.log.warn({ pressure: type }, 'shedding request')
      metrics?.shed()
      reply.header('retry-after', SHED_RETRY_AFTER_S)
      return done(new Overloaded())
    }
    if (presentedKey(req) !== undefined) { req.cpxKeyPending = true; return done() } // counted by auth, once verified
    done(count('ip:' + req.ip, reply))
  })
  // Any error answer of a request whose common headers were deferred (refused by this hook, auth, shutdown, or
  // failed in its route) gets them before the error handler answers: every answer carries them.
  app.addHook('onError', (req, reply, _err, done) => {
    if (req.cpxHeadersDeferred) commonHeaders(req, reply)
    done()
  })

  /** The request id, the security headers, and for a read Vary and CORS's headers. */
  function setCommonHeaders (req: FastifyRequest, reply: FastifyReply, routeConfig: FastifyContextConfig): void {
    reply.header('x-request-id', req.id).headers(SECURITY_HEADERS)
    if (origins !== false && req.method !== 'OPTIONS') { // preflights: @fastify/cors above
      // Only a browser's cross-origin request carries Origin, and only it needs the CORS headers: the
      // answer varies on Origin, so shared caches keep the two apart.
      reply.header('vary', 'Origin')
      const origin = req.headers.origin
      if (origin && (origins === '*' || origins.includes(origin)) && routeConfig.cors !== false) {
        reply.header('access-control-allow-origin', origins === '*' ? '*' : origin).header('access-control-expose-headers', exposed)
      }
    }
  }

  /** The deferred common headers of a read-cache route's GET, set once (a miss, or a refusal before the cache's hook). */
  function commonHeaders (req: FastifyRequest, reply: FastifyReply): void {
    if (!req.cpxHeadersDeferred) return
    req.cpxHeadersDeferred = false
    setCommonHeaders(req, reply, routeOf(req).config)
  }

  app.decorate('hitPath', {
    commonHeaders,
    allowOrigin: (req) => {
      const origin = req.headers.origin
      if (origins === false || !origin || !(origins === '*' || origins.includes(origin)) || routeOf(req).config.cors === false) return undefined
      return origins === '*' ? '*' : origin
    },
  } satisfies HitPath)

  /** Counts one request in `bucket`, sets its RateLimit headers: the refusal once it is over the limit. */
  function count (bucket: string, reply: FastifyReply): Error | undefined {
    const r = requests.hit(bucket)
    reply.header('ratelimit', '"default";r=' + (r.count > max ? 0 : max - r.count) + ';t=' + r.resetS).header('ratelimit-policy', policy)
    return r.count > max ? refusal(reply, r.resetS) : undefined
  }

  app.decorate('rateLimit', {
    ip: (req, reply) => count('ip:' + req.ip, reply),
    // a key is only ever held hashed: the counters never hold a secret
    key: (key, reply) => count('key:' + createHash('sha256').update(key).digest('hex').slice(0, 32), reply),
    failed: (req, reply) => {
      failedKeys.hit('bad-key:' + req.ip)
      return count('ip:' + req.ip, reply)
    },
    failuresSpent: (req, reply) => failedKeys.peek('bad-key:' + req.ip).count >= max ? refusal(reply, failedKeys.resetS) : undefined,
  } satisfies RateLimit)

  function pressureOf (sample: { eventLoopDelay: number, heapUsed: number }): string | undefined {
    if (maxDelay > 0 && sample.eventLoopDelay > maxDelay) return 'eventLoopDelay'
    if (maxHeap > 0 && sample.heapUsed > maxHeap) return 'heapUsedBytes'
    return undefined
  }

  function refusal (reply: FastifyReply, resetS: number): Error {
    reply.header('retry-after', resetS)
    app.metrics?.rateLimited()
    return new RateLimited(max, config.RATE_LIMIT_WINDOW, resetS)
  }
}, { name: 'limits', dependencies: ['errors'] })
