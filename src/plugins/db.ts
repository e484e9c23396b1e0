import fp from 'fastify-plugin'
import { ConfigError, type Config } from '../config.ts'
import { connect, type Database } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'
import { readRouting } from '../db/read-replica.ts'

declare module 'fastify' {
  interface FastifyInstance {
    database: Database
    db: Database['db']
    /** the read routes' queries: a replica when DATABASE_READ_URL is set and it holds the latest publication, else `db` */
    readDb: Database['db']
  }
}

export interface DbPluginOptions { config: Config, database?: Database }

/** Connects (or adopts a given connection, for tests), migrates, and closes on shutdown. */
export default fp(async (app, { config, database }: DbPluginOptions) => {
  const own = !database
  const d = database ?? await connect(config)
  if (own) {
    const applied = await migrate(d)
    if (applied.length) app.log.info({ applied }, 'migrations applied')
  }
  app.decorate('database', d)
  app.decorate('db', d.db)
  if (config.DATABASE_READ_URL && (d.kind !== 'server' || !d.pool)) throw new ConfigError('Bad environment: DATABASE_READ_URL needs DATABASE_URL (a server database)')
  const reads = config.DATABASE_READ_URL ? await readRouting(d as Database & { pool: NonNullable<Database['pool']> }, config.DATABASE_READ_URL) : undefined
  app.decorate('readDb', reads?.db ?? d.db)
  if (reads && app.metrics) app.metrics.readQueries = reads.counts
  app.addHook('onClose', async () => {
    await reads?.close()
    if (own) await d.close()
  })
}, { name: 'db' })
