import { createHmac, timingSafeEqual } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { InvalidCursor } from '../domain/errors.ts'

/**
 * Opaque pagination cursors: base64url(JSON) + '.' + an HMAC-SHA256 tag keyed by a secret stored in the
 * database (migration 0040), so every instance on one database accepts the others' cursors and an
 * edited cursor is refused with 400 rather than silently skipping or repeating rows.
 */
export interface CursorCodec {
  encode: (state: object) => string
  decode: <T>(cursor: string, schema: z.ZodType<T>) => T
}

export async function cursorCodec (db: Kysely<Schema>): Promise<CursorCodec> {
  const r = await sql<{ secret: string }>`select secret from cpx_secrets where name = 'cursor'`.execute(db)
  const secret = r.rows[0]?.secret
  if (!secret) throw new Error('cpx_secrets has no cursor secret: run the migrations')
  const tag = (body: string) => createHmac('sha256', secret).update(body).digest().subarray(0, 18)
  return {
    encode (state) {
      const body = Buffer.from(JSON.stringify(state)).toString('base64url')
      return `${body}.${tag(body).toString('base64url')}`
    },
    decode (cursor, schema) {
      const [body, mac, extra] = cursor.split('.')
      if (!body || !mac || extra !== undefined) throw new InvalidCursor('malformed')
      const given = Buffer.from(mac, 'base64url')
      const want = tag(body)
      if (given.length !== want.length || !timingSafeEqual(given, want)) throw new InvalidCursor('signature mismatch')
      let state: unknown
      try { state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) } catch { throw new InvalidCursor('malformed') }
      const parsed = schema.safeParse(state)
      if (!parsed.success) throw new InvalidCursor('unexpected content')
      return parsed.data
    },
  }
}
