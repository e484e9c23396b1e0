import swagger from '@fastify/swagger'
import createError from '@fastify/error'
import Fastify, { type FastifyServerOptions } from 'fastify'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { randomBytes } from 'node:crypto'
import type { Config } from './config.ts'
import type { Database } from './db/connect.ts'
import basketRoutes from './http/baskets.ts'
import catalogRoutes from './http/catalog.ts'
import { docsUi } from './http/docs-ui.ts'
import { documentTransform, routeTransform } from './http/openapi-contract.ts'
import metrics, { metricsRoutes } from './http/metrics.ts'
import indicesAdminRoutes from './http/indices-admin.ts'
import indicesReadRoutes from './http/indices-read.ts'
import opsRoutes from './http/ops.ts'
import quoteRoutes from './http/quotes.ts'
import revisionRoutes from './http/revisions.ts'
import methodologyChangeRoutes from './http/methodology-changes.ts'
import tierRoutes from './http/tiers.ts'
import sourceRoutes from './http/sources.ts'
import mappingRoutes from './http/mappings.ts'
import auth from './plugins/auth.ts'
import db from './plugins/db.ts'
import errors, { sendProblem, toProblem } from './plugins/errors.ts'
import limits, { trustProxy } from './plugins/limits.ts'
import readCache from './plugins/read-cache.ts'
import chartRoutes from './http/chart.ts'
import curveRoutes from './http/curves.ts'
import webRoutes from './web/routes.ts'

export const API_VERSION = '1.0.0'

/** Pino options shared by the app and the bare benchmark baseline. Secrets never reach a log line. */
export function logOptions (config: Pick<Config, 'LOG_LEVEL'>): FastifyServerOptions['logger'] {
  return {
    level: config.LOG_LEVEL,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.query.api_key', 'headers.authorization'],
      censor: '[redacted]',
    },
    serializers: {
      // The URL may carry ?api_key= for spreadsheet tools: strip it before logging.
      req: (req: { method: string, url: string, id: string }) => ({ method: req.method, url: req.url.replace(/([?&]api_key=)[^&]*/gi, '$1[redacted]'), id: req.id }),
    },
  }
}

/**
 * Request ids: a client's own `x-request-id` when it is safe to log (`[\w.-]{1,64}`), else this
 * process's random prefix (48 bits) and a counter — unique, and short in each of the two log lines.
 */
export function requestIds (): (req: { headers: Record<string, string | string[] | undefined> }) => string {
  const prefix = randomBytes(6).toString('base64url') + '-'
  let n = 0
  return (req) => {
    const given = req.headers['x-request-id']
    return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : prefix + (++n).toString(36)
  }
}

export interface BuildOptions {
  /** an already-migrated connection (tests share one per file) */
  database?: Database
  logger?: FastifyServerOptions['logger']
}

const ShuttingDown = createError('CPX_SHUTTING_DOWN', 'The server is shutting down; retry on another instance or shortly', 503)
const SHUTDOWN_RETRY_AFTER_S = 1

export async function buildApp (config: Config, opts: BuildOptions = {}) {
  const app = Fastify({
    // A given logger (tests capture logs) keeps the redaction: no override may log a key.
    logger: typeof opts.logger === 'object' ? { ...(logOptions(config) as object), ...opts.logger } : opts.logger ?? logOptions(config),
    genReqId: requestIds(),
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    connectionTimeout: 30_000,
    requestTimeout: 60_000,
    // while closing, requests still arriving on open connections get our problem+json 503 (hook below), not Fastify's own body
    return503OnClosing: false,
    trustProxy: trustProxy(config.TRUST_PROXY),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Router refusals (a malformed %-escape, a path parameter over maxParamLength) are problems too.
    frameworkErrors: (err, req, reply) => sendProblem(reply.header('x-request-id', req.id), { ...toProblem(err, req.id), instance: req.url.split('?')[0]!.slice(0, 200) }),
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // While closing, tell keep-alive clients to go away so close does not wait for their idle sockets.
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onSend', (_req, reply, payload, done) => { if (closing) reply.header('connection', 'close'); done(null, payload) })

  await app.register(errors)
  await app.register(metrics) // before limits and routes: counts every answer, refusals included
  await app.register(limits, { config }) // headers, CORS, shedding, rate limits: before auth and routes
  // Right after the limits' hook (it counts the request in flight, sets the headers), before auth and routes:
  // once closing, a request still arriving on an open connection is refused as a problem (503, Retry-After),
  // as Fastify's return503OnClosing did with a JSON body of its own.
  app.addHook('onRequest', (_req, reply, done) => {
    if (!closing) return done()
    reply.header('retry-after', SHUTDOWN_RETRY_AFTER_S)
    done(new ShuttingDown())
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CPX compute price index API',
        version: API_VERSION,
        description: 'Daily reference indices for compute prices: USD per GPU-hour and USD per 1M tokens, reproducible from stored quotes, with revisions and as-of reads.',
        license: { name: 'Proprietary: all rights reserved (docs/api.md)', identifier: 'LicenseRef-CPX-Proprietary' },
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer cpx_…' },
          api_key: { type: 'apiKey', in: 'query', name: 'api_key', description: 'API key in the query, for spreadsheet tools that cannot set headers' },
        },
      },
      tags: [
        { name: 'indices', description: 'Index definitions and fixings' },
        { name: 'curves', description: 'Term curves: a GPU\'s spot and reserved indices by term, from stored fixings' },
        { name: 'baskets', description: 'Baskets of indices: definitions, daily values, monthly budget view' },
        { name: 'quotes', description: 'Raw price quotes' },
        { name: 'catalog', description: 'Providers, products and FX rates' },
        { name: 'sources', description: 'Collected sources, their runs and the payloads they fetched (provenance)' },
        { name: 'mappings', description: 'The rules importers map source names with (admin): providers, GPU and instance names, model rules, exclusions, and their change log' },
        { name: 'operations', description: 'Health and readiness' },
      ],
    },
    transform: routeTransform(config),
    transformObject: documentTransform(config),
  })
  await docsUi(app) // /docs: Swagger UI, branded, on /openapi.json
  await app.register(db, { config, database: opts.database })
  await app.register(auth, { config })
  await app.register(readCache, { config }) // answers of the read routes, dropped on cpx_fixings (docs/performance.md)

  await app.register(opsRoutes)
  await app.register(catalogRoutes, { config })
  await app.register(quoteRoutes, { config })
  await app.register(indicesReadRoutes, { config })
  await app.register(indicesAdminRoutes)
  await app.register(revisionRoutes, { config })
  await app.register(methodologyChangeRoutes, { config })
  await app.register(tierRoutes, { config })
  await app.register(basketRoutes)
  await app.register(sourceRoutes)
  await app.register(mappingRoutes)
  await app.register(chartRoutes, { config })
  await app.register(curveRoutes, { config })
  await app.register(webRoutes, { config }) // HTML pages and the embed widget (docs/embedding.md)
  await app.register(metricsRoutes)
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
