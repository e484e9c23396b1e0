import type { Database } from '../db/connect.ts'
import { FIXINGS_CHANNEL } from '../domain/fixings.ts'

// A safety net, not the mechanism: NOTIFY invalidates at once; the TTL bounds staleness if a
// notification is ever lost (the listening connection dropped and came back).
const TTL_MS = 60_000

interface Entry<T> { value: T, until: number, weight: number }

export interface CacheLimits<T> {
  /** at most this many answers (default 10,000) */
  maxEntries?: number
  /** at most this much in all, by `weigh` (default: no bound) */
  maxWeight?: number
  weigh?: (value: T) => number
}

/**
 * The in-process cache of answers built from published fixings (DESIGN §5 "hot reads"): the read cache's
 * answers as sent (plugins/read-cache.ts) and pages of history behind it. Fixings are only ever added, and every addition is
 * announced on channel cpx_fixings with the index code — LISTEN/NOTIFY on a server database, so every
 * instance drops its copies; PGlite delivers the same notification in process — so an index's
 * entries stay exact until that announcement drops them all.
 * A load that started before an invalidation is not stored (the generation moved on). Within the
 * limits, the least recently used answers go first; an answer heavier than the whole bound is sent,
 * never stored.
 */
export class FixingsCache<T> {
  private readonly entries = new Map<string, Entry<T>>() // key → entry, in least-recently-used order
  private readonly loading = new Map<string, Promise<T | undefined>>()
  private generation = 0
  private weight = 0
  private unlisten: (() => Promise<void>) | undefined
  private readonly maxEntries: number
  private readonly maxWeight: number
  private readonly weigh: (value: T) => number

  constructor (limits: CacheLimits<T> = {}) {
    this.maxEntries = limits.maxEntries ?? 10_000
    this.maxWeight = limits.maxWeight ?? Infinity
    this.weigh = limits.weigh ?? (() => 0)
  }

  async listen (database: Database): Promise<void> {
    this.unlisten = await database.listen(FIXINGS_CHANNEL, (payload) => this.invalidate(codeOf(payload)))
  }

  async close (): Promise<void> {
    this.entries.clear()
    this.weight = 0
    // The connection may already be closed (tests close the database first): nothing left to unsubscribe.
    await this.unlisten?.().catch(() => {})
  }

  /**
   * Drops one index's entries and the entries of every index (code ''), or everything when the code is
   * unknown.
   */
  invalidate (code?: string): void {
    this.generation++
    for (const [key, entry] of this.entries) {
      if (code === undefined || key.startsWith('\u0000') || key.startsWith(code + '\u0000')) this.drop(key, entry)
    }
    this.loading.clear()
  }

  /** Taken before a load that is stored with `put`: a load older than an invalidation is not stored. */
  get generationNow (): number { return this.generation }

  /** Stores an answer loaded since `generation` (unless an invalidation came since): code '' for an answer about every index. */
  put (code: string, key: string, value: T, generation: number): void {
    const weight = this.weigh(value)
    if (generation !== this.generation || weight > this.maxWeight) return
    const k = code + '\u0000' + key
    const old = this.entries.get(k)
    if (old) this.drop(k, old)
    this.entries.set(k, { value, until: Date.now() + TTL_MS, weight })
    this.weight += weight
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.weight <= this.maxWeight) break
      this.drop(key, entry) // the least recently used first
    }
  }

  private drop (key: string, entry: Entry<T>): void {
    this.entries.delete(key)
    this.weight -= entry.weight
  }

  /** The cached answer of `code` under `key`, if any; never loads. */
  peek (code: string, key: string): T | undefined { return this.hit(code + '\u0000' + key) }

  private hit (k: string): T | undefined {
    const hit = this.entries.get(k)
    if (hit === undefined || hit.until <= Date.now()) return undefined
    if (this.maxWeight !== Infinity || this.entries.size > this.maxEntries / 2) {
      this.entries.delete(k) // move to the most recently used end (only where eviction may come)
      this.entries.set(k, hit)
    }
    return hit.value
  }

  /**
   * The cached answer of `code` under `key`, loading it once for concurrent callers; undefined (never
   * stored) when there is none. A hit is returned as is, without a promise.
   */
  get (code: string, key: string, load: () => Promise<T | undefined>): T | undefined | Promise<T | undefined> {
    const k = code + '\u0000' + key
    const hit = this.hit(k)
    if (hit !== undefined) return hit
    const pending = this.loading.get(k)
    if (pending) return pending
    const generation = this.generation
    const p = load().then((value) => {
      if (value !== undefined) this.put(code, key, value, generation)
      return value
    }).finally(() => { if (this.loading.get(k) === p) this.loading.delete(k) })
    this.loading.set(k, p)
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
