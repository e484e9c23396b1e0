import { z } from 'zod'
import { instantBoundsReason, parseDate, parseTimestamp, utcText, type Parsed } from './calendar.ts'

// Cross-cutting contract pieces. Resource schemas live beside their domain (quotes.ts, fixings.ts…).

// Dates and times as the service sends them (already checked when stored): typed for generators by their format.
/** A UTC day, YYYY-MM-DD. */
export const DayText = z.string().meta({ format: 'date' })
/** An RFC 3339 timestamp in UTC with milliseconds, 2026-11-03T00:15:02.318Z. */
export const TimestampText = z.string().meta({ format: 'date-time' })

export const FieldErrorSchema = z.object({
  path: z.string().meta({ example: 'quotes/3/price' }),
  reason: z.string().meta({ example: 'must be a decimal greater than 0' }),
  index: z.number().int().optional().meta({ description: 'row index in a batch' }),
}).meta({ id: 'FieldError' })

export const Problem = z.object({
  type: z.string().meta({ example: 'https://cpx.dev/problems/validation-error' }),
  title: z.string().meta({ example: 'Invalid request' }),
  status: z.number().int().meta({ example: 400 }),
  detail: z.string().meta({ example: 'querystring/from: must be a date YYYY-MM-DD' }),
  instance: z.string().optional(),
  request_id: z.string().meta({ example: 'req-1a' }),
  errors: z.array(FieldErrorSchema).optional(),
  committed: z.object({
    from: DayText,
    indices: z.array(z.object({
      code: z.string(),
      through: DayText.nullable().meta({ description: 'the last day committed (from..through stay published); null: none' }),
      days: z.number().int(),
      published: z.number().int(),
      revised: z.number().int(),
      unchanged: z.number().int(),
      insufficient: z.number().int(),
    })),
  }).optional().meta({ description: 'POST /v1/indices/compute cut off part-way: per index, the days already committed, which stay published; a retry of the whole range is safe' }),
}).meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' })

export const PROBLEM_WHEN: Record<number, string> = {
  400: 'the request is malformed: a parameter or a field is invalid (each named in errors)',
  401: 'no API key, or an unknown or revoked one',
  403: 'the API key\'s scope does not allow this operation',
  404: 'the resource does not exist',
  409: 'the request conflicts with the current state',
  413: 'the body is over the route\'s limit',
  414: 'a path parameter is over 200 characters',
  415: 'the body\'s media type is not accepted',
  422: 'the body is well-formed but rows or fields are invalid (every one named in errors); nothing was stored',
  429: 'rate limit exceeded (Retry-After, RateLimit headers)',
  500: 'an unexpected failure; a compute cut off part-way names in committed the days it had published',
  503: 'overloaded or the database is unreachable (Retry-After); a compute cut off part-way names in committed the days it had published',
}

/**
 * Responses every route may give; spread into a route's `response`. Documented as what they are sent
 * as, application/problem+json (RFC 9457).
 */
export const problemResponses = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, {
    description: PROBLEM_WHEN[c] ?? 'a problem (RFC 9457)',
    content: { 'application/problem+json': { schema: Problem } },
  }]))

// The patterns document the shape (OpenAPI); the calendar rule itself is calendar.ts.
const calendarCheck = (parse: (s: string) => Parsed) => (s: string, ctx: z.RefinementCtx) => {
  const r = parse(s)
  // A text of the wrong form has its reason from the pattern already.
  if (!r.ok && !r.shape) ctx.addIssue({ code: 'custom', message: r.reason })
}

/** A real calendar date (calendar.ts). */
export const IsoDate = z.string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .superRefine(calendarCheck(parseDate))
  .meta({ format: 'date', example: '2026-11-02' })

/** RFC 3339 with an explicit offset (Z or ±hh:mm), checked against the calendar (calendar.ts). */
export const Rfc3339 = z.string()
  .regex(/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/, 'must be an RFC 3339 timestamp with an offset, for example 2026-11-02T12:00:00Z')
  .superRefine(calendarCheck(parseTimestamp))
  .meta({ format: 'date-time', example: '2026-11-02T12:00:00Z' })

/** A timestamp parameter handed to Postgres: checked as Rfc3339, then rewritten as UTC text (utcText). */
export const UtcInstant = Rfc3339.overwrite(utcText)

/** A timestamp that must also be plausible: from EARLIEST_DATE to a few minutes ahead (calendar.ts); as_of. */
export const PlausibleInstant = Rfc3339.superRefine((s, ctx) => {
  const p = parseTimestamp(s)
  const outside = p.ok ? instantBoundsReason(p.ms) : undefined
  if (outside) ctx.addIssue({ code: 'custom', message: outside })
}).overwrite(utcText)

export const ListOf = <T extends z.ZodType>(item: T, id: string) => z.object({
  data: z.array(item),
  next_cursor: z.string().nullable().meta({ description: 'pass as `cursor` to get the next page; null on the last page' }),
}).meta({ id })
