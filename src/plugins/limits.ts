import cors from '@fastify/cors'
import createError from '@fastify/error'
import underPressure from '@fastify/under-pressure'
import type { FastifyContextConfig, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { LruMap } from 'toad-cache'
import { createHash } from 'node:crypto'
import type { Config } from '../config.ts'

/** A registered route as declared (access undefined: auth's default, read for GET, admin otherwise). */
export interface RouteInfo { method: string, url: string, access?: string }

declare module 'fastify' {
  interface FastifyInstance { bodyLimits: Map<string, number>, routeList: RouteInfo[] }
  /** read by @fastify/cors: false keeps a route out of CORS */
  interface FastifyContextConfig { cors?: false }
  interface FastifyRequest { cpxRoute: { url: string | undefined, config: FastifyContextConfig } | null }
}

export const RateLimited = createError('CPX_RATE_LIMITED', 'Rate limit of %d requests per %s exceeded; retry in %d s', 429)
export const Overloaded = createError('CPX_OVERLOADED', 'The service is overloaded; retry shortly', 503)

/**
 * Fixed-window request counts per bucket (the scheme of @fastify/rate-limit's local store, which CPX
 * used before: docs/security.md), synchronous, the least recently used buckets forgotten past `size`.
 */
export class WindowCounter {
  private readonly buckets: LruMap<{ count: number, resetAt: number }>

  constructor (private readonly windowMs: number, size = 50_000) {
    this.buckets = new LruMap(size)
  }

  /** Counts one request of `key`: its count in the current window and the seconds until that ends. */
  hit (key: string, now = Date.now()): { count: number, resetS: number } {
    let b = this.buckets.get(key)
    if (!b || b.resetAt <= now) this.buckets.set(key, b = { count: 0, resetAt: now + this.windowMs })
    b.count++
    return { count: b.count, resetS: Math.ceil((b.resetAt - now) / 1000) }
  }

  /** The count of `key` in the current window, without counting. */
  peek (key: string, now = Date.now()): { count: number, resetS: number } {
    const b = this.buckets.get(key)
    return !b || b.resetAt <= now ? { count: 0, resetS: Math.ceil(this.windowMs / 1000) } : { count: b.count, resetS: Math.ceil((b.resetAt - now) / 1000) }
  }
}

/** Seconds a shed client is told to wait. */
const SHED_RETRY_AFTER_S = 5

// Probes must keep answering under load and abuse, or the orchestrator kills a healthy process; the
// metrics scrape too is never shed (it is how an operator sees the overload) but it is rate limited.
const PROBES = new Set(['/healthz', '/readyz'])
const exempt = (req: FastifyRequest) => PROBES.has(routeOf(req).url ?? '')
const neverShed = (req: FastifyRequest) => exempt(req) || routeOf(req).url === '/metrics'

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

  // The first hook of every request: the security headers — the set the OWASP REST Security Cheat
  // Sheet asks of a JSON API, constant, set in one call (pages that need another policy set theirs in
  // the handler: Swagger UI, the embeddable widget) — and the CORS headers of a read.
  const exposed = 'ETag, RateLimit, RateLimit-Policy, Retry-After, X-Request-Id'
  app.addHook('onRequest', (req, reply, done) => {
    reply.headers(SECURITY_HEADERS)
    if (origins === false || req.method === 'OPTIONS') return done() // preflights: @fastify/cors below
    // Only a browser's cross-origin request carries Origin, and only it needs the CORS headers: the
    // answer varies on Origin, so shared caches keep the two apart.
    reply.header('vary', 'Origin')
    const origin = req.headers.origin
    if (origin && (origins === '*' || origins.includes(origin)) && routeOf(req).config.cors !== false) {
      reply.header('access-control-allow-origin', origins === '*' ? '*' : origin).header('access-control-expose-headers', exposed)
    }
    done()
  })

  // Preflights (OPTIONS *) are @fastify/cors's, registered in a scope of their own: its per-request hook
  // then runs for preflights only. It allows GET and HEAD alone, so a browser never sends a
  // cross-origin write; write routes carry `cors: false` (onRoute above), so a write never gets CORS
  // headers either.
  if (origins !== false) {
    await app.register(async (preflights) => {
      await preflights.register(cors, {
        origin: origins,
        methods: ['GET', 'HEAD'],
        allowedHeaders: ['Authorization', 'Accept', 'If-None-Match'],
        exposedHeaders: exposed,
        maxAge: 600,
      })
    })
  }

  let readyAt = Infinity
  app.addHook('onReady', async () => { readyAt = Date.now() })
  await app.register(underPressure, {
    maxEventLoopDelay: config.SHED_EVENT_LOOP_DELAY_MS ?? (config.DATABASE_URL ? 1000 : 0),
    maxHeapUsedBytes: config.SHED_HEAP_USED_MB * 1024 * 1024,
    sampleInterval: 200,
    retryAfter: SHED_RETRY_AFTER_S,
    pressureHandler: async (req: FastifyRequest, reply: FastifyReply, type: string) => {
      // the first sample after start measures start-up work (migrations, module loading), not load
      if (neverShed(req) || Date.now() - readyAt < 1000) return
      req.log.warn({ pressure: type }, 'shedding request')
      app.metrics?.shed()
      reply.header('retry-after', SHED_RETRY_AFTER_S)
      throw new Overloaded()
    },
  })

  // Rate limits, before auth looks a key up: one bucket per API key (hashed), else per client IP, and
  // a second count of failed key checks per IP, so rotating made-up keys gets no fresh bucket. Headers
  // are the IETF draft-ietf-httpapi-ratelimit-headers ones: `RateLimit: "default";r=<remaining>;t=<reset s>`
  // and `RateLimit-Policy: "default";q=<max>;w=<window s>`.
  const max = config.RATE_LIMIT_MAX
  const requests = new WindowCounter(windowS * 1000)
  const failedKeys = new WindowCounter(windowS * 1000)
  const policy = `"default";q=${max};w=${windowS}`
  app.addHook('onRequest', (req, reply, done) => {
    if (exempt(req)) return done()
    const key = presentedKey(req)
    if (key !== undefined) {
      const failed = failedKeys.peek('bad-key:' + req.ip)
      if (failed.count > max) return done(refusal(reply, failed.resetS))
    }
    // a key is only ever held hashed: the counters never hold a secret
    const r = requests.hit(key ? 'key:' + createHash('sha256').update(key).digest('hex').slice(0, 32) : 'ip:' + req.ip)
    reply.header('ratelimit', `"default";r=${Math.max(0, max - r.count)};t=${r.resetS}`).header('ratelimit-policy', policy)
    done(r.count > max ? refusal(reply, r.resetS) : undefined)
  })
  app.addHook('onResponse', (req, reply, done) => {
    if (reply.statusCode === 401 && presentedKey(req) !== undefined) failedKeys.hit('bad-key:' + req.ip)
    done()
  })

  function refusal (reply: FastifyReply, resetS: number): Error {
    reply.header('retry-after', resetS)
    app.metrics?.rateLimited()
    return new RateLimited(max, config.RATE_LIMIT_WINDOW, resetS)
  }
}, { name: 'limits', dependencies: ['errors'] })
