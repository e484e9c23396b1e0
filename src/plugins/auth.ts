import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { findKeyScope, sameSecret, scopeAllows, type Scope } from '../domain/api-keys.ts'
import { Forbidden, Unauthorized } from '../domain/errors.ts'
import { routeOf } from './limits.ts'

/** What a route needs. GET routes default to 'read', every other method to 'admin' (safe default). */
export type Access = Scope | 'public'

declare module 'fastify' {
  interface FastifyContextConfig { access?: Access }
  interface FastifyRequest { scope?: Scope }
}

/** What a route needs: as declared, else read for GET and HEAD, admin otherwise; the OpenAPI document says the same (openapi-contract.ts). */
export function routeAccess (method: string, url: string, declared: string | undefined): Access {
  // Swagger UI's own routes (/docs/*) are public like /openapi.json.
  if (url.startsWith('/docs')) return 'public'
  return (declared as Access | undefined) ?? (method === 'GET' || method === 'HEAD' ? 'read' : 'admin')
}

// Key lookups are cached briefly so reads stay cheap. A revocation by any process is announced on
// cpx_api_keys (sql/functions/cpx_notify_api_key.sql, function and trigger) and empties the cache of every instance at once; the time below
// only bounds a notification lost while the listening connection was down.
const CACHE_MS = 10_000
export const API_KEYS_CHANNEL = 'cpx_api_keys'

function presentedKey (req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  if (h) return /^Bearer\s+(\S+)$/i.exec(h)?.[1] ?? ''
  const q = (req.query as Record<string, unknown> | undefined)?.api_key
  return typeof q === 'string' ? q : undefined
}

export default fp(async (app, { config }: { config: Config }) => {
  const cache = new Map<string, { scope: Scope | null, until: number }>()

  /** The key's scope if known without a database lookup (the bootstrap key, or cached), else undefined. */
  function knownScope (key: string): Scope | null | undefined {
    if (config.ADMIN_API_KEY && sameSecret(key, config.ADMIN_API_KEY)) return 'admin'
    const hit = cache.get(key)
    return hit && hit.until > Date.now() ? hit.scope : undefined
  }

  async function scopeOf (key: string): Promise<Scope | null> {
    const known = knownScope(key)
    return known !== undefined ? known : await lookUpScope(key)
  }

  async function lookUpScope (key: string): Promise<Scope | null> {
    const scope = await findKeyScope(app.db, key)
    if (cache.size > 10_000) cache.clear()
    cache.set(key, { scope, until: Date.now() + CACHE_MS })
    return scope
  }

  app.decorate('clearKeyCache', () => cache.clear())
  const unlisten = await app.database.listen(API_KEYS_CHANNEL, () => cache.clear())
  app.addHook('onClose', () => unlisten().catch(() => {}))

  async function authorize (req: FastifyRequest, need: Scope): Promise<void> {
    const key = presentedKey(req)
    if (key === undefined) throw new Unauthorized('An API key is required: send Authorization: Bearer <key>')
    const scope = key ? await scopeOf(key) : null
    if (!scope) throw new Unauthorized('The API key is unknown or revoked')
    if (!scopeAllows(scope, need)) throw new Forbidden(`This operation needs a key with scope ${need}; this key has scope ${scope}`)
    req.scope = scope
  }

  /**
   * A request that presents a key (limits.ts left its count to us): counted against the key's own
   * bucket once the key is verified, else against the client IP. A key that fails is 401 on every
   * matched route, reads and public routes too: it is never served anonymously (docs/security.md).
   */
  async function keyed (req: FastifyRequest, reply: FastifyReply, url: string | undefined, need: Access): Promise<void> {
    const limit = app.rateLimit
    // No route matched: the 404 handler answers, whatever the key; counted by IP, no lookup.
    if (!url) { const over = limit.ip(req, reply); if (over) throw over; return }
    const key = presentedKey(req) ?? ''
    let scope = key ? knownScope(key) : null
    if (scope === undefined) {
      // a lookup: refused without one once this IP has failed RATE_LIMIT_MAX key checks this window
      const spent = limit.failuresSpent(req, reply)
      if (spent) throw spent
      scope = await lookUpScope(key)
    }
    if (!scope) throw limit.failed(req, reply) ?? new Unauthorized('The API key is unknown or revoked')
    const over = limit.key(key, reply)
    if (over) throw over
    if (need !== 'public' && !scopeAllows(scope, need)) throw new Forbidden(`This operation needs a key with scope ${need}; this key has scope ${scope}`)
    req.scope = scope
  }

  const needOf = (req: FastifyRequest, url: string, declared: Access | undefined): Access => routeAccess(req.method, url, declared)

  // onRequest: refuse before a body is read or validated, so an anonymous client cannot make us parse 10 MB.
  // A callback hook: an open read without a key (the common case) passes without a promise.
  app.addHook('onRequest', (req, reply, done) => {
    const { url, config: routeConfig } = routeOf(req)
    if (req.cpxKeyPending) {
      keyed(req, reply, url, url ? needOf(req, url, routeConfig.access) : 'public').then(() => done(), done)
      return
    }
    // No route matched: the 404 handler answers.
    if (!url) return done()
    const need = needOf(req, url, routeConfig.access)
    if (need === 'public' || (need === 'read' && !config.READ_API_KEY_REQUIRED)) return done()
    authorize(req, need).then(() => done(), done)
  })
}, { name: 'auth', dependencies: ['db', 'limits'] })

declare module 'fastify' {
  interface FastifyInstance { clearKeyCache: () => void }
}
