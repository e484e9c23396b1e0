import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger'
import { existsSync, readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import type { Config } from '../config.ts'
import { PROBLEM_WHEN } from '../domain/contracts.ts'
import { routeAccess } from '../plugins/auth.ts'

// What the route schemas cannot say on their own, added to the OpenAPI document in one place so that it
// follows the plugins that cause it (docs/api.md, "The contract"): who needs a key (auth.ts), the answers
// every route can give (limits.ts: 429, 503; auth.ts: 401, 403; http-cache.ts: 304) and the headers sent.

type Json = any
const METHODS = ['get', 'put', 'post', 'patch', 'delete']
const SCHEMES = ['bearer', 'api_key'] as const
const problem = (status: number) => ({
  description: PROBLEM_WHEN[status] ?? 'a problem (RFC 9457)',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
})
const header = (name: string) => ({ $ref: `#/components/headers/${name}` })

export const RESPONSE_HEADERS: Record<string, { description: string, schema: Json }> = {
  'X-Request-Id': { description: 'the request id, also in every log line of the request (the client\'s own X-Request-Id when it is 1–64 of [A-Za-z0-9_.-])', schema: { type: 'string' } },
  RateLimit: { description: 'draft-ietf-httpapi-ratelimit-headers: requests left in the window and seconds until it resets, e.g. `"default";r=599;t=60`', schema: { type: 'string' } },
  'RateLimit-Policy': { description: 'the quota: requests per window and the window in seconds, e.g. `"default";q=600;w=60`', schema: { type: 'string' } },
  'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
  ETag: { description: 'strong validator of the representation (for a fixing, its hash); send it back in If-None-Match', schema: { type: 'string' } },
  'Cache-Control': { description: '`public, max-age=60, must-revalidate` (`private` when read keys are required)', schema: { type: 'string' } },
  Link: { description: 'RFC 8288 link to the next page, `<…?cursor=…>; rel="next"` (absent on the last page)', schema: { type: 'string' } },
  'Content-Disposition': { description: 'CSV is sent `inline` with a filename for a saved download', schema: { type: 'string' } },
  Location: { description: 'where the answer is: for format=csv (or Accept: text/csv) on a JSON operation, its CSV operation with the same query', schema: { type: 'string' } },
  'Repr-Digest': { description: 'RFC 9530: the SHA-256 of the bytes sent, `sha-256=:<base64>:`, so a client can check a payload as it arrives', schema: { type: 'string' } },
}

/** Per route: the security the auth plugin enforces, as `security` and `x-required-scope`, stated in the description. */
export function routeTransform (config: Pick<Config, 'READ_API_KEY_REQUIRED'>): SwaggerTransform {
  return (args) => {
    const out = jsonSchemaTransform(args as never) as { schema: Json, url: string }
    if (!out.schema || out.schema.hide) return out
    const route = args.route as { method: string | string[], url: string, config?: { access?: string } }
    const need = routeAccess([route.method].flat()[0]!, route.url, route.config?.access)
    const schema = { ...out.schema }
    if (need === 'public') {
      schema.security = []
      schema.description ??= 'No API key; never rate limited or shed, so that an orchestrator\'s probe keeps answering under load.'
    } else {
      // Scopes go in x-required-scope: OpenAPI lists scopes for OAuth2 only, linters and generators expect [] here.
      const keyed = SCHEMES.map((s) => ({ [s]: [] }))
      const optional = need === 'read' && !config.READ_API_KEY_REQUIRED
      schema.security = optional ? [{}, ...keyed] : keyed
      schema['x-required-scope'] = need
      const who = need === 'read'
        ? `API key: ${optional ? 'optional on this deployment; required, of any scope, when the server runs with READ_API_KEY_REQUIRED=true' : 'required (READ_API_KEY_REQUIRED=true), of any scope'}.`
        : `API key: required, with scope \`${need}\`${need === 'ingest' ? ' (an admin key also passes)' : ''}.`
      schema.description = [schema.description, who].filter(Boolean).join('\n\n')
    }
    return { ...out, schema }
  }
}

/** The whole document: generic answers and headers per operation, shared components, one schema per shape. */
export function documentTransform (config: Pick<Config, 'PUBLIC_URL'>): SwaggerTransformObject {
  return (args) => {
    const doc = jsonSchemaTransformObject(args) as Json
    doc.servers = [{ url: config.PUBLIC_URL ?? '/', description: config.PUBLIC_URL ? 'this deployment' : 'the host that served this document' }]
    doc.components.headers = Object.fromEntries(Object.entries(RESPONSE_HEADERS).map(([k, v]) => [k, { ...v, required: false }]))
    doc.components.parameters = {
      IfNoneMatch: { in: 'header', name: 'If-None-Match', required: false, description: 'an ETag from an earlier answer: 304 Not Modified while it is current', schema: { type: 'string' } },
    }
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const method of METHODS) if (item[method]) finishOperation(path, method, item[method])
    }
    addExamples(doc)
    mergeInputTwins(doc)
    dropSafeIntegerBounds(doc)
    typeListsAsAnyOf(doc)
    plainSlashes(doc)
    return doc
  }
}

function finishOperation (path: string, method: string, op: Json): void {
  const need: string | undefined = op['x-required-scope']
  const responses: Record<string, Json> = op.responses
  if (!need) { // a probe: no limits, no key
    for (const r of Object.values(responses)) r.headers = { 'X-Request-Id': header('X-Request-Id'), ...r.headers }
    return
  }
  const cached = method === 'get' && !op.tags?.includes('operations')
  const hasPathParams = path.includes('{')
  const codes = new Set([400, 401, 429, 503])
  if (need !== 'read') codes.add(403) // every scope includes read: a read is never forbidden
  if (hasPathParams) codes.add(414)
  // a path parameter can name nothing, and a path of dot segments resolves to another path: 404 (any method)
  if (hasPathParams) codes.add(404)
  // Fastify reads a body on every write, declared or not: a too-large or unknown-media body is refused first.
  if (method !== 'get' && method !== 'head') { codes.add(413); codes.add(415) }
  for (const c of Object.keys(responses)) if (/^[45]/.test(c) && !(c === '403' && need === 'read')) codes.add(Number(c))
  for (const c of Object.keys(responses)) if (/^[45]/.test(c)) delete responses[c]
  for (const c of codes) responses[c] = problem(c)
  // A JSON operation whose CSV is an operation of its own answers an old CSV link with 301 to it (indices-read.ts).
  if (op.parameters?.some((p: Json) => p.in === 'query' && p.name === 'format' && /answers 301/.test(p.description ?? ''))) {
    responses['301'] = { description: 'Moved Permanently: format=csv or Accept: text/csv asks for the CSV, which is its own operation (Location)', headers: { Location: header('Location') } }
  }
  if (cached) {
    responses['304'] = { description: 'Not Modified: the ETag in If-None-Match is current' }
    op.parameters = [...(op.parameters ?? []), { $ref: '#/components/parameters/IfNoneMatch' }]
  }
  for (const [code, r] of Object.entries(responses)) {
    const h: Record<string, Json> = { 'X-Request-Id': header('X-Request-Id'), RateLimit: header('RateLimit'), 'RateLimit-Policy': header('RateLimit-Policy') }
    if (code === '429' || code === '503') h['Retry-After'] = header('Retry-After')
    if (cached && (code === '200' || code === '304')) { h.ETag = header('ETag'); h['Cache-Control'] = header('Cache-Control') }
    if (code === '200' && op.operationId === 'listFixings') h.Link = header('Link')
    if ((code === '200' || code === '304') && responses['200']?.content?.['text/csv']) h['Content-Disposition'] = header('Content-Disposition') // a 304 keeps the 200's headers
    if (code === '200' && responses['200']?.content?.['application/octet-stream']) h['Repr-Digest'] = header('Repr-Digest')
    r.headers = { ...h, ...r.headers }
  }
  op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)))
}

/** Real answers recorded by test/openapi-contract.test.ts (UPDATE_OPENAPI_EXAMPLES=1): operationId → status → media type → body. */
export const EXAMPLES_FILE = new URL('../../openapi/examples.json', import.meta.url)

function addExamples (doc: Json): void {
  if (!existsSync(EXAMPLES_FILE)) return
  const examples: Record<string, Record<string, Record<string, unknown>>> = JSON.parse(readFileSync(EXAMPLES_FILE, 'utf8'))
  for (const item of Object.values(doc.paths as Record<string, Record<string, Json>>)) {
    for (const op of Object.values(item)) {
      for (const [status, byType] of Object.entries(examples[op.operationId] ?? {})) {
        for (const [type, body] of Object.entries(byType)) {
          const media = op.responses[status]?.content?.[type]
          if (!media) continue
          // The problem responses share one object per status across operations: each gets its own copy.
          op.responses[status] = { ...op.responses[status], content: { ...op.responses[status].content, [type]: { ...media, example: body } } }
        }
      }
    }
  }
}

/**
 * The zod provider emits `FooInput` beside `Foo` for every registered schema. A schema nothing refers
 * to is dropped; one that differs only in allowing unknown properties (zod strips them from a body) is
 * merged into `Foo`: one schema where input and output are the same shape. A `FooInput` without a `Foo`
 * (a request body nothing answers with) is renamed `Foo`, so generated clients name it as the code does.
 */
function mergeInputTwins (doc: Json): void {
  const schemas: Record<string, Json> = doc.components.schemas
  for (let changed = true; changed;) {
    changed = false
    for (const name of Object.keys(schemas)) {
      const ref = `"#/components/schemas/${name}"`
      const elsewhere = JSON.stringify({ ...doc, components: { ...doc.components, schemas: { ...schemas, [name]: {} } } })
      if (!elsewhere.includes(ref)) { delete schemas[name]; changed = true; continue }
      if (!name.endsWith('Input')) continue
      const twin = name.slice(0, -5)
      if (schemas[twin]) {
        if (!isDeepStrictEqual(lenient(schemas[name]), lenient(schemas[twin]))) continue
        delete schemas[name]
      } else {
        // an input nothing answers with (a request body only): its own name, without the suffix, in its place
        const entries = Object.entries(schemas)
        for (const key of Object.keys(schemas)) delete schemas[key]
        for (const [key, value] of entries) schemas[key === name ? twin : key] = value
      }
      replaceRefs(doc, `#/components/schemas/${name}`, `#/components/schemas/${twin}`)
      changed = true
    }
  }
}

/** A schema without its `additionalProperties: false` (anywhere), to compare an input with its output. */
function lenient (node: Json): Json {
  if (Array.isArray(node)) return node.map(lenient)
  if (!node || typeof node !== 'object') return node
  return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'additionalProperties' && v === false)).map(([k, v]) => [k, lenient(v)]))
}

// Keys whose values are data (examples, defaults, enumerations), not schemas: a walk over schemas skips them.
const VALUES = new Set(['example', 'examples', 'default', 'const', 'enum'])

/** Calls `visit` on every object of the document, its children first; data (`VALUES`) is not entered. */
function eachNode (node: Json, visit: (n: Json) => void): void {
  if (Array.isArray(node)) { for (const n of node) eachNode(n, visit); return }
  if (!node || typeof node !== 'object') return
  for (const [k, v] of Object.entries(node)) if (!VALUES.has(k)) eachNode(v, visit)
  visit(node)
}

function replaceRefs (doc: Json, from: string, to: string): void {
  eachNode(doc, (node) => { if (node.$ref === from) node.$ref = to })
}

/** zod's `.int()` says ±(2^53 − 1): not a range of the API, and generators turn it into noise. */
function dropSafeIntegerBounds (doc: Json): void {
  eachNode(doc, (node) => {
    if (node.minimum === -Number.MAX_SAFE_INTEGER) delete node.minimum
    if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum
  })
}

// The keywords that apply to one JSON type only: they go with that type's branch.
const TYPE_KEYWORDS: Record<string, string[]> = {
  string: ['format', 'pattern', 'minLength', 'maxLength', 'contentMediaType', 'contentEncoding'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  array: ['items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'],
  object: ['properties', 'required', 'additionalProperties', 'propertyNames', 'patternProperties', 'minProperties', 'maxProperties'],
}
TYPE_KEYWORDS.integer = TYPE_KEYWORDS.number!

/**
 * zod writes `.nullable()` on a scalar, and a union of scalars, as a list of types (`type: ["number",
 * "null"]`): valid 3.1, but generators written for 3.0 read it as nothing (`@openapi-codegen/typescript`
 * types `value` as `void`; openapi2typescript stops with "Unknown type found: string,number"). The same
 * schema as `anyOf`, one type a branch, as zod already writes a nullable `$ref`; annotations stay outside.
 */
function typeListsAsAnyOf (doc: Json): void {
  eachNode(doc, typeListAsAnyOf)
}

function typeListAsAnyOf (node: Json): void {
  if (!Array.isArray(node.type) || node.anyOf || node.oneOf) return
  const types: string[] = node.type
  delete node.type
  const branches = types.map((t) => {
    const branch: Json = { type: t }
    for (const k of TYPE_KEYWORDS[t] ?? []) if (k in node) branch[k] = node[k]
    if (node.enum) branch.enum = node.enum.filter((v: unknown) => jsonType(v) === t || (t === 'number' && jsonType(v) === 'integer'))
    return branch
  })
  for (const t of types) for (const k of TYPE_KEYWORDS[t] ?? []) delete node[k]
  delete node.enum
  node.anyOf = branches.filter((b) => b.enum?.length !== 0)
}

const jsonType = (v: unknown) => v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v

/**
 * A RegExp's `source` escapes `/` as `\/`, which a pattern does not need (ECMA-262 outside a literal);
 * openapi-zod-client writes it into a regex literal as `\\/`, where the `/` ends the literal: its output does not parse.
 */
function plainSlashes (doc: Json): void {
  eachNode(doc, (node) => { if (typeof node.pattern === 'string') node.pattern = node.pattern.replace(/(?<!\\)((?:\\\\)*)\\\//g, '$1/') })
}
