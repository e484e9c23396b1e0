import type { TestContext } from 'node:test'
import { buildApp, type App } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import type { Database } from '../../src/db/connect.ts'
import { testDatabase } from './db.ts'

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef'
export const admin = { authorization: `Bearer ${ADMIN_KEY}` }

export function testConfig (env: Record<string, string> = {}, overrides: Partial<Config> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ADMIN_API_KEY: ADMIN_KEY, DEMO_DATA: 'false', SCHEDULER: 'false', ...env }, { memory: true, ...overrides })
}

/** An app on a fresh migrated database (or on `database` when given), closed after the test. */
export async function buildTestApp (t: Pick<TestContext, 'after'>, opts: { env?: Record<string, string>, database?: Database } = {}): Promise<App & { database: Database }> {
  const database = opts.database ?? await testDatabase(t)
  const app = await buildApp(testConfig(opts.env), { database })
  t.after(() => app.close())
  await app.ready()
  return app as App & { database: Database }
}
