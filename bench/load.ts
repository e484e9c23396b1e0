// HTTP load comes from autocannon in its own process, never from the server's or the harness's event loop.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url))

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  requests: number
  /** responses that were not 2xx, plus socket errors and timeouts */
  failures: number
}

export interface LoadOptions { connections: number, seconds: number, headers?: Record<string, string> }

export async function load (url: string, opts: LoadOptions): Promise<LoadResult> {
  const args = [AUTOCANNON, '-j', '-n', '-c', String(opts.connections), '-d', String(opts.seconds)]
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`)
  args.push(url)
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.once('error', reject)
    child.once('exit', (code) => code === 0 ? resolve(stdout) : reject(new Error(`autocannon exited ${code}: ${stderr.slice(-500)}`)))
  })
  const r = JSON.parse(out) as {
    requests: { average: number, total: number }
    latency: { p50: number, p99: number }
    non2xx: number,
    errors: number,
    timeouts: number
  }
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
