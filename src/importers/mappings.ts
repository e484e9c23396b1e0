// The mapping table: source names → CPX providers and products. Importers never guess: a name that
// no entry matches is reported as unmapped, and an entry under EXCLUSIONS is skipped on purpose, with its reason.
// docs/importers.md explains every rule; extend the table here, in one place.

export type ProviderKind = 'hyperscaler' | 'neocloud' | 'marketplace' | 'model_lab' | 'inference_host'
export interface ProviderSpec { slug: string, name: string, kind: ProviderKind, website?: string }
export type ProductSpec =
  | { code: string, kind: 'gpu', name: string, family: string, variant: 'sxm' | 'pcie' | 'nvl' }
  | { code: string, kind: 'model', name: string, family: string, tier: 'frontier' | 'mid' | 'small', open_weights: boolean }

const p = (slug: string, name: string, kind: ProviderKind, website?: string): ProviderSpec => ({ slug, name, kind, website })

/** Every provider an importer may create. One slug has one kind: Azure's GPUs and Azure's model API are two providers. */
export const PROVIDERS: Record<string, ProviderSpec> = Object.fromEntries([
  p('aws', 'Amazon Web Services', 'hyperscaler', 'https://aws.amazon.com'),
  p('azure', 'Microsoft Azure', 'hyperscaler', 'https://azure.microsoft.com'),
  p('gcp', 'Google Cloud', 'hyperscaler', 'https://cloud.google.com'),
  p('oci', 'Oracle Cloud', 'hyperscaler', 'https://www.oracle.com/cloud'),
  p('lambda', 'Lambda', 'neocloud', 'https://lambda.ai'),
  p('coreweave', 'CoreWeave', 'neocloud', 'https://www.coreweave.com'),
  p('nebius', 'Nebius', 'neocloud', 'https://nebius.com'),
  p('runpod', 'RunPod', 'neocloud', 'https://www.runpod.io'),
  p('fluidstack', 'Fluidstack', 'neocloud', 'https://www.fluidstack.io'),
  p('paperspace', 'Paperspace', 'neocloud', 'https://www.paperspace.com'),
  p('cudo', 'Cudo Compute', 'neocloud', 'https://www.cudocompute.com'),
  p('vast', 'Vast.ai', 'marketplace', 'https://vast.ai'),
  p('openai', 'OpenAI', 'model_lab', 'https://openai.com'),
  p('anthropic', 'Anthropic', 'model_lab', 'https://www.anthropic.com'),
  p('google', 'Google (Gemini API)', 'model_lab', 'https://ai.google.dev'),
  p('xai', 'xAI', 'model_lab', 'https://x.ai'),
  p('deepseek', 'DeepSeek', 'model_lab', 'https://www.deepseek.com'),
  p('mistral', 'Mistral AI', 'model_lab', 'https://mistral.ai'),
  p('moonshot', 'Moonshot AI', 'model_lab', 'https://www.moonshot.ai'),
  p('zai', 'Z.ai', 'model_lab', 'https://z.ai'),
  p('meta', 'Meta (Llama API)', 'model_lab', 'https://llama.developer.meta.com'),
  p('alibaba', 'Alibaba Cloud (Qwen)', 'model_lab', 'https://www.alibabacloud.com'),
  p('openrouter', 'OpenRouter', 'inference_host', 'https://openrouter.ai'),
  p('aws-bedrock', 'Amazon Bedrock', 'inference_host', 'https://aws.amazon.com/bedrock'),
  p('azure-ai', 'Azure AI Foundry', 'inference_host', 'https://ai.azure.com'),
  p('google-vertex', 'Google Vertex AI', 'inference_host', 'https://cloud.google.com/vertex-ai'),
  p('together', 'Together AI', 'inference_host', 'https://www.together.ai'),
  p('fireworks', 'Fireworks AI', 'inference_host', 'https://fireworks.ai'),
  p('deepinfra', 'DeepInfra', 'inference_host', 'https://deepinfra.com'),
  p('groq', 'Groq', 'inference_host', 'https://groq.com'),
  p('cerebras', 'Cerebras', 'inference_host', 'https://www.cerebras.ai'),
  p('novita', 'Novita AI', 'inference_host', 'https://novita.ai'),
  p('nebius-ai', 'Nebius AI Studio', 'inference_host', 'https://nebius.com/ai-studio'),
  p('hyperbolic', 'Hyperbolic', 'inference_host', 'https://hyperbolic.xyz'),
  p('sambanova', 'SambaNova Cloud', 'inference_host', 'https://sambanova.ai'),
  p('baseten', 'Baseten', 'inference_host', 'https://www.baseten.co'),
  // RunPod's Community Cloud is a marketplace of third-party hosts; its Secure Cloud (runpod) is a neocloud.
  // One slug has one kind, so the two are two providers (seeded by 0073, after the others).
  p('runpod-community', 'RunPod Community Cloud', 'marketplace', 'https://www.runpod.io'),
].map((x) => [x.slug, x]))

/** Each source's own provider names → CPX slugs. A name not listed is reported unmapped. */
export const SOURCE_PROVIDERS: Record<'litellm' | 'genai-prices' | 'llm-prices' | 'skypilot' | 'gpu-observations', Record<string, string>> = {
  litellm: {
    openai: 'openai',
    anthropic: 'anthropic',
    gemini: 'google',
    xai: 'xai',
    deepseek: 'deepseek',
    mistral: 'mistral',
    moonshot: 'moonshot',
    zai: 'zai',
    meta_llama: 'meta',
    dashscope: 'alibaba',
    bedrock: 'aws-bedrock',
    bedrock_converse: 'aws-bedrock',
    azure: 'azure-ai',
    azure_ai: 'azure-ai',
    vertex_ai: 'google-vertex',
    'vertex_ai-language-models': 'google-vertex',
    'vertex_ai-anthropic_models': 'google-vertex',
    'vertex_ai-llama_models': 'google-vertex',
    'vertex_ai-deepseek_models': 'google-vertex',
    'vertex_ai-qwen_models': 'google-vertex',
    'vertex_ai-openai_models': 'google-vertex',
    'vertex_ai-mistral_models': 'google-vertex',
    together_ai: 'together',
    fireworks_ai: 'fireworks',
    deepinfra: 'deepinfra',
    groq: 'groq',
    cerebras: 'cerebras',
    novita: 'novita',
    nebius: 'nebius-ai',
    hyperbolic: 'hyperbolic',
    sambanova: 'sambanova',
    baseten: 'baseten',
    openrouter: 'openrouter',
  },
  'genai-prices': {
    openai: 'openai',
    anthropic: 'anthropic',
    google: 'google',
    'x-ai': 'xai',
    deepseek: 'deepseek',
    mistral: 'mistral',
    moonshotai: 'moonshot',
    zai: 'zai',
    aws: 'aws-bedrock',
    azure: 'azure-ai',
    together: 'together',
    fireworks: 'fireworks',
    groq: 'groq',
    cerebras: 'cerebras',
    novita: 'novita',
    openrouter: 'openrouter',
  },
  'llm-prices': {
    openai: 'openai',
    anthropic: 'anthropic',
    google: 'google',
    xai: 'xai',
    deepseek: 'deepseek',
    mistral: 'mistral',
    'moonshot-ai': 'moonshot',
    'meta-ai': 'meta',
    qwen: 'alibaba',
  },
  skypilot: {
    lambda: 'lambda',
    aws: 'aws',
    azure: 'azure',
    gcp: 'gcp',
    oci: 'oci',
    runpod: 'runpod',
    nebius: 'nebius',
    fluidstack: 'fluidstack',
    paperspace: 'paperspace',
    cudo: 'cudo',
    vast: 'vast',
    coreweave: 'coreweave'
  },
  // gpu-observations: the file's `source` column; `NAME@SEGMENT` (the row's segment column) wins over NAME.
  // The provider's kind must be the row's segment, else the row is skipped (never pooled across kinds).
  'gpu-observations': {
    aws: 'aws',
    azure: 'azure',
    lambda: 'lambda',
    runpod: 'runpod',
    'runpod@marketplace': 'runpod-community',
    vast: 'vast',
  },
}

export const GPU_PRODUCTS: Record<string, ProductSpec> = Object.fromEntries(([
  ['h100-sxm', 'H100 SXM 80GB', 'h100', 'sxm'], ['h100-pcie', 'H100 PCIe 80GB', 'h100', 'pcie'],
  ['h100-nvl', 'H100 NVL 94GB', 'h100', 'nvl'], ['h200-sxm', 'H200 SXM 141GB', 'h200', 'sxm'],
  ['h200-nvl', 'H200 NVL 141GB', 'h200', 'nvl'], ['a100-sxm', 'A100 SXM 40GB', 'a100', 'sxm'],
  ['a100-80gb-sxm', 'A100 SXM 80GB', 'a100', 'sxm'], ['a100-pcie', 'A100 PCIe', 'a100', 'pcie'],
  ['b200-sxm', 'B200 SXM 180GB', 'b200', 'sxm'],
] as const).map(([code, name, family, variant]) => [code, { code, kind: 'gpu', name, family, variant }]))

/**
 * SkyPilot instance types → GPU product. The catalog's AcceleratorName says "H100" for PCIe and SXM
 * alike, so the instance type decides; a type that does not name its variant (Lambda's gpu_1x_a100)
 * matches nothing and is reported unmapped.
 */
export const INSTANCE_TYPES: Array<[RegExp, string]> = [
  [/_h100_sxm5$/, 'h100-sxm'], [/_h100_pcie$/, 'h100-pcie'], [/_h200_sxm5?$/, 'h200-sxm'],
  [/_a100_80gb_sxm4$/, 'a100-80gb-sxm'], [/_a100_sxm4$/, 'a100-sxm'], [/_a100_pcie$/, 'a100-pcie'], [/_b200_sxm6$/, 'b200-sxm'],
  [/^p5\.48xlarge$/, 'h100-sxm'], [/^p5e\.48xlarge$|^p5en\.48xlarge$/, 'h200-sxm'], [/^p4d\.24xlarge$/, 'a100-sxm'],
  [/^p4de\.24xlarge$/, 'a100-80gb-sxm'], [/^p6-b200\.48xlarge$/, 'b200-sxm'],
  [/^Standard_ND96isr_H100_v5$/, 'h100-sxm'], [/^Standard_ND96isr_H200_v5$/, 'h200-sxm'], [/^Standard_NC\d+ads_H100_v5$/, 'h100-nvl'],
  [/^a3-(high|mega)gpu-\dg$/, 'h100-sxm'], [/^a3-ultragpu-8g$/, 'h200-sxm'], [/^a2-highgpu-\dg$/, 'a100-sxm'], [/^a2-ultragpu-\dg$/, 'a100-80gb-sxm'],
  [/^BM\.GPU\.H100\.8$/, 'h100-sxm'], [/^BM\.GPU\.H200\.8$/, 'h200-sxm'],
]

/** Vast.ai gpu_name → GPU product (names as the offers API spells them). */
export const VAST_GPUS: Record<string, string> = {
  'H100 SXM': 'h100-sxm',
  'H100 SXM5': 'h100-sxm',
  'H100 PCIE': 'h100-pcie',
  'H100 NVL': 'h100-nvl',
  H200: 'h200-sxm',
  'H200 SXM': 'h200-sxm',
  'H200 NVL': 'h200-nvl',
  'A100 SXM4': 'a100-sxm',
  'A100 SXM': 'a100-sxm',
  'A100 PCIE': 'a100-pcie',
  B200: 'b200-sxm',
}

/**
 * GPU names of sources that name the GPU model in a column of their own (gpu-observations' gpu_model) →
 * GPU product, per source: `SOURCE:NAME`, or `SOURCE:NAME#LABEL` with a `sku` pattern (tested against the
 * lower-cased sku) that refines NAME; in order, the first whose name is the row's and whose pattern (if
 * any) matches wins. The file's A100-40GB holds Lambda's PCIe cards beside the SXM ones; its
 * A100-80GB-PCIe has no CPX product (a100-pcie is the 40 GB card), so it is reported unmapped.
 */
export const SOURCE_GPUS: Array<[string, { product: string, sku?: RegExp }]> = [
  ['gpu-observations:H100#pcie', { product: 'h100-pcie', sku: /pcie/ }],
  ['gpu-observations:H100', { product: 'h100-sxm' }],
  ['gpu-observations:H100-PCIe', { product: 'h100-pcie' }],
  ['gpu-observations:H100-NVL', { product: 'h100-nvl' }],
  ['gpu-observations:H200#nvl', { product: 'h200-nvl', sku: /nvl/ }],
  ['gpu-observations:H200', { product: 'h200-sxm' }],
  ['gpu-observations:A100-40GB#pcie', { product: 'a100-pcie', sku: /pcie/ }],
  ['gpu-observations:A100-40GB', { product: 'a100-sxm' }],
  ['gpu-observations:A100-80GB', { product: 'a100-80gb-sxm' }],
  ['gpu-observations:B200', { product: 'b200-sxm' }],
]

/** Cloud region names → CPX region, by prefix. Unknown prefixes give no region (the quote stays global). */
export function regionOf (name: string): 'us' | 'eu' | 'apac' | 'cn' | 'other' | undefined {
  const r = name.toLowerCase()
  if (/^(us|na|north-?america|ca|canada)[-_.\s]|^(us|usa|ca)$/.test(r)) return 'us'
  if (/^(eu|europe|uk|gb|de|fr|nl|se|no|fi|pl|es|it|ie|ch)([-_.\s]|$)/.test(r)) return 'eu'
  if (/^(ap|asia|apac|australia|au|jp|japan|kr|sg|in|india)([-_.\s]|$)/.test(r)) return 'apac'
  if (/^(cn|china)([-_.\s]|$)/.test(r)) return 'cn'
  if (/^(me|sa|af|latam|br|il|ae)([-_.\s]|$)/.test(r)) return 'other'
  return undefined
}
