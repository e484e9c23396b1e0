import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

// Checks a real answer against the OpenAPI document: the operation exists, the status is documented,
// the media type is one the response lists, the body validates against its schema (ajv, JSON Schema
// 2020-12 with formats, as OpenAPI 3.1 defines it), and every header sent is documented for that response
// and valid, save the transport and security headers every answer carries (listed below).

type Json = any
export interface Answer { statusCode: number, headers: Record<string, unknown>, body: string }

/** Sent on every answer and not part of any operation's contract: transport, CORS, security (limits.ts). */
const GENERIC = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'vary',
  'content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options', 'referrer-policy',
  'cross-origin-resource-policy', 'access-control-allow-origin', 'access-control-expose-headers'])

export function contractValidator (doc: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
  addFormats.default(ajv)
  ajv.addSchema(doc, 'openapi.json')
  const compiled = new Map<string, (v: unknown) => boolean>()
  const validator = (pointer: string) => {
    let v = compiled.get(pointer)
    if (!v) compiled.set(pointer, v = ajv.compile({ $ref: 'openapi.json#' + pointer }))
    return v as ((v: unknown) => boolean) & { errors?: unknown[] }
  }
  const headerValidators = new Map<string, (v: unknown) => boolean>()
  const headerValidator = (schema: Json) => {
    const k = JSON.stringify(schema)
    let v = headerValidators.get(k)
    if (!v) headerValidators.set(k, v = ajv.compile(schema))
    return v
  }
  const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')
  const resolve = (node: Json): Json => node?.$ref ? resolve(node.$ref.slice(2).split('/').reduce((n: Json, k: string) => n[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc)) : node

  /** The documented path template matching a concrete path, if any. */
  function templateOf (method: string, path: string): string | undefined {
    const segments = path.split('?')[0]!.split('/')
    return Object.keys(doc.paths).find((t) => {
      if (!doc.paths[t][method.toLowerCase()]) return false
      const ts = t.split('/')
      return ts.length === segments.length && ts.every((s, i) => s.startsWith('{') || s === segments[i])
    })
  }

  /** Everything about the answer the document does not describe; empty when it conforms. */
  function check (method: string, path: string, res: Answer): string[] {
    const template = templateOf(method, path)
    if (!template) return [`${method} ${path}: no documented operation`]
    const m = method.toLowerCase()
    const op = doc.paths[template][m]
    const where = `${op.operationId} ${res.statusCode}`
    const code = String(res.statusCode)
    const declared = op.responses[code] ?? op.responses[code[0] + 'XX'] ?? op.responses.default
    if (!declared) return [`${where}: status not documented (documented: ${Object.keys(op.responses).join(', ')})`]
    const response = resolve(declared)
    const problems: string[] = []
    const base = `/paths/${esc(template)}/${m}/responses/${code}`
    const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim()
    if (!response.content) {
      if (res.body.length) problems.push(`${where}: a body where none is documented`)
    } else if (!response.content[type]) {
      problems.push(`${where}: media type ${type || '(none)'} not documented (documented: ${Object.keys(response.content).join(', ')})`)
    } else if (response.content[type].schema) {
      let value: unknown = res.body
      if (/json$/.test(type)) {
        try { value = JSON.parse(res.body) } catch { problems.push(`${where}: body is not JSON`) }
      }
      const v = validator(`${base}/content/${esc(type)}/schema`)
      if (!v(value)) problems.push(`${where}: body does not match the schema: ${JSON.stringify(v.errors).slice(0, 600)}`)
    }
    const documented = Object.fromEntries(Object.entries(response.headers ?? {}).map(([k, h]) => [k.toLowerCase(), k]))
    for (const [name, raw] of Object.entries(res.headers)) {
      const key = documented[name.toLowerCase()]
      if (!key) {
        if (!GENERIC.has(name.toLowerCase())) problems.push(`${where}: header ${name} not documented`)
        continue
      }
      const schema = resolve(response.headers[key]).schema
      const value = schema?.type === 'integer' ? Number(raw) : String(raw)
      if (!headerValidator(schema ?? {})(value)) problems.push(`${where}: header ${name}: ${String(raw)} does not match ${JSON.stringify(schema)}`)
    }
    return problems
  }

  return { check, templateOf }
}
