import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { bareModelName, mapModel } from './models.ts'

// Every chat model name the real sample files carry (../shared/data, #17) and what the mapping table
// makes of it. The files are snapshots of 2026-07/08, so every name in them is in the 24-month window.
// A name is counted once per bare name (the table maps bare names): mapped, excluded (by reason) or unmapped.

export interface ModelCoverage {
  names: number
  bare: Map<string, { outcome: string, sources: Set<string> }>
  counts: { mapped: number, excluded: Record<string, number>, unmapped: number }
}

type Json = Record<string, unknown>

/** The chat model ids of each sample file: LiteLLM mode "chat", OpenRouter text output, every genai-prices and llm-prices model. */
export function sampleChatModelNames (dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const files = (sub: string) => existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).filter((f) => f.endsWith('.json')).map((f) => join(dir, sub, f)) : []
  const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as unknown
  for (const f of files('litellm')) {
    for (const [key, e] of Object.entries(read(f) as Record<string, Json>)) if (e.mode === 'chat') out.push(['litellm', key])
  }
  for (const f of files('openrouter')) {
    for (const m of (read(f) as { data: Array<{ id: string, architecture?: { modality?: string, output_modalities?: string[] } }> }).data) {
      const output = m.architecture?.modality?.split('->')[1] ?? m.architecture?.output_modalities?.join('+')
      if (output === 'text' && !m.id.startsWith('~')) out.push(['openrouter', m.id])
    }
  }
  for (const f of files('genai-prices')) {
    for (const p of read(f) as Array<{ models?: Array<{ id?: string }> }>) for (const m of p.models ?? []) out.push(['genai-prices', m.id ?? ''])
  }
  for (const f of files('llm-prices')) {
    const body = read(f) as { models?: Array<{ id?: string }> } | Array<{ models?: Array<{ id?: string }> }>
    for (const v of Array.isArray(body) ? body : [body]) for (const m of v.models ?? []) out.push(['llm-prices', m.id ?? ''])
  }
  return out
}

export function modelCoverage (dir: string): ModelCoverage {
  const names = sampleChatModelNames(dir)
  const bare = new Map<string, { outcome: string, sources: Set<string> }>()
  for (const [source, name] of names) {
    const b = bareModelName(name)
    const m = mapModel(name)
    const outcome = 'product' in m
      ? `mapped ${m.product.code} ${m.product.tier}${m.product.open_weights ? ' open' : ''}`
      : 'excluded' in m ? `excluded ${m.reason}` : 'unmapped'
    const entry = bare.get(b) ?? { outcome, sources: new Set<string>() }
    entry.sources.add(source)
    bare.set(b, entry)
  }
  const counts = { mapped: 0, excluded: {} as Record<string, number>, unmapped: 0 }
  for (const { outcome } of bare.values()) {
    if (outcome.startsWith('mapped')) counts.mapped++
    else if (outcome === 'unmapped') counts.unmapped++
    else { const r = outcome.slice('excluded '.length); counts.excluded[r] = (counts.excluded[r] ?? 0) + 1 }
  }
  return { names: names.length, bare, counts }
}
