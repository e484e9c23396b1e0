import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'
import type { Database } from './db/connect.ts'

/** The OpenAPI document as the routes describe it, serialized stably (2-space JSON, trailing newline). */
export async function renderOpenApi (database?: Database): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: 'silent', DEMO_DATA: 'false', SCHEDULER: 'false' }, { memory: true, DATABASE_URL: undefined })
  const app = await buildApp(config, { database })
  try {
    await app.ready()
    return JSON.stringify(app.swagger(), null, 2) + '\n'
  } finally {
    await app.close()
  }
}
