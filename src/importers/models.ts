import type { ProductSpec } from './mappings.ts'

// The model half of the mapping table. A source's model name is first reduced to a bare name (routing
// prefixes, Bedrock region and vendor prefixes, snapshot dates and version suffixes removed), then
// matched against MODELS in order. The first match decides the CPX product code (`lab/bare`),
// family, tier and open_weights. No match → reported unmapped; EXCLUDED_MODELS → skipped on purpose.

export type ModelTier = 'frontier' | 'mid' | 'small'
export interface ModelRule { match: RegExp, lab: string, family: string, tier: ModelTier, open: boolean }
export interface ExclusionRule { match: RegExp, reason: string }
/** What mapModel matches against: these code tables, or the database's (mapping-set.ts). */
export interface ModelRules { models: ModelRule[], exclusions: ExclusionRule[] }

const rule = (match: RegExp, lab: string, family: string, tier: ModelRule['tier'], open = false): ModelRule =>
  ({ match, lab, family, tier, open })

// Tier is the model's size class at its release (#17): `frontier` is a lab's flagship size, `mid` the
// middle size (and large open-weights models), `small` the mini/nano/flash/haiku sizes and open models up
// to ~35B. When a flagship stops being frontier is a dated decision (model_tiers), not part of this rule.
export const MODELS: ModelRule[] = [
  rule(/^gpt-5(\.\d+)?-(mini|nano)$/, 'openai', 'gpt-5', 'small'),
  rule(/^gpt-5(\.\d+)?$/, 'openai', 'gpt-5', 'frontier'),
  // GPT-5.6 sizes (#17): sol is the flagship (priced as gpt-5.6), terra the middle size, luna the small one
  rule(/^gpt-5\.\d+-sol$/, 'openai', 'gpt-5', 'frontier'),
  rule(/^gpt-5\.\d+-terra$/, 'openai', 'gpt-5', 'mid'),
  rule(/^gpt-5\.\d+-luna$/, 'openai', 'gpt-5', 'small'),
  rule(/^gpt-4\.1-(mini|nano)$|^gpt-4o-mini$/, 'openai', 'gpt-4', 'small'),
  rule(/^gpt-4\.1$|^gpt-4o$|^gpt-4\.5$|^gpt-4$|^gpt-4-turbo$/, 'openai', 'gpt-4', 'frontier'),
  rule(/^o[134]$/, 'openai', 'o-series', 'frontier'),
  rule(/^o[134]-mini$/, 'openai', 'o-series', 'small'),
  rule(/^gpt-oss-120b$/, 'openai', 'gpt-oss', 'mid', true),
  rule(/^gpt-oss-20b$/, 'openai', 'gpt-oss', 'small', true),
  rule(/^claude-opus-\d+(\.\d+)?$|^claude-3-opus$|^claude-fable-\d+(\.\d+)?$/, 'anthropic', 'claude-opus', 'frontier'),
  rule(/^claude-sonnet-\d+(\.\d+)?$|^claude-3\.[57]-sonnet$/, 'anthropic', 'claude-sonnet', 'frontier'),
  rule(/^claude-3-sonnet$/, 'anthropic', 'claude-sonnet', 'mid'),
  rule(/^claude-haiku-\d+(\.\d+)?$|^claude-3(\.5)?-haiku$/, 'anthropic', 'claude-haiku', 'small'),
  rule(/^gemini-(1\.5|[2-9](\.\d+)?)-pro$/, 'google', 'gemini-pro', 'frontier'),
  rule(/^gemini-(1\.5|[2-9](\.\d+)?)-flash(-lite|-8b)?$/, 'google', 'gemini-flash', 'small'),
  rule(/^gemma-([234]|3n)(-e?\d+b)?(-a\d+b)?(-it)?$/, 'google', 'gemma', 'small', true),
  rule(/^grok-\d+(\.\d+)?$/, 'x-ai', 'grok', 'frontier'),
  rule(/^grok-\d+(\.\d+)?-mini$/, 'x-ai', 'grok', 'small'),
  rule(/^llama-3\.1-8b-instruct$|^llama-3\.2-[13]b-instruct$/, 'meta-llama', 'llama-3', 'small', true),
  rule(/^llama-3\.[13]-(70b|405b)-instruct$/, 'meta-llama', 'llama-3', 'mid', true),
  rule(/^llama-3(\.[0-3])?-(1b|3b|8b|11b)-instruct$/, 'meta-llama', 'llama-3', 'small', true),
  rule(/^llama-3(\.[0-3])?-(70b|90b|405b)-instruct$/, 'meta-llama', 'llama-3', 'mid', true),
  rule(/^llama-4-(maverick|scout)$/, 'meta-llama', 'llama-4', 'mid', true),
  rule(/^deepseek-(v3(\.\d+)?|r1|chat-v3(\.\d+)?|v4-pro)(-terminus|-speciale)?$/, 'deepseek', 'deepseek', 'frontier', true),
  rule(/^deepseek-(chat|reasoner)$/, 'deepseek', 'deepseek', 'frontier', true),
  rule(/^deepseek-v4-flash$/, 'deepseek', 'deepseek', 'mid', true),
  rule(/^deepseek-r1-distill-llama-70b$/, 'deepseek', 'deepseek-distill', 'mid', true),
  rule(/^deepseek-r1(-0528)?-(distill-)?(qwen|llama)(-?\d(\.\d)?)?-\d+(\.\d+)?b$/, 'deepseek', 'deepseek-distill', 'small', true),
  rule(/^kimi-k\d+(\.\d+)?$/, 'moonshotai', 'kimi', 'mid', true),
  rule(/^glm-\d+(\.\d+)?$/, 'z-ai', 'glm', 'mid', true),
  rule(/^glm-\d+(\.\d+)?-air$|^glm-\d+(\.\d+)?-flash$|^glm-4-32b$|^glm-z1-32b$/, 'z-ai', 'glm', 'small', true),
  rule(/^minimax-(01|m\d+(\.\d+)?)$/, 'minimax', 'minimax', 'mid', true),
  rule(/^qwen3-(235b-a22b|32b|30b-a3b)$/, 'qwen', 'qwen3', 'mid', true),
  rule(/^qwen(\d(\.\d+)?)?-max$/, 'qwen', 'qwen-max', 'frontier'),
  rule(/^qwen(\d(\.\d+)?)?-plus$|^qwq-plus$/, 'qwen', 'qwen-plus', 'mid'),
  rule(/^qwen(\d(\.\d+)?)?-(flash|turbo)$/, 'qwen', 'qwen-flash', 'small'),
  rule(/^qwen(2\.5|3(\.\d+)?)(-next)?-(72b|80b-a3b|122b-a10b|235b-a22b|397b-a17b|2\.4t-a95b)$/, 'qwen', 'qwen', 'mid', true),
  rule(/^qwen(2\.5|3(\.\d+)?)-(0\.5b|0\.6b|1\.5b|1\.7b|4b|7b|8b|9b|14b|27b|32b|35b-a3b)$|^qwq-32b$/, 'qwen', 'qwen', 'small', true),
  rule(/^mistral-large(-\d+)?$/, 'mistralai', 'mistral-large', 'frontier', true),
  rule(/^mistral-medium(-\d+(\.\d+)?)?$|^magistral-medium(-\d+(\.\d+)?)?$/, 'mistralai', 'mistral-medium', 'mid'),
  rule(/^mistral-small(-3\.\d)?(-24b-instruct)?$/, 'mistralai', 'mistral-small', 'small', true),
  rule(/^magistral-small(-\d+(\.\d+)?)?$|^ministral(-3)?-\d+b(-instruct)?$|^mistral-nemo(-instruct)?$|^mistral-saba(-24b)?$/,
    'mistralai', 'mistral-small', 'small', true),
  rule(/^nova-(premier|pro)$/, 'amazon', 'nova', 'mid'),
  rule(/^nova(-2)?-(lite|micro)$/, 'amazon', 'nova', 'small'),
  rule(/^phi-(3\.5-moe|3\.5-mini|4(-mini)?(-reasoning(-plus)?)?)(-128k)?(-instruct)?$/, 'microsoft', 'phi', 'small', true),
]

/**
 * Names deliberately not indexed, each with its stated reason (first match wins; checked after MODELS).
 * The counts per reason over the real sample files are in docs/importers.md (npm run model-coverage).
 */
export const EXCLUSIONS: ExclusionRule[] = [
  { reason: 'fine_tuned', match: /^ft:|\.ft-/ },
  { reason: 'before_window', match: /^(gpt-3|gpt-35|text-davinci|davinci|babbage|curie|ada$|claude-2|claude-instant|gemini-1\.0|gemini-pro$|palm|llama-2|llama2|llama-v2|llamaguard|gemma-\d+b|gemma-7b|mistral-7b|mistral-tiny|open-mistral-7b|mixtral|open-mixtral|qwen1\.5|qwen-?2-|qwen2-|phi-2|phi-3-|titan-|deepseek-v2|deepseek-v2\.5|grok-beta|grok-2|yi-|j2-)/ },
  { reason: 'not_text_chat', match: /voyage|bge-|pegasus|multimodal|\dv(-|$)|embed|image|audio|tts|transcribe|realtime|moderation|ocr|-vision|-vl(-|$)|vl-|omni|-live|live-|sonic|voxtral|lyria|flux|robotics|computer-use|^pixtral|^llava|firellava|molmo|internvl|paddleocr|ui-tars|perceptron|spotlight|search/ },
  { reason: 'premium_or_context_variant', match: /-(pro|fast|\d+k|thinking|high|x|airx|flashx|highspeed|lightning|chat|multi-agent(-beta)?|exacto|non-reasoning|reasoning|instant|long)$|-fast-|-customtools$|deep-research/ },
  { reason: 'task_specialised', match: /-mt-|code|coder|devstral|-prover|math|guard|safeguard|-dev-|firefunction|tool-use|nexusraven|apply|morph|caller|relace|sql|computer/ },
  { reason: 'host_variant', match: /-(fp8|nvfp4|tput|specdec|basic|lite|versatile|turbo|draft.*|\d+-rope|exp(-\d\d-\d\d)?|base|zero|us|1|1b|maas|free|f|b-f)$|@|-exp-|:|gguf|fp8-dynamic|nvfp4|experimental|mixtral|mpt-|^deepseek-(r1-)?(\d+b-qwen|\d+b|llama3\.3-70b)$|textgeneration|-instruct-hf$|-chat-hf$|-hf$/ },
  { reason: 'unversioned_alias', match: /^(auto|free|grok|gpt-chat|llama-3|llama-3\.1|qwen3-235b|qwen3-30b|gpt|gpt-mini|claude|claude-(opus|sonnet|haiku|fable)|gemini-(flash|flash-lite|exp)|qwen|kimi|deepseek|r1|v3(\.\d)?|router|model_router|moonshot-v1-auto|chatgpt-4o|gemma-3|gemma-3n)$/ },
  { reason: 'third_party_finetune', match: /sea-lion|swallow|hermes|dolphin|euryale|lumimaid|mythomax|mytholite|^l3|^mn-|magnum|noromaid|goliath|midnight-rose|toppy|remm|mythalion|airoboros|chronos|fimbulvetr|anubis|cydonia|^eva-|skyfall|rocinante|unslopnemo|sorcererlm|valkyrie|wayfarer|weaver|qwerky|shisa|dobby|cogito|deepcoder|olympiccoder|openhands|openchat|openorca|zephyr|vicuna|wizardlm|xwin|alpaca|platypus|snorkel|stripedhyena|redpajama|pythia|llemma|phind|starcoder|stablecode|together-ai-|mai-ds-r1|chimera|arliai|aion-rp|nemotron|typhoon|lunaris|stheno|her$|venice|rogue-rose|solar-10|celeste|inferor|starcannon|hanami|electra|capybara|moonlight|r1-1776|intellect/ },
  { reason: 'lab_not_indexed', match: /^(command|jamba|ai21|granite|sonar|llama-3\.1-sonar|ernie|seed-|step-|mimo|longcat|ling-|ring-|reka|palmyra|writer|lfm|inflection|hunyuan|hy3|pplx|medlm|chat-bison|flan-t5|mt0|jais|allam|apertus|eurollm|gigachat|doubao|dots-|holo2|internlm|apriel|sea-lion|swallow|openthinker|alia-|fusion|bodybuilder|container|v0-|snowflake-arctic|glm-4-(plus|assistant)|glm-z1-rumination|virtuoso|coder-large|maestro|arcee|trinity|aion|mercury|olmo|sarvam|solar|kat-|baichuan|inkling|fugu|sakana|muse-|laguna|rnj|nex-|fare-|nova-2-sonic|autoglm|gpt-jt|dbrx|mistral-embed|nemotron|nvidia|minimax-m2-her|claude-mythos|grok-build|moonshot-v1|pplx|medlm|chat-bison|mpt-|flan-t5|mt0|jais|allam|apertus|eurollm|gigachat|doubao|dots-|holo2|internlm|apriel|sea-lion|swallow|openthinker|alia-|fusion|bodybuilder|container|v0-|snowflake-arctic|glm-4-(plus|assistant)|glm-z1-rumination)/ },
]

/** The stated reason a (bare) model name is excluded, or undefined when no exclusion matches. */
export function exclusionReason (bare: string, exclusions: ExclusionRule[] = EXCLUSIONS): string | undefined {
  return exclusions.find((e) => e.match.test(bare))?.reason
}

const VENDOR = /^(?:(?:global|regional|us|eu|apac|au|jp|ca|us-gov)\.)?(?:anthropic|openai|meta|amazon|mistral|deepseek|qwen|cohere|moonshotai?|google|xai|zai|minimax|nvidia|writer|twelvelabs)\./
const DATE = /(-|@|_)(20\d\d-?\d\d-?\d\d|\d{4}|\d{6})$|-preview(-\d\d-\d\d)?$|@default$|-v\d+(:\d+)?$|:\d+$|-latest$|-instruct-turbo$|(?<!^gpt-4)-turbo$|-beta$|-00\d$|-(non-)?reasoning$|-maas$|-bf16$|-preview(-\d\d)+$|-\d\d-\d\d$/

/** `bedrock/us.anthropic.claude-opus-4-8-20260101-v1:0` → `claude-opus-4.8`. */
export function bareModelName (sourceName: string): string {
  let name = sourceName.toLowerCase().trim()
  name = name.slice(name.lastIndexOf('/') + 1).replace(/:(batch|free|thinking|beta|extended|exacto)$/, '')
  name = name.replace(VENDOR, '')
  for (let i = 0; i < 3; i++) name = name.replace(DATE, (m) => (m.endsWith('-instruct-turbo') ? '-instruct' : ''))
  name = name.replace(/^meta-llama-/, 'llama-').replace(/^llama-v(\d+)p(\d+)-/, 'llama-$1.$2-')
  name = name.replace(/(\d)p(\d)/g, '$1.$2').replace(/(\d)_(\d)/g, '$1.$2').replace(/^zai-glm-/, 'glm-') // Fireworks writes 3p1 for 3.1
  name = name.replace(/^(?:databricks|openai|anthropic|amazon|alibaba|snowflake|gemini)-(?=gpt|o\d|claude|nova|qwen|llama|meta|gemma|gemini)/, '')
  name = name.replace(/^meta-llama-/, 'llama-').replace(/^(llama3|gpt-oss):(\d+b)(-cloud)?$/, '$1-$2').replace(/^deepseek_/, 'deepseek-')
  name = name.replace(/^gpt-4-o$/, 'gpt-4o').replace(/^open-mistral-nemo$/, 'mistral-nemo').replace(/^qwen-qwq-/, 'qwq-')
  name = name.replace(/^gemma-?(\d)-/, 'gemma-$1-').replace(/^gemma(\d)-/, 'gemma-$1-').replace(/^(gemini|glm|deepseek-v)-?(\d)-(\d)(?=-|$)/, '$1-$2.$3')
  name = name.replace(/^deepseek-v-/, 'deepseek-v').replace(/^qwen-v(\d)/, 'qwen$1').replace(/^deepseek-r1-671b$/, 'deepseek-r1')
  name = name.replace(/^mistral-large(?:-instruct|2)$/, (m) => (m.endsWith('2') ? 'mistral-large-2' : 'mistral-large')).replace(/^(mistral-medium-\d(?:\.\d)?)-\d+b$/, '$1')
  name = name.replace(/^((?:mistral|magistral)-(?:medium|small|large))-(\d)-(\d)(?=-|$)/, '$1-$2.$3')
  name = name.replace(/^llama-?v?(\d)(?:[.-](\d))?(?=-|$)/, (_m, a: string, b?: string) => (b ? `llama-${a}.${b}` : `llama-${a}`))
  name = name.replace(/^(llama-3(?:\.\d)?-\d+b)(?:-instruct)?(?:-chat|-text)?$/, '$1-instruct')
  name = name.replace(/^(llama-4-(?:maverick|scout))(-17b(-\d+e)?)?(-instruct)?$|^llama4-(maverick|scout)(-17b)?-instruct$/, (_m, a?: string, _b?: string, _c?: string, _d?: string, e?: string) => a ?? `llama-4-${e}`)
  name = name.replace(/^claude-(\d)-(\d)-(opus|sonnet|haiku)$/, 'claude-$1.$2-$3').replace(/^claude-4(\.\d)?-(opus|sonnet|haiku)$/, 'claude-$2-4$1')
  name = name.replace(/^(claude-(?:opus|sonnet))-4(\d)$/, '$1-4.$2').replace(/^claude-(\d+)-(fable|mythos)$/, 'claude-$2-$1').replace(/^gemini-(pro|flash)-(1\.5)(-8b)?$/, 'gemini-$2-$1$3')
  name = name.replace(/^qwen-(\d(?:\.\d)?)-/, 'qwen$1-').replace(/^(qwen[\d.]*(?:-next)?-[\d.]+[bt](?:-a\d+b)?)-instruct$/, '$1')
  name = name.replace(/^(kimi-k\d+(?:\.\d+)?)-instruct$/, '$1').replace(/^grok-(\d)-(\d)(?=-|$)/, 'grok-$1.$2')
  name = name.replace(/^((?:mistral|magistral)-(?:medium|small|large))-(\d)-(\d)$/, '$1-$2.$3').replace(/^mistral-large-3-675b-instruct$/, 'mistral-large-3')
  name = name.replace(/^(claude-(?:opus|sonnet|haiku))-(\d+)-(\d)$/, '$1-$2.$3')
  name = name.replace(/^(claude-(?:opus|sonnet|haiku)-\d+)\.0$/, '$1').replace(/^(gpt-5)-(\d)$/, '$1.$2')
  return name
}

export type ModelProduct = Extract<ProductSpec, { kind: 'model' }>
export type ModelMapping = { product: ModelProduct } | { excluded: true, reason: string } | { unmapped: string }

/** The CPX product for a source model name, or why there is none. */
export function mapModel (sourceName: string, displayName?: string, rules: ModelRules = { models: MODELS, exclusions: EXCLUSIONS }): ModelMapping {
  const bare = bareModelName(sourceName)
  const hit = rules.models.find((r) => r.match.test(bare))
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
  const reason = exclusionReason(bare, rules.exclusions)
  if (reason) return { excluded: true, reason }
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
