import cors from '@fastify/cors'
import createError from '@fastify/error'
import rateLimit from '@fastify/rate-limit'
import underPressure from '@fastify/under-pressure'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import type { Config } from '../config.ts'

/** A registered route as declared (access undefined: auth's default, read for GET, admin otherwise). */
export interface RouteInfo { method: string, url: string, access?: string }

declare module 'fastify' {
  interface FastifyInstance { bodyLimits: Map<string, number>, routeList: RouteInfo[] }
  /** read by @fastify/cors: false keeps a route out of CORS */
  interface FastifyContextConfig { cors?: false }
}

export const RateLimited = createError('CPX_RATE_LIMITED', 'Rate limit of %d requests per %s exceeded; retry in %d s', 429)
export const Overloaded = createError('CPX_OVERLOADED', 'The service is overloaded; retry shortly', 503)

/** Seconds a shed client is told to wait. */
const SHED_RETRY_AFTER_S = 5

// Probes must keep answering under load and abuse, or the orchestrator kills a healthy process; the
// metrics scrape too is never shed (it is how an operator sees the overload) but it is rate limited.
const PROBES = new Set(['/healthz', '/readyz'])
const exempt = (req: FastifyRequest) => PROBES.has(req.routeOptions.url ?? '')
const neverShed = (req: FastifyRequest) => exempt(req) || req.routeOptions.url === '/metrics'

/** The key a client presents, if any (same places auth.ts reads): never logged, only hashed. */
function presentedKey (req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  if (h) return h
  const q = (req.query as Record<string, unknown> | undefined)?.api_key
  return typeof q === 'string' ? q : undefined
}

/** Rate-limit bucket: one per API key (hashed: the store never holds a secret), else one per client IP. */
export function rateLimitKey (req: FastifyRequest): string {
  const key = presentedKey(req)
  return key ? 'key:' + createHash('sha256').update(key).digest('hex').slice(0, 32) : 'ip:' + req.ip
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

  // Security headers: the set the OWASP REST Security Cheat Sheet asks of a JSON API, constant, set in
  // one call. (@fastify/helmet computed twelve, most of them for HTML documents, on every request: a
  // third of the hot route's cost.) Pages that need another policy set theirs in the handler: Swagger
  // UI (staticCSP) and the embeddable widget (its frame-ancestors).
  app.addHook('onRequest', (_req, reply, done) => { reply.headers(SECURITY_HEADERS); done() })

  // Browser embeds read; write routes carry `cors: false` (onRoute above), so a write never gets CORS
  // headers and a preflight never allows a write method. Static options: normalized once, not per request.
  if (origins !== false) {
    await app.register(cors, {
      origin: origins,
      methods: ['GET', 'HEAD'],
      allowedHeaders: ['Authorization', 'Accept', 'If-None-Match'],
      exposedHeaders: ['ETag', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id'],
      maxAge: 600,
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

  await app.register(rateLimit, {
    global: false, // applied below as an app-wide hook, so it runs before auth looks a key up
    max: config.RATE_LIMIT_MAX,
    timeWindow: windowS * 1000,
    keyGenerator: rateLimitKey,
    allowList: (req) => exempt(req),
  })
  // Rotating made-up keys would give a client a fresh bucket each time: failed key checks also count per IP.
  const badKeys = app.createRateLimit({ keyGenerator: (req) => 'bad-key:' + req.ip })
  app.addHook('onRequest', (req, reply, done) => {
    if (presentedKey(req) === undefined || exempt(req)) return done()
    badKeys(req, { increment: false }).then((r) => done(!r.isAllowed && r.isExceeded ? refusal(reply, r.max, r.ttlInSeconds) : undefined), done)
  })
  app.addHook('onResponse', (req, reply, done) => {
    if (reply.statusCode !== 401 || presentedKey(req) === undefined) return done()
    badKeys(req).then(() => done(), done)
  })

  // The plugin counts (its store, its key generator, its allow list); the headers are the IETF
  // draft-ietf-httpapi-ratelimit-headers ones, written here once: `RateLimit: "default";r=<remaining>;t=<reset s>`
  // and `RateLimit-Policy: "default";q=<max>;w=<window s>`.
  const limiter = app.createRateLimit()
  const policy = `"default";q=${config.RATE_LIMIT_MAX};w=${windowS}`
  app.addHook('onRequest', (req, reply, done) => {
    limiter(req).then((r) => {
      if (r.isAllowed) return done()
      reply.header('ratelimit', `"default";r=${r.remaining};t=${r.ttlInSeconds}`).header('ratelimit-policy', policy)
      done(r.isExceeded ? refusal(reply, r.max, r.ttlInSeconds) : undefined)
    }, done)
  })

  function refusal (reply: FastifyReply, max: number, ttlInSeconds: number): Error {
    reply.header('retry-after', ttlInSeconds)
    app.metrics?.rateLimited()
    return new RateLimited(max, config.RATE_LIMIT_WINDOW, ttlInSeconds)
  }
}, { name: 'limits', dependencies: ['errors'] })
