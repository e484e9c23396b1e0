import { z } from 'zod'

const Bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

const Env = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  /** a read replica of DATABASE_URL for the read routes (docs/operations.md, "Read replicas"); needs DATABASE_URL */
  DATABASE_READ_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  READ_API_KEY_REQUIRED: Bool.default(false),
  /** the public base URL (https://cpx.example.com) named in the OpenAPI document's `servers`; unset: `/`, the host that served it */
  PUBLIC_URL: z.string().regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http(s) URL such as https://cpx.example.com').transform((u) => u.replace(/\/$/, '')).optional(),
  FIXING_TIME: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (UTC), for example 00:15').default('00:15'),
  DATA_DIR: z.string().min(1).default('./data'),
  DEMO_DATA: Bool.default(true),
  SCHEDULER: Bool.default(true),
  /** the source collector (docs/importers.md): runs the enabled sources on their schedules */
  COLLECTOR: Bool.default(true),
  CORS_ORIGINS: z.string().default('*'),
  /** who may frame the /embed/{code} widget (CSP frame-ancestors): `self` (default), `none`, `*`, or origins
   * separated by commas or spaces (https://dash.example.com, https://*.example.com, self). Other pages are never framed. */
  EMBED_ORIGINS: z.string().trim().min(1).refine((v) => v === '*' || v === 'none' || v.split(/[\s,]+/).filter(Boolean).every((o) => /^('?self'?|https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?)$/.test(o)),
    'must be self, none, * or a list of origins such as https://dash.example.com').default('self'),
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_WINDOW: z.string().default('1 minute'),
  /** Redis shared by every instance for the rate limits (docs/security.md, "Shared limits"); unset: per-process limits */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  /** load shedding (503): mean event-loop delay in ms above which requests are refused; 0 = off.
   * Default 1000 with DATABASE_URL; off on the embedded database, whose queries block the loop by design. */
  SHED_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).optional(),
  /** load shedding (503): V8 heap use in MiB above which requests are refused; 0 (default) turns the check off */
  SHED_HEAP_USED_MB: z.coerce.number().int().min(0).default(0),
  /** behind a load balancer: `true`, a hop count, or comma-separated proxy IPs/CIDRs whose X-Forwarded-For is believed
   * (rate limits per IP need the client's address, not the balancer's). Unset: the socket's address. */
  TRUST_PROXY: z.string().regex(/^(true|\d{1,2}|[0-9a-fA-F.:/, ]+)$/, 'must be true, a hop count, or proxy addresses').optional(),
})

export type Config = Readonly<z.infer<typeof Env> & {
  /** in-memory embedded database (tests); never read from the environment */
  memory?: boolean
}>

export class ConfigError extends Error {}

/** Parses the environment once. Empty strings count as unset so `FOO= npm start` keeps defaults. */
export function loadConfig (env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in Env.shape && v !== ''))
  const r = Env.safeParse(cleaned)
  if (!r.success) {
    const issue = r.error.issues[0]!
    throw new ConfigError(`Bad environment: ${String(issue.path[0])} ${issue.message}`)
  }
  return Object.freeze({ ...r.data, ...overrides })
}

/**
 * A source header's value, read from the environment variable a source names (sources.header_env) at
 * each run: the value is never stored or logged.
 */
export const envReference = (name: string): string | undefined => process.env[name] || undefined
