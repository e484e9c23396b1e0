import type { ProductSpec } from './mappings.ts'

// The model half of the mapping table. A source's model name is first reduced to a bare name (routing
// prefixes, Bedrock region and vendor prefixes, snapshot dates and version suffixes removed), then
// matched against MODELS in order. The first match decides the CPX product code (`lab/bare`),
// family, tier and open_weights. No match → reported unmapped; EXCLUDED_MODELS → skipped on purpose.

interface ModelRule { match: RegExp, lab: string, family: string, tier: 'frontier' | 'mid' | 'small', open: boolean }

const rule = (match: RegExp, lab: string, family: string, tier: ModelRule['tier'], open = false): ModelRule =>
  ({ match, lab, family, tier, open })

export const MODELS: ModelRule[] = [
  rule(/^gpt-5(\.\d+)?-(mini|nano)$/, 'openai', 'gpt-5', 'small'),
  rule(/^gpt-5(\.\d+)?$/, 'openai', 'gpt-5', 'frontier'),
  // GPT-5.6 sizes (#17): sol is the flagship (priced as gpt-5.6), terra the middle size, luna the small one
  rule(/^gpt-5\.\d+-sol$/, 'openai', 'gpt-5', 'frontier'),
  rule(/^gpt-5\.\d+-terra$/, 'openai', 'gpt-5', 'mid'),
  rule(/^gpt-5\.\d+-luna$/, 'openai', 'gpt-5', 'small'),
  rule(/^gpt-4\.1-(mini|nano)$|^gpt-4o-mini$/, 'openai', 'gpt-4', 'small'),
  rule(/^gpt-4\.1$|^gpt-4o$/, 'openai', 'gpt-4', 'mid'),
  rule(/^gpt-oss-120b$/, 'openai', 'gpt-oss', 'mid', true),
  rule(/^gpt-oss-20b$/, 'openai', 'gpt-oss', 'small', true),
  rule(/^claude-opus-\d+(\.\d+)?$/, 'anthropic', 'claude-opus', 'frontier'),
  rule(/^claude-sonnet-\d+(\.\d+)?$/, 'anthropic', 'claude-sonnet', 'mid'),
  rule(/^claude-haiku-\d+(\.\d+)?$|^claude-3-haiku$/, 'anthropic', 'claude-haiku', 'small'),
  rule(/^gemini-\d+(\.\d+)?-pro$/, 'google', 'gemini-pro', 'frontier'),
  rule(/^gemini-\d+(\.\d+)?-flash(-lite)?$/, 'google', 'gemini-flash', 'small'),
  rule(/^grok-\d+(\.\d+)?$/, 'x-ai', 'grok', 'frontier'),
  rule(/^llama-3\.1-8b-instruct$|^llama-3\.2-[13]b-instruct$/, 'meta-llama', 'llama-3', 'small', true),
  rule(/^llama-3\.[13]-(70b|405b)-instruct$/, 'meta-llama', 'llama-3', 'mid', true),
  rule(/^llama-4-(maverick|scout)$/, 'meta-llama', 'llama-4', 'mid', true),
  rule(/^deepseek-(v3(\.\d+)?|r1|chat-v3(\.\d+)?|v4-pro|v4-flash)$/, 'deepseek', 'deepseek', 'mid', true),
  rule(/^deepseek-(chat|reasoner)$/, 'deepseek', 'deepseek', 'mid', true),
  rule(/^kimi-k\d+(\.\d+)?$/, 'moonshotai', 'kimi', 'mid', true),
  rule(/^glm-\d+(\.\d+)?$/, 'z-ai', 'glm', 'mid', true),
  rule(/^qwen3-(235b-a22b|32b|30b-a3b)$/, 'qwen', 'qwen3', 'mid', true),
  rule(/^mistral-small(-3\.\d)?(-24b-instruct)?$/, 'mistralai', 'mistral-small', 'small', true),
]

/** Names deliberately not indexed: long-context and "fast"/"pro" premium variants, tool-specific builds. */
export const EXCLUDED_MODELS = /-(pro|fast|codex(-mini|-max)?|deep-research|\d+k|realtime|audio|search|chat|customtools|thinking)$/

const VENDOR = /^(?:(?:global|regional|us|eu|apac|au|jp|ca|us-gov)\.)?(?:anthropic|openai|meta|amazon|mistral|deepseek|qwen|cohere|moonshotai?|google|xai|zai)\./
const DATE = /(-|@|_)(20\d\d-?\d\d-?\d\d|\d{4}|\d{6})$|-preview(-\d\d-\d\d)?$|@default$|-v\d+(:\d+)?$|:\d+$|-latest$|-instruct-turbo$|-turbo$/

/** `bedrock/us.anthropic.claude-opus-4-8-20260101-v1:0` → `claude-opus-4.8`. */
export function bareModelName (sourceName: string): string {
  let name = sourceName.toLowerCase().trim()
  name = name.slice(name.lastIndexOf('/') + 1).replace(/:(batch|free|thinking|beta|extended)$/, '')
  name = name.replace(VENDOR, '')
  for (let i = 0; i < 3; i++) name = name.replace(DATE, (m) => (m.endsWith('-instruct-turbo') ? '-instruct' : ''))
  name = name.replace(/^meta-llama-/, 'llama-').replace(/^llama-v(\d+)p(\d+)-/, 'llama-$1.$2-')
  name = name.replace(/^(claude-(?:opus|sonnet|haiku))-(\d+)-(\d)$/, '$1-$2.$3')
  name = name.replace(/^(claude-(?:opus|sonnet|haiku)-\d+)\.0$/, '$1').replace(/^(gpt-5)-(\d)$/, '$1.$2')
  return name
}

export type ModelMapping = { product: ProductSpec } | { excluded: true } | { unmapped: string }

/** The CPX product for a source model name, or why there is none. */
export function mapModel (sourceName: string, displayName?: string): ModelMapping {
  const bare = bareModelName(sourceName)
  const hit = MODELS.find((r) => r.match.test(bare))
  if (hit) {
    return {
      product: {
        code: `${hit.lab}/${bare}`,
        kind: 'model',
        name: displayName ?? bare,
        family: hit.family,
        tier: hit.tier,
        open_weights: hit.open,
      },
    }
  }
  if (EXCLUDED_MODELS.test(bare)) return { excluded: true }
  return { unmapped: bare }
}

/**
 * Sources list one model under many names (bare, `azure/…`, `azure/us/…`, Bedrock `us.`/`eu.`/`global.`
 * prefixes, dated snapshots, `-preview`). Rule: per (provider, product, tier) ONE name is kept — no
 * regional qualifier beats regional, undated beats dated, then the shortest name, then alphabetical;
 * the others are skipped as `alias_key`. Compare two ranks with preferredAlias (< 0: the first wins).
 */
export function aliasRank (name: string): [number, number, number, string] {
  const regional = /(^|\/)(us|eu|apac|au|jp|ca|us-gov|regional)[./]/.test(name) ? 1 : 0
  const dated = /20\d\d-?\d\d-?\d\d|-\d{4}$|-\d\d-\d\d$|@|-v\d+:\d+|-preview|-latest/.test(name) ? 1 : 0
  return [regional, dated, name.length, name]
}

export function preferredAlias (a: ReturnType<typeof aliasRank>, b: ReturnType<typeof aliasRank>): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0)
}
