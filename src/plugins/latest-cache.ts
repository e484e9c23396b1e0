import type { Database } from '../db/connect.ts'

/** A serialized answer ready to send: the JSON text and its ETag. */
export interface CachedBody { body: string, etag: string }

export const FIXINGS_CHANNEL = 'cpx_fixings'

// A safety net, not the mechanism: NOTIFY invalidates at once; the TTL bounds staleness if a
// notification is ever lost (the listening connection dropped and came back).
const TTL_MS = 60_000

/**
 * The in-process cache of each index's latest fixing (DESIGN §5 "hot reads"). Entries are dropped
 * when the engine announces a fixing on channel cpx_fixings: LISTEN/NOTIFY on a server database, so
 * every instance drops its copy; PGlite delivers the same notification in process.
 * A load that started before an invalidation is not stored (the generation moved on).
 */
export class LatestCache {
  private readonly entries = new Map<string, CachedBody & { until: number }>()
  private readonly loading = new Map<string, Promise<CachedBody | undefined>>()
  private generation = 0
  private unlisten: (() => Promise<void>) | undefined

  constructor (private readonly load: (code: string) => Promise<CachedBody | undefined>) {}

  async listen (database: Database): Promise<void> {
    this.unlisten = await database.listen(FIXINGS_CHANNEL, (payload) => this.invalidate(codeOf(payload)))
  }

  async close (): Promise<void> {
    this.entries.clear()
    // The connection may already be closed (tests close the database first): nothing left to unsubscribe.
    await this.unlisten?.().catch(() => {})
  }

  /** Drops one index's entry, or everything when the code is unknown. */
  invalidate (code?: string): void {
    this.generation++
    if (code) this.entries.delete(code)
    else this.entries.clear()
    this.loading.clear()
  }

  /** The cached answer, loading it once for concurrent callers; undefined when there is none. */
  get (code: string): CachedBody | undefined | Promise<CachedBody | undefined> {
    const hit = this.entries.get(code)
    if (hit && hit.until > Date.now()) return hit
    const pending = this.loading.get(code)
    if (pending) return pending
    const generation = this.generation
    const p = this.load(code).then((value) => {
      if (value && generation === this.generation && this.entries.size < 10_000) this.entries.set(code, { ...value, until: Date.now() + TTL_MS })
      return value
    }).finally(() => { if (this.loading.get(code) === p) this.loading.delete(code) })
    this.loading.set(code, p)
    return p
  }
}

function codeOf (payload: string): string | undefined {
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code
    return typeof code === 'string' ? code : undefined
  } catch {
    return undefined
  }
}
