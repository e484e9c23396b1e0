// The bare baseline for reads: plain Fastify, the service's own logger settings (logOptions), one
// route returning a constant JSON body shaped like a fixing, and /body/:name sending bytes the benchmark
// stored with PUT: each CPX route is compared with a bare route sending the same bytes and content type.
// Whatever CPX costs beyond this is ours.
import Fastify from 'fastify'
import { logOptions } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { fixingExample } from '../src/domain/fixing-reads.ts'

const config = loadConfig()
const body = fixingExample

const app = Fastify({ logger: logOptions(config) })
app.get('/bare', async () => body)
// Kept as the bytes to send (a Buffer), as CPX's read cache keeps its answers: neither side encodes text per request.
const bodies = new Map<string, { type: string, body: Buffer }>()
app.put<{ Params: { name: string }, Body: { type: string, body: string } }>('/body/:name', { bodyLimit: 64 * 1024 * 1024 }, async (req) => {
  bodies.set(req.params.name, { type: req.body.type, body: Buffer.from(req.body.body) })
  return { stored: req.body.body.length }
})
app.get<{ Params: { name: string } }>('/body/:name', (req, reply) => {
  const b = bodies.get(req.params.name)
  if (!b) return reply.code(404).send({ error: 'no such body' })
  return reply.type(b.type).send(b.body)
})
app.get('/healthz', async () => ({ status: 'ok' }))
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
await app.listen({ port: config.PORT, host: config.HOST })
