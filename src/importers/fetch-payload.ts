// The collectors' HTTP fetch: a timeout per attempt, a size cap read off the stream (a payload over
// the cap is never held whole), and retries with exponential backoff and jitter for the faults that
// may pass (network, timeout, HTTP 5xx and 429). Everything else fails at once, with one reason.

export type FailureKind = 'http_status' | 'timeout' | 'network' | 'too_large' | 'malformed' | 'schema_change' | 'config' | 'database' | 'interrupted'

/** Why a run failed: its kind (source_runs.error_kind) and one sentence (source_runs.error). */
export class RunFailure extends Error {
  attempts = 1
  constructor (readonly kind: FailureKind, message: string, readonly httpStatus?: number, readonly retryable = false) { super(message) }
}

export interface FetchSpec {
  url: string
  headers?: Record<string, string>
  timeoutMs: number
  maxBytes: number
  retries: number
  /** the first backoff; each retry doubles it, times a random factor in [0.5, 1.5) */
  retryBaseMs?: number
  /** aborts the fetch and its retries (the collector stopping) */
  signal?: AbortSignal
}

export interface Fetched { bytes: Buffer, httpStatus: number, attempts: number }

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`

function fetchError (err: unknown, spec: FetchSpec): RunFailure {
  const e = err as Error & { cause?: { code?: string, message?: string } }
  if (e instanceof RunFailure) return e
  if (spec.signal?.aborted) return new RunFailure('interrupted', 'the collector stopped during the fetch')
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return new RunFailure('timeout', `no complete answer within ${spec.timeoutMs} ms`, undefined, true)
  const why = e.cause?.code ? `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}` : e.message
  return new RunFailure('network', `cannot fetch: ${why}`, undefined, true)
}

async function readCapped (res: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'))
  const tooLarge = (n: string) => new RunFailure('too_large', `the payload is ${n}, over this source's cap of ${maxBytes} bytes (${mib(maxBytes)})`, res.status)
  if (Number.isFinite(declared) && declared > maxBytes) { await res.body?.cancel(); throw tooLarge(`${declared} bytes`) }
  const chunks: Buffer[] = []
  let size = 0
  if (!res.body) return Buffer.alloc(0)
  const reader = res.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) { await reader.cancel(); throw tooLarge(`over ${maxBytes} bytes (read ${size} before stopping)`) }
    chunks.push(Buffer.from(value))
  }
  return Buffer.concat(chunks)
}

async function fetchOnce (spec: FetchSpec): Promise<{ bytes: Buffer, httpStatus: number }> {
  try {
    const res = await fetch(spec.url, { signal: spec.signal ? AbortSignal.any([spec.signal, AbortSignal.timeout(spec.timeoutMs)]) : AbortSignal.timeout(spec.timeoutMs), headers: { accept: 'application/json, text/csv, */*', ...spec.headers } })
    if (!res.ok) {
      await res.body?.cancel()
      throw new RunFailure('http_status', `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`, res.status, res.status >= 500 || res.status === 429)
    }
    return { bytes: await readCapped(res, spec.maxBytes), httpStatus: res.status }
  } catch (err) {
    throw fetchError(err, spec)
  }
}

export const backoffMs = (attempt: number, baseMs: number, random = Math.random) => Math.round(baseMs * 2 ** (attempt - 1) * (0.5 + random()))

/** GETs the source's payload; the error thrown is a RunFailure carrying how many attempts were made. */
export async function fetchPayload (spec: FetchSpec, sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))): Promise<Fetched> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...await fetchOnce(spec), attempts: attempt }
    } catch (err) {
      const failure = err as RunFailure
      failure.attempts = attempt
      if (!failure.retryable || attempt > spec.retries || spec.signal?.aborted) {
        if (attempt > 1) failure.message += ` (after ${attempt} attempts)`
        throw failure
      }
      await sleep(backoffMs(attempt, spec.retryBaseMs ?? 1000))
    }
  }
}
