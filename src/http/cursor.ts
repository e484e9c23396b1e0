import { createHmac, timingSafeEqual } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { z } from 'zod'
import type { Schema } from '../db/schema.ts'
import { InvalidCursor } from '../domain/errors.ts'

/**
 * The one cursor codec of every paginated list (quotes, FX rates, index history, the revision register):
 * base64url(JSON) + '.' + an HMAC-SHA256 tag keyed by a secret stored in the database (migration 0040), so
 * every instance on one database accepts the others' cursors, and an edited cursor is refused with 400
 * rather than silently skipping or repeating rows. The tag also covers the name of the list, so a cursor
 * of one list is refused by another even where their positions look alike.
 */
export interface CursorCodec {
  encode: (state: object) => Promise<string>
  decode: <T>(cursor: string, schema: z.ZodType<T>) => Promise<T>
}

export type CursorList = 'quotes' | 'fx-rates' | 'history' | 'revisions' | 'source-runs' | 'mapping-changes'

// One secret read per database, shared by the codecs of all its lists.
const secrets = new WeakMap<Kysely<Schema>, () => Promise<string>>()

/**
 * The secret is read on first use, not when the app is built: an app must start (and answer /readyz
 * with 503) while its database is down. A failed read is retried on the next use.
 */
function cursorSecret (db: Kysely<Schema>): () => Promise<string> {
  let load = secrets.get(db)
  if (load) return load
  let secret: Promise<string> | undefined
  load = () => {
    secret ??= sql<{ secret: string }>`select secret from cpx_secrets where name = 'cursor'`.execute(db).then((r) => {
      const s = r.rows[0]?.secret
      if (!s) throw new Error('cpx_secrets has no cursor secret: run the migrations')
      return s
    })
    secret.catch(() => { secret = undefined })
    return secret
  }
  secrets.set(db, load)
  return load
}

export function cursorCodec (db: Kysely<Schema>, list: CursorList): CursorCodec {
  const secret = cursorSecret(db)
  const tag = async (body: string) => createHmac('sha256', await secret()).update(`${list}.${body}`).digest().subarray(0, 18)
  return {
    async encode (state) {
      const body = Buffer.from(JSON.stringify(state)).toString('base64url')
      return `${body}.${(await tag(body)).toString('base64url')}`
    },
    async decode (cursor, schema) {
      const [body, mac, extra] = cursor.split('.')
      if (!body || !mac || extra !== undefined) throw new InvalidCursor('malformed')
      const given = Buffer.from(mac, 'base64url')
      const want = await tag(body)
      if (given.length !== want.length || !timingSafeEqual(given, want)) throw new InvalidCursor('signature mismatch')
      let state: unknown
      try { state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) } catch { throw new InvalidCursor('malformed') }
      const parsed = schema.safeParse(state)
      if (!parsed.success) throw new InvalidCursor('unexpected content')
      return parsed.data
    },
  }
}
