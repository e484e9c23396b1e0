import { buildApp, type App } from './app.ts'
import { envReference, type Config } from './config.ts'
import { startCollector } from './scheduler/collector.ts'
import { startScheduler } from './scheduler/fixings-scheduler.ts'
import { loadDemoOnFirstStart } from './demo/load.ts'

/** How long shutdown may take before the process gives up on in-flight work and exits. */
export const SHUTDOWN_GRACE_MS = 10_000

/**
 * Builds, listens, and closes gracefully on SIGTERM/SIGINT: stop accepting, let in-flight requests
 * finish (new ones get 503 while closing), close the pool, exit 0. A second signal or the grace
 * period running out exits 1.
 */
export async function serve (config: Config): Promise<App> {
  const app = await buildApp(config)
  // an empty embedded database gets the demo dataset and its fixings before the first request
  await loadDemoOnFirstStart(app, config)
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) { app.log.warn({ signal }, 'second signal: exiting now'); process.exit(1) }
    closing = true
    app.log.info({ signal }, 'shutting down')
    const timer = setTimeout(() => { app.log.error('shutdown grace period over: exiting'); process.exit(1) }, SHUTDOWN_GRACE_MS)
    timer.unref()
    app.close().then(() => { app.log.info('closed'); process.exit(0) }, (err) => { app.log.error({ err }, 'close failed'); process.exit(1) })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  // The daily fixing run lives with the server, not in buildApp, so tests decide when it runs.
  let scheduler: ReturnType<typeof startScheduler> | undefined
  let collector: ReturnType<typeof startCollector> | undefined
  app.addHook('onClose', async () => { await Promise.all([scheduler?.stop(), collector?.stop()]) })
  await app.listen({ port: config.PORT, host: config.HOST })
  if (config.SCHEDULER) scheduler = startScheduler({ database: app.database, fixingTime: config.FIXING_TIME, log: app.log.child({ component: 'scheduler' }) })
  // Collectors fetch the public feeds (the sources table; the embedded demo disables them on first start).
  if (config.COLLECTOR) collector = startCollector({ database: app.database, env: envReference, log: app.log.child({ component: 'collector' }) })
  return app
}
