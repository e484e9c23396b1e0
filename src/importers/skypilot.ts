import { parse } from 'csv-parse/sync'
import { ImportBatch, priceText, type QuoteRow } from './batch.ts'
import { CODE_MAPPINGS } from './mapping-set.ts'
import { regionOf, type ProductSpec } from './mappings.ts'
import type { ParseOptions } from './sources.ts'

type Row = Record<string, string>

/** The cloud a catalog belongs to: --provider, else its path (`catalogs/v8/lambda/vms.csv`, `lambda_vms….csv`). */
export function skypilotCloud (opts: ParseOptions): string | undefined {
  if (opts.provider) return opts.provider
  const parts = (opts.fileName ?? '').toLowerCase().split(/[/\\_.-]/)
  return Object.keys((opts.mappings ?? CODE_MAPPINGS).sourceProviders.skypilot ?? {}).find((cloud) => parts.includes(cloud))
}

/**
 * A SkyPilot catalog (vms.csv) → instance-hour quotes with the instance's GPU count (the database
 * divides: price ÷ GPUs). The variant comes from the instance type (instance_type mappings), never from
 * AcceleratorName. Catalogs repeat one price in every region: when all regions of an instance type
 * agree, that is one quote without region; otherwise one per CPX region and price.
 */
export function parseSkypilot (text: string, opts: ParseOptions): ImportBatch {
  const batch = new ImportBatch('skypilot')
  const m = opts.mappings ?? CODE_MAPPINGS
  const rows = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Row[]
  if (rows.length && !('InstanceType' in rows[0]! && 'Price' in rows[0]!)) throw new Error('not a SkyPilot catalog: needs InstanceType and Price columns')
  const cloud = skypilotCloud(opts)
  const slug = cloud ? m.sourceProviders.skypilot?.[cloud] : undefined
  if (!slug) throw new Error('which cloud is this SkyPilot catalog for? pass --provider (lambda, aws, azure, gcp, …)')
  const provider = m.providers[slug]
  if (!provider) throw new Error(`the mappings name provider ${slug} for ${cloud}, and no provider mapping ${slug} exists`)
  const byType = new Map<string, { product: ProductSpec, rows: Row[] }>()
  for (const row of rows) {
    batch.rowsRead++
    const type = row.InstanceType ?? ''
    const code = m.instanceTypes.find(([re]) => re.test(type))?.[1]
    const product = code ? m.gpuProducts[code] : undefined
    if (!product) { batch.unmappedName(`${type} (${row.AcceleratorName || 'no GPU'})`); continue }
    byType.set(type, { product, rows: [...(byType.get(type)?.rows ?? []), row] })
  }
  for (const { product, rows: group } of byType.values()) {
    for (const [column, segment] of [['Price', 'on_demand'], ['SpotPrice', 'spot']] as Array<[string, QuoteRow['segment']]>) {
      const priced = group.filter((r) => r[column])
      const oneprice = new Set(priced.map((r) => r[column])).size === 1
      for (const row of priced) {
        const price = priceText(row[column])
        const gpus = Number(row.AcceleratorCount)
        if (!('price' in price)) { batch.skip(price.reason); continue }
        if (!Number.isInteger(gpus) || gpus < 1) { batch.skip('no_gpu_count'); continue }
        const region = oneprice ? undefined : regionOf(row.Region ?? '')
        batch.addInstanceHour({ provider, product, segment, price: price.price, gpus, region, observed_at: opts.observedAt }, 'same_price_other_region')
      }
    }
  }
  return batch
}
