import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { connect, type Database } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'

declare module 'fastify' {
  interface FastifyInstance { database: Database, db: Database['db'] }
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
  if (own) app.addHook('onClose', () => d.close())
}, { name: 'db' })
