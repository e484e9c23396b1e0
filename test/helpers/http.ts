import { createServer, type RequestListener } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net'
import type { TestContext } from 'node:test'
import type { App } from '../../src/app.ts'

// Servers a test listens on: always 127.0.0.1 (nothing outside the machine reaches them) at a port the
// OS picks (two test files never collide).

/** `server` listening on 127.0.0.1 at a free port: the port. */
export async function listenLocal (server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  return (server.address() as AddressInfo).port
}

/** A port that was free a moment ago, for a child process told where to listen (CPX, redis-server). */
export async function freePort (): Promise<number> {
  const s = createNetServer()
  const port = await listenLocal(s)
  await new Promise((resolve) => s.close(resolve))
  return port
}

/** The app listening on 127.0.0.1 at a free port: its base URL. Closing the app (buildTestApp's t.after) stops it. */
export const listenApp = (app: Pick<App, 'listen'>): Promise<string> => app.listen({ port: 0, host: '127.0.0.1' })

/**
 * A local HTTP fixture (a feed, a page) answering with `handler`: its base URL, `http://127.0.0.1:<port>`.
 * Closed after the test, open connections first: a keep-alive socket or a request left hanging on purpose
 * would otherwise hold close() open.
 */
export async function serveFixture (t: Pick<TestContext, 'after'>, handler: RequestListener): Promise<string> {
  const server = createServer(handler)
  const port = await listenLocal(server)
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return `http://127.0.0.1:${port}`
}
