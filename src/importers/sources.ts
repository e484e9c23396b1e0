import type { ImportBatch } from './batch.ts'
import { parseQuotesCsv } from './csv.ts'
import { parseGenaiPrices } from './genai-prices.ts'
import { parseGpuObservations } from './gpu-observations.ts'
import { LITELLM_URL, parseLiteLLM } from './litellm.ts'
import { parseLlmPrices } from './llm-prices.ts'
import { OPENROUTER_URL, parseOpenRouter } from './openrouter.ts'
import { parseSkypilot } from './skypilot.ts'
import { parseVast } from './vast.ts'
import type { MappingSet } from './mapping-set.ts'

export interface ParseOptions {
  /** when the prices were seen (RFC 3339); dated price lists use their own dates */
  observedAt: string
  /** skypilot: the cloud the catalog is for (else read from the file name) */
  provider?: string
  fileName?: string
  /** the rules to map names with: the database's for a run (loadMappings), else the code tables */
  mappings?: MappingSet
}

export interface Source {
  parse: (text: string, opts: ParseOptions) => ImportBatch
  /** the public address `--url` uses when given no value */
  url?: string
  /** a folder of files may be read as one JSON list */
  folder?: boolean
}

export const SOURCES: Record<string, Source> = {
  openrouter: { parse: parseOpenRouter, url: OPENROUTER_URL },
  litellm: { parse: parseLiteLLM, url: LITELLM_URL },
  'genai-prices': { parse: parseGenaiPrices, url: 'https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json' },
  'llm-prices': { parse: parseLlmPrices, folder: true },
  skypilot: { parse: parseSkypilot },
  vast: { parse: parseVast },
  'gpu-observations': { parse: parseGpuObservations },
  csv: { parse: parseQuotesCsv },
}
