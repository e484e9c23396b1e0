import { ConfigError, loadConfig } from './config.ts'
import { serve } from './server.ts'

try {
  await serve(loadConfig())
} catch (err) {
  // One clear line, never a stack trace, for what the operator must fix.
  process.stderr.write(`cpx: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`)
  process.exit(1)
}
