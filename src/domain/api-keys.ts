import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../db/schema.ts'

export const SCOPES = ['read', 'ingest', 'admin'] as const
export type Scope = typeof SCOPES[number]

/** admin can do everything ingest can, ingest everything read can. */
export function scopeAllows (have: Scope, need: Scope): boolean {
  return SCOPES.indexOf(have) >= SCOPES.indexOf(need)
}

export function hashKey (key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** Constant-time comparison of two secrets of any length (hashing first equalizes the lengths). */
export function sameSecret (a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(hashKey(a), 'hex'), Buffer.from(hashKey(b), 'hex'))
}

export interface ApiKeyInfo { id: number, name: string, scope: Scope, prefix: string, created_at: string, revoked_at: string | null, last_used_at: string | null }

/** Creates a key and returns its secret once; only its hash is stored. */
export async function createApiKey (db: Kysely<Schema>, name: string, scope: Scope): Promise<{ key: string, info: ApiKeyInfo }> {
  const key = `cpx_${scope}_${randomBytes(24).toString('base64url')}`
  const info = await db.insertInto('api_keys')
    .values({ name, scope, prefix: key.slice(0, 14), key_hash: hashKey(key) })
    .returning(['id', 'name', 'scope', 'prefix', 'created_at', 'revoked_at', 'last_used_at'])
    .executeTakeFirstOrThrow()
  return { key, info: info as ApiKeyInfo }
}

export async function listApiKeys (db: Kysely<Schema>): Promise<ApiKeyInfo[]> {
  return await db.selectFrom('api_keys')
    .select(['id', 'name', 'scope', 'prefix', 'created_at', 'revoked_at', 'last_used_at'])
    .orderBy('id').execute() as ApiKeyInfo[]
}

/** Revokes by id or prefix; returns how many keys were revoked. */
export async function revokeApiKey (db: Kysely<Schema>, idOrPrefix: string): Promise<number> {
  const r = await db.updateTable('api_keys').set({ revoked_at: new Date().toISOString() })
    .where((eb) => /^\d+$/.test(idOrPrefix) ? eb('id', '=', Number(idOrPrefix)) : eb('prefix', '=', idOrPrefix))
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows)
}

/** The scope of a presented key, or null when it is unknown or revoked. */
export async function findKeyScope (db: Kysely<Schema>, key: string): Promise<Scope | null> {
  const row = await db.selectFrom('api_keys').select(['scope', 'key_hash'])
    .where('key_hash', '=', hashKey(key)).where('revoked_at', 'is', null)
    .executeTakeFirst()
  if (!row || !timingSafeEqual(Buffer.from(row.key_hash, 'hex'), Buffer.from(hashKey(key), 'hex'))) return null
  return row.scope as Scope
}
