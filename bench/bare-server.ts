// The bare baseline for reads: plain Fastify, the service's own logger settings (logOptions), one
// route returning a constant JSON body shaped like a fixing. Whatever CPX costs beyond this is ours.
import Fastify from 'fastify'
import { logOptions } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { fixingExample } from '../src/domain/fixing-reads.ts'

const config = loadConfig()
const body = fixingExample

const app = Fastify({ logger: logOptions(config) })
app.get('/bare', async () => body)
app.get('/healthz', async () => ({ status: 'ok' }))
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
await app.listen({ port: config.PORT, host: config.HOST })
