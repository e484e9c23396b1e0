import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import type { Config } from '../config.ts'
import type { Schema } from './schema.ts'

/** Postgres type OIDs whose parsing we decide on purpose: pg and PGlite disagree on the defaults. */
const OID = { int8: 20, numeric: 1700, date: 1082, timestamptz: 1184, timestamp: 1114 } as const

/** `2026-11-02 10:00:00.5+00` → `2026-11-02T10:00:00.5Z` without losing microseconds (sessions run in UTC). */
export function pgTimestampToIso (text: string): string {
  return text.replace(' ', 'T').replace(/\+00(:00)?$/, 'Z')
}

// numeric stays a string: a price like 0.0000021 must never become a float.
// int8 (count(*), ids) becomes a number: counts and ids stay far below 2^53.
const parsers: Record<number, (text: string) => unknown> = {
  [OID.numeric]: (v) => v,
  [OID.int8]: (v) => Number(v),
  [OID.date]: (v) => v,
  [OID.timestamptz]: pgTimestampToIso,
  [OID.timestamp]: (v) => v.replace(' ', 'T'),
}

export interface Database {
  kind: 'server' | 'embedded'
  /** the server database's pool (read replicas route between it and theirs) */
  pool?: pg.Pool
  db: Kysely<Schema>
  /** Runs a multi-statement SQL script in one transaction on one connection (migrations, seeds). */
  script: <T>(fn: (run: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>) => Promise<T>) => Promise<T>
  /** Subscribes to NOTIFY on a channel; returns an unsubscribe function. */
  listen: (channel: string, onPayload: (payload: string) => void) => Promise<() => Promise<void>>
  /**
   * Hands a notification this process has just committed to its own listeners at once, so its next
   * read sees the change without waiting for NOTIFY's round trip (other processes get the NOTIFY).
   * PGlite delivers its notifications in process before the committing query returns: nothing to do.
   */
  announce: (channel: string, payload: string) => void
  close: () => Promise<void>
}

export interface ConnectOptions extends Pick<Config, 'DATABASE_URL' | 'DATA_DIR'> {
  memory?: boolean
  /** embedded only: start from this data directory dump (tests clone a migrated template) */
  loadDataDir?: Blob
}

export async function connect (config: ConnectOptions): Promise<Database> {
  return config.DATABASE_URL
    ? connectServer(config.DATABASE_URL)
    : connectEmbedded(config.memory ? undefined : config.DATA_DIR, config.loadDataDir)
}

/** A pool on a server database with CPX's parsers and timeouts (the primary's, or a read replica's). */
export function serverPool (url: string, applicationName = 'cpx'): pg.Pool {
  const typeParser = (oid: number, format?: string) =>
    (parsers[oid] as ((v: string) => unknown) | undefined) ?? pg.types.getTypeParser(oid, format as 'text')
  const pool = new pg.Pool({
    connectionString: url,
    application_name: applicationName,
    max: 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    // A server that stops answering (a partition, not a reset) must not hang a request forever: the client
    // gives up shortly after the server-side statement_timeout would have. Keepalive finds dead idle sockets.
    query_timeout: 65_000,
    keepAlive: true,
    options: '-c TimeZone=UTC -c statement_timeout=60000',
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
  })
  // An idle client losing its server must not crash the process; the next query reports the fault.
  pool.on('error', () => {})
  // A checked-out client has no pool listener: its connection dying mid-query would emit an unhandled
  // 'error' and crash the process. The query itself still fails (503) through its own promise.
  pool.on('connect', (client) => { client.on('error', () => {}) })
  return pool
}

function connectServer (url: string): Database {
  const pool = serverPool(url)
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) })
  // One dedicated LISTEN connection. It heals itself: when it drops it reconnects with a delay, and
  // then tells every handler '' (notifications may have been missed: drop everything cached).
  let listener: pg.Client | undefined
  let connecting: Promise<void> | undefined
  let retry: NodeJS.Timeout | undefined
  let closed = false
  const handlers = new Map<string, Set<(p: string) => void>>()
  const deliver = (channel: string, payload: string) => { for (const h of handlers.get(channel) ?? []) h(payload) }
  const scheduleReconnect = () => {
    if (closed || retry) return
    retry = setTimeout(() => {
      retry = undefined
      ensureListener().then(() => { for (const c of handlers.keys()) deliver(c, '') }, () => scheduleReconnect())
    }, 1000)
    retry.unref()
  }
  const ensureListener = async (): Promise<void> => {
    if (listener || closed) return
    connecting ??= (async () => {
      const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC', connectionTimeoutMillis: 3000 })
      const lost = () => { if (listener === client) listener = undefined; client.end().catch(() => {}); scheduleReconnect() }
      client.on('error', lost)
      client.on('end', lost)
      client.on('notification', (msg) => deliver(msg.channel, msg.payload ?? ''))
      await client.connect()
      for (const channel of handlers.keys()) await client.query(`listen "${channel.replace(/"/g, '')}"`)
      listener = client
    })().finally(() => { connecting = undefined })
    return connecting
  }
  return {
    kind: 'server',
    pool,
    db,
    async script (fn) {
      const client = await pool.connect()
      try {
        await client.query('begin')
        const result = await fn(async (text, params) => (await client.query(text, params)).rows)
        await client.query('commit')
        return result
      } catch (err) {
        await client.query('rollback').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
    async listen (channel, onPayload) {
      const isNew = !handlers.has(channel)
      if (isNew) handlers.set(channel, new Set())
      handlers.get(channel)!.add(onPayload)
      // Never throws: with the database down the subscription is made when it comes back.
      try {
        if (listener && isNew) await listener.query(`listen "${channel.replace(/"/g, '')}"`)
        else await ensureListener()
      } catch { scheduleReconnect() }
      return async () => { handlers.get(channel)?.delete(onPayload) }
    },
    announce: deliver,
    async close () {
      closed = true
      clearTimeout(retry)
      await listener?.end().catch(() => {})
      await db.destroy()
    },
  }
}

async function connectEmbedded (dataDir: string | undefined, loadDataDir?: Blob): Promise<Database & { pglite: PGlite }> {
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const pglite = await PGlite.create({ dataDir: dataDir ? `${dataDir}/pglite` : undefined, parsers, loadDataDir })
  await pglite.exec("set TimeZone = 'UTC'")
  const db = new Kysely<Schema>({ dialect: new PGliteDialect(pglite) })
  return {
    kind: 'embedded',
    pglite,
    db,
    // PGlite has one connection; Kysely's dialect queues its users, so scripts go through a Kysely connection too.
    async script (fn) {
      return db.connection().execute(async () => {
        const run = async (text: string, params?: unknown[]) => {
          if (params?.length) return (await pglite.query<Record<string, unknown>>(text, params)).rows
          const results = await pglite.exec(text)
          return (results.at(-1)?.rows ?? []) as Record<string, unknown>[]
        }
        await pglite.exec('begin')
        try {
          const result = await fn(run)
          await pglite.exec('commit')
          return result
        } catch (err) {
          await pglite.exec('rollback').catch(() => {})
          throw err
        }
      })
    },
    async listen (channel, onPayload) {
      return pglite.listen(channel, onPayload)
    },
    announce () {},
    async close () {
      await db.destroy()
    },
  }
}
