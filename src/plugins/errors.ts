import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import type { FieldError } from '../domain/errors.ts'

export const PROBLEM_BASE = 'https://cpx.dev/problems/'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  request_id: string
  errors?: FieldError[]
  /** a compute cut off part-way: the days it had committed, which stay published (CommittedDays in fixings.ts) */
  committed?: unknown
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

// Fastify's own error codes that get a named problem type rather than a generic one.
const FASTIFY_TYPES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-body',
  FST_ERR_VALIDATION: 'validation-error',
  FST_ERR_BAD_URL: 'invalid-url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri-too-long',
}

// Errors whose code says the database could not be reached: answered 503, never 500.
const DB_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P03', '08006', '08001', '08003', '53300'])

// SQLSTATE character_not_in_repertoire (NUL, bad UTF-8) and untranslatable_character.
const BAD_TEXT = new Set(['22021', '22P05'])

export function isDatabaseUnavailable (err: unknown): boolean {
  const e = err as { code?: string, message?: string, cause?: unknown } | null
  if (!e) return false
  if (e.code && DB_DOWN.has(e.code)) return true
  if (typeof e.message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client was closed|Client has encountered a connection error/i.test(e.message)) return true
  return e.cause ? isDatabaseUnavailable(e.cause) : false
}

function slug (code: string): string {
  return code.replace(/^CPX_/, '').toLowerCase().replace(/_/g, '-')
}

/** Turns any thrown error into a problem. 5xx never carry internals. */
export function toProblem (err: FastifyError & { errors?: FieldError[], committed?: unknown }, reqId: string): Problem {
  const base: { request_id: string, committed?: unknown } = { request_id: reqId }
  if (err.committed) base.committed = err.committed
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'body'
    const errors = err.validation.map((v) => ({ path: `${where}${v.instancePath === '/' ? '' : v.instancePath}`, reason: v.message ?? 'is invalid' }))
    return { type: PROBLEM_BASE + 'validation-error', title: 'Invalid request', status: 400, detail: errors.map((e) => `${e.path}: ${e.reason}`).join('; '), errors, ...base }
  }
  // Text Postgres cannot hold (a NUL byte, invalid UTF-8) reached a query: the client's input, not our fault.
  if (BAD_TEXT.has((err as { code?: string }).code ?? '')) {
    return { type: PROBLEM_BASE + 'invalid-text', title: TITLES[400]!, status: 400, detail: 'The request holds a character that cannot be stored or searched (NUL bytes and invalid UTF-8 are refused)', ...base }
  }
  if (isDatabaseUnavailable(err)) {
    return { type: PROBLEM_BASE + 'database-unavailable', title: TITLES[503]!, status: 503, detail: 'The database is unavailable; retry shortly', ...base }
  }
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
  if (status >= 500 && err.code !== 'CPX_DATABASE_UNAVAILABLE' && status !== 503) {
    return { type: PROBLEM_BASE + 'internal-error', title: TITLES[500]!, status: 500, detail: 'An unexpected error occurred; it has been logged with this request id', ...base }
  }
  const type = err.code?.startsWith('CPX_') ? slug(err.code) : (FASTIFY_TYPES[err.code] ?? (status === 429 ? 'rate-limited' : slug(err.code ?? 'error')))
  const problem: Problem = { type: PROBLEM_BASE + type, title: TITLES[status] ?? 'Error', status, detail: err.message, ...base }
  if (err.errors?.length) problem.errors = err.errors
  return problem
}

export function sendProblem (reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem)
}

export default fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(err, req.id)
    if (problem.status >= 500) req.log.error({ err }, 'request failed')
    else req.log.info({ problem: problem.type, status: problem.status }, 'request refused')
    return sendProblem(reply, { ...problem, instance: req.url.split('?')[0] })
  })
  app.setNotFoundHandler((req, reply) => sendProblem(reply, {
    type: PROBLEM_BASE + 'not-found', title: 'Not Found', status: 404, detail: `No route ${req.method} ${req.url.split('?')[0]}`, request_id: req.id,
  }))
}, { name: 'errors' })
