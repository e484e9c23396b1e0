import createError from '@fastify/error'

/** One entry of a problem's `errors` list: where (a JSON-pointer-like path) and why. */
export interface FieldError { path: string, reason: string, index?: number }

/**
 * The one table of CPX errors (STYLE §7). The code names the problem type: CPX_INDEX_NOT_FOUND is
 * served as type https://cpx.dev/problems/index-not-found. Handlers throw these; the error plugin
 * turns every error into RFC 9457 problem+json.
 */
export const NotFound = createError('CPX_NOT_FOUND', '%s', 404)
export const IndexNotFound = createError('CPX_INDEX_NOT_FOUND', 'No index %s', 404)
export const FixingNotFound = createError('CPX_FIXING_NOT_FOUND', '%s', 404)
export const BadRequest = createError('CPX_BAD_REQUEST', '%s', 400)
export const InvalidCursor = createError('CPX_INVALID_CURSOR', 'The cursor is not one this API issued: %s', 400)
export const Unauthorized = createError('CPX_UNAUTHORIZED', '%s', 401)
export const Forbidden = createError('CPX_FORBIDDEN', '%s', 403)
export const Conflict = createError('CPX_CONFLICT', '%s', 409)
export const PayloadTooLarge = createError('CPX_PAYLOAD_TOO_LARGE', '%s', 413)
export const UnsupportedMediaType = createError('CPX_UNSUPPORTED_MEDIA_TYPE', '%s', 415)
export const Unprocessable = createError('CPX_UNPROCESSABLE', '%s', 422)
export const DatabaseUnavailable = createError('CPX_DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly', 503)

/** Attaches field errors to an error so that the problem body lists them. */
export function withErrors<E extends Error> (err: E, errors: FieldError[]): E & { errors: FieldError[] } {
  return Object.assign(err, { errors })
}
