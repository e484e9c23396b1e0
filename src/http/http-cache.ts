import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

// HTTP caching of reads (DESIGN §5): an ETag on every 200, Cache-Control, and 304 for a matching
// If-None-Match. A fixing's ETag is its hash; a page's is a digest of the bytes sent.

/** Short enough to let a client revalidate soon after the daily fixing; shared caches may keep public reads. */
export const cacheControl = (keyRequired: boolean) => `${keyRequired ? 'private' : 'public'}, max-age=60, must-revalidate`

export const etagOfHash = (hash: string) => `"${hash.replace(/^sha256:/, '')}"`
export const etagOfBody = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`

/** If-None-Match matching with weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored, `*` matches. */
export function isFresh (ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  if (ifNoneMatch === etag) return true
  return ifNoneMatch.split(',').some((t) => { const v = t.trim(); return v === '*' || v.replace(/^W\//, '') === etag })
}

/**
 * onSend hook for read routes: ETag from the body sent (unless the route set the one of a cached
 * body), Cache-Control, and 304 when the client has it. A Buffer is a read-cache hit
 * (plugins/read-cache.ts), which set all of these itself.
 */
export function conditionalGet (cacheControlValue: string) {
  // A callback hook: no promise per answer (this runs on every read of the scopes that add it).
  return (req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void => {
    if (reply.statusCode !== 200 || typeof payload !== 'string') return done(null, payload)
    const given = reply.getHeader('etag')
    const etag = typeof given === 'string' ? given : etagOfBody(payload)
    const vary = withAccept(reply.getHeader('vary'))
    req.cpxCacheFill?.(reply, payload, etag, cacheControlValue, vary) // a miss of a read-cache route (plugins/read-cache.ts): kept as sent
    reply.header('etag', etag).header('cache-control', cacheControlValue).header('vary', vary)
    if (!isFresh(req.headers['if-none-match'], etag)) return done(null, payload)
    reply.code(304).removeHeader('content-type')
    done(null, null)
  }
}

/** Adds Accept to a Vary header (CORS may have put Origin there already). */
function withAccept (vary: unknown): string {
  if (vary === 'Origin') return 'Origin, Accept' // the usual case (limits.ts sets Origin when CORS is on)
  const given = Array.isArray(vary) ? vary.join(', ') : typeof vary === 'string' ? vary : ''
  if (!given) return 'Accept'
  return /(^|,)\s*accept\s*(,|$)/i.test(given) ? given : `${given}, Accept`
}
