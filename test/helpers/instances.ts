import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import type { TestContext } from 'node:test'
import { freePort } from './http.ts'

// Real CPX processes (`node --import tsx src/main.ts`) listening on their own ports: what a load balancer
// sees. Stopped (SIGTERM, then SIGKILL) after the test.

export interface Instance { url: string, pid: number, stderr: () => string }

export async function startInstance (t: Pick<TestContext, 'after'>, env: Record<string, string>): Promise<Instance> {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', DEMO_DATA: 'false', SCHEDULER: 'false', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (!(await fetch(url + '/healthz').then((r) => r.ok, () => false))) {
    if (child.exitCode !== null) throw new Error(`instance exited with ${child.exitCode}: ${stderr}`)
    if (Date.now() > deadline) throw new Error(`instance did not answer /healthz within 60 s: ${stderr}`)
    await sleep(100)
  }
  return { url, pid: child.pid!, stderr: () => stderr }
}
