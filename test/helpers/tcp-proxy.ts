import { createServer, connect as tcpConnect, type Socket } from 'node:net'
import { listenLocal } from './http.ts'

/**
 * A TCP proxy between the app's pool and Postgres that a test can break:
 * - `cut()`: reset every open connection and refuse new ones at once (a crashed or restarting server);
 * - `blackhole()`: keep connections open but drop every byte (a partition: nothing answers);
 * - `restore()`: forward again. `faults` counts the cuts and blackholes injected.
 */
export interface TcpProxy {
  port: number
  /** `url` with its host and port replaced by the proxy's */
  via: (url: string) => string
  cut: () => void
  blackhole: () => void
  restore: () => void
  faults: number
  open: () => number
  close: () => Promise<void>
}

export async function startTcpProxy (target: { host: string, port: number }): Promise<TcpProxy> {
  let mode: 'up' | 'cut' | 'blackhole' = 'up'
  const pairs = new Set<[Socket, Socket]>()
  const kill = (s: Socket) => { if (!s.destroyed) (s.resetAndDestroy?.() ?? s.destroy()) }

  const server = createServer((client) => {
    client.on('error', () => {})
    if (mode === 'cut') { kill(client); return }
    const upstream = tcpConnect(target.port, target.host)
    upstream.on('error', () => kill(client))
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    const drop = () => { pairs.delete(pair); kill(client); kill(upstream) }
    client.on('close', drop)
    upstream.on('close', drop)
    client.on('data', (d) => { if (mode === 'up') upstream.write(d) })
    upstream.on('data', (d) => { if (mode === 'up') client.write(d) })
  })
  const port = await listenLocal(server)

  const proxy: TcpProxy = {
    port,
    via (url) {
      const u = new URL(url)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.toString()
    },
    cut () {
      mode = 'cut'
      proxy.faults++
      for (const [a, b] of pairs) { kill(a); kill(b) }
      pairs.clear()
    },
    blackhole () { mode = 'blackhole'; proxy.faults++ },
    restore () {
      // bytes dropped while blackholed broke those protocol streams: end them, as the partition would have
      if (mode === 'blackhole') { for (const [a, b] of pairs) { kill(a); kill(b) } pairs.clear() }
      mode = 'up'
    },
    faults: 0,
    open: () => pairs.size,
    async close () {
      for (const [a, b] of pairs) { kill(a); kill(b) }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return proxy
}
