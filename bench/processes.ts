// The service and the bare baseline run as real listening processes, started the same way
// (`node --import tsx <entry>`), each with its own pid so its memory can be read from /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

export interface Running {
  pid: number
  url: string
  /** resident set size in MiB, from /proc/<pid>/status VmRSS */
  rssMb: () => number | null
  /** why it is not answering: its exit code and the tail of its stderr, or null while it runs */
  death: () => string | null
  stop: () => Promise<void>
}

const live = new Set<ChildProcess>()
/** Kills every server this run started (Ctrl-C). */
export function killAll (): void { for (const c of live) c.kill('SIGKILL') }

export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export function rssMb (pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb ? Math.round(Number(kb) / 1024) : null
  } catch {
    return null
  }
}

/**
 * The CPUs servers and the load generator run on. With two CPUs or more (and Linux's taskset), every
 * server — the bare one and the service alike — runs on CPU 0 and the load generator on CPU 1: left
 * to the scheduler they trade places and contend for the same CPU, and a server's CPU time per
 * request then varies by a quarter from run to run. Postgres is not pinned.
 */
export const PINNING = availableParallelism() >= 2 && hasTaskset() ? { server: 0, load: 1 } : null

function hasTaskset (): boolean {
  try { execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }); return true } catch { return false }
}

/** Pins every thread of `pid` to one CPU (see PINNING); does nothing without it. */
export function pin (pid: number, role: 'server' | 'load'): void {
  if (!PINNING) return
  try { execFileSync('taskset', ['-a', '-p', '-c', String(PINNING[role]), String(pid)], { stdio: 'ignore' }) } catch {}
}

/** CPU time (user + system) in ms used so far by these processes, from /proc/<pid>/stat; gone ones count 0. */
export function cpuMs (pids: number[]): number {
  let ticks = 0
  for (const pid of pids) {
    try {
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {}
  }
  return ticks * 10 // USER_HZ is 100 on Linux
}

/** Starts `node --import tsx <entry>` with exactly `env` (plus PATH/HOME) and waits until `probe` answers 200. */
export async function startProcess (entry: string, env: Record<string, string>, probe: string): Promise<Running> {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    // Logs go to /dev/null for both servers alike: pino still formats and writes every line.
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 120_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}: ${stderr.trim()}`)
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`${entry} did not answer ${probe} within 120 s: ${stderr.trim()}`) }
    const ok = await fetch(url + probe).then((r) => r.status === 200, () => false)
    if (ok) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const pid = child.pid!
  pin(pid, 'server')
  return {
    pid,
    url,
    rssMb: () => rssMb(pid),
    death: () => child.exitCode !== null || child.signalCode !== null ? `${entry} exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}` : null,
    async stop () {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}

export const SERVICE_ENTRY = 'src/main.ts'
export const BARE_ENTRY = 'bench/bare-server.ts'
