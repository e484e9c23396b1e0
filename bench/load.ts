// HTTP load comes from autocannon in its own process (bench/load-worker.ts), never from the server's
// or the harness's event loop.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { pin } from './processes.ts'

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url))

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  requests: number
  /** responses that were not 2xx, plus socket errors and timeouts */
  failures: number
  /** CPU time the server (and its database) spent per request, in µs: immune to other processes' load */
  cpuUsPerRequest?: number
}

export interface LoadOptions { connections: number, seconds: number, headers?: Record<string, string> }

interface Raw {
  requests: { average: number, total: number }
  latency: { p50: number, p99: number }
  non2xx: number
  errors: number
  timeouts: number
}

let worker: ChildProcess | undefined

function loadWorker (): ChildProcess {
  if (!worker || worker.exitCode !== null) {
    worker = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    if (worker.pid) pin(worker.pid, 'load')
    worker.unref()
    worker.channel?.unref()
  }
  return worker
}

/** Ends the load generator's process (at the end of a run). */
export function stopLoad (): void {
  worker?.kill()
  worker = undefined
}

export async function load (url: string, opts: LoadOptions): Promise<LoadResult> {
  const w = loadWorker()
  w.channel?.ref()
  const r = await new Promise<Raw>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`load generator exited (${code})`))
    w.once('exit', onExit)
    w.once('message', (m: { result?: Raw, error?: string }) => {
      w.off('exit', onExit)
      if (m.result) resolve(m.result)
      else reject(new Error(`autocannon: ${m.error}`))
    })
    w.send({ url, ...opts })
  }).finally(() => w.channel?.unref())
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    failures: r.non2xx + r.errors + r.timeouts,
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** The run whose req/s is the median of several: its latencies come with it, unmixed. */
export function medianRun (runs: LoadResult[]): LoadResult {
  const s = [...runs].sort((a, b) => a.rps - b.rps)
  return s[Math.floor((s.length - 1) / 2)]!
}
