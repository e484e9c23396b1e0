import { Redis } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'

// Rate-limit counts shared by every instance through Redis (REDIS_URL; docs/security.md, "Shared limits").
// A request is still counted in memory, synchronously: the hot path never waits for Redis. Every SYNC_MS
// each instance adds its new counts to Redis (INCRBY, the window's expiry set by the first instance to
// count: PEXPIRE NX) and learns the total of all instances. A request counted by one instance reaches
// Redis at that instance's next synchronisation and another instance at its own next one: each knows
// the others' counts at most 2 gaps late (a gap: the time between two synchronisations, SYNC_MS on a
// free event loop, longer when the process is starved of CPU; cpx_rate_limit_store_sync_gap_seconds
// reports the longest), so all N instances together admit at most
//   max + (N − 1) × (the client's requests to one instance in 2 gaps)
// per window (and never more than N × max, each instance's own count being exact). Redis gone: each
// instance goes on counting alone (per-process limits: fail open, logged, cpx_rate_limit_store_up 0)
// and adds what it counted meanwhile once Redis is back.

export const SYNC_MS = 100

interface Bucket { shared: number, pending: number, resetAt: number }

export class SharedCounter {
  private readonly buckets = new Map<string, Bucket>()
  /** the last hit's or peek's result, read right after the call (as WindowCounter) */
  count = 0
  resetS = 0
  up = false
  failures = 0
  /** the longest time between two successful synchronisations (SYNC_MS on a free event loop; more under CPU starvation) */
  maxGapMs = 0
  private lastSyncAt = 0
  private readonly timer: NodeJS.Timeout
  private syncing: Promise<void> | undefined

  constructor (private readonly redis: Redis, private readonly windowMs: number, private readonly prefix: string,
    private readonly log: FastifyBaseLogger, private readonly size = 50_000) {
    this.timer = setInterval(() => { this.syncing ??= this.sync().finally(() => { this.syncing = undefined }) }, SYNC_MS)
    this.timer.unref()
  }

  private bucket (key: string, now: number): Bucket {
    let b = this.buckets.get(key)
    if (!b || b.resetAt <= now) {
      if (!b && this.buckets.size >= this.size) this.forgetExpired(now)
      this.buckets.set(key, b = { shared: 0, pending: 0, resetAt: now + this.windowMs })
    }
    return b
  }

  hit (key: string, now = Date.now()): this {
    const b = this.bucket(key, now)
    b.pending++
    this.count = b.shared + b.pending
    this.resetS = Math.ceil((b.resetAt - now) / 1000)
    return this
  }

  peek (key: string, now = Date.now()): this {
    const b = this.buckets.get(key)
    if (!b || b.resetAt <= now) { this.count = 0; this.resetS = Math.ceil(this.windowMs / 1000) } else { this.count = b.shared + b.pending; this.resetS = Math.ceil((b.resetAt - now) / 1000) }
    return this
  }

  private forgetExpired (now: number): void {
    for (const [k, b] of this.buckets) if (b.resetAt <= now) this.buckets.delete(k)
    // still full: the oldest buckets go (Map order is insertion order)
    for (const k of this.buckets.keys()) { if (this.buckets.size < this.size) break; this.buckets.delete(k) }
  }

  /** Adds this instance's new counts to Redis and learns every bucket's total and reset time. */
  async sync (): Promise<void> {
    const now = Date.now()
    const live = [...this.buckets].filter(([, b]) => b.resetAt > now)
    for (const [k, b] of this.buckets) if (b.resetAt <= now) this.buckets.delete(k)
    if (!live.length) { this.lastSyncAt = now; return } // nothing to share: as good as synchronised
    const sent = live.map(([, b]) => b.pending)
    const pipe = this.redis.pipeline()
    for (const [key, b] of live) {
      const k = this.prefix + key
      pipe.incrby(k, b.pending).pexpire(k, this.windowMs, 'NX').pttl(k)
    }
    try {
      // A reply that never comes (Redis killed mid-command) must not stop the synchronisations.
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('Redis did not answer within 1 s')), 1000) })
      const results = await Promise.race([pipe.exec(), timeout]).finally(() => clearTimeout(timer))
      const failed = results?.find(([e]) => e)
      if (!results || failed) throw failed?.[0] ?? new Error('no reply')
      const at = Date.now()
      live.forEach(([key, b], i) => {
        b.pending -= sent[i]!
        if (this.buckets.get(key) !== b) return // the window ended meanwhile
        b.shared = Number(results[3 * i]![1]) // every instance's count, this one's sent part included
        const ttl = Number(results[3 * i + 2]![1])
        if (ttl > 0) b.resetAt = at + ttl
      })
      if (this.up && this.lastSyncAt) this.maxGapMs = Math.max(this.maxGapMs, at - this.lastSyncAt)
      this.lastSyncAt = at
      if (!this.up) this.log.info('rate limits shared through Redis again')
      this.up = true
    } catch (err) {
      this.failures++
      if (this.up || this.failures === 1) this.log.warn({ err: (err as Error).message }, 'Redis unavailable: rate limits are per process until it returns')
      this.up = false
    }
  }

  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.syncing
    this.redis.disconnect()
  }
}

/** A Redis client that never queues commands while disconnected (a sync then fails at once) and reconnects by itself. */
export function redisClient (url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 100, 1000),
    lazyConnect: false,
  })
  redis.on('error', () => {}) // reported by the failed sync, once per outage
  return redis
}
