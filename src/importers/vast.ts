import { ImportBatch, priceText } from './batch.ts'
import { CODE_MAPPINGS } from './mapping-set.ts'
import type { ParseOptions } from './sources.ts'

interface Offer { gpu_name?: string, num_gpus?: number, dph_base?: unknown, dph_total?: unknown, is_bid?: boolean, geolocation?: string }

// Country codes (the last part of Vast's geolocation, "Texas, US") → CPX region.
const COUNTRY: Record<string, 'us' | 'eu' | 'apac' | 'cn' | 'other'> = {
  US: 'us',
  CA: 'us',
  CN: 'cn',
  ...Object.fromEntries('GB DE FR NL SE NO FI PL ES IT IE CH BE AT CZ DK PT RO HU BG IS EE LT LV SI SK HR GR'.split(' ').map((c) => [c, 'eu' as const])),
  ...Object.fromEntries('JP KR SG IN AU NZ TW HK TH VN MY ID PH'.split(' ').map((c) => [c, 'apac' as const])),
}

/**
 * Vast.ai offers (`{"offers": [...]}` from the search API) → instance-hour quotes at `dph_base`: the
 * host's GPU price. `dph_total` adds storage and bandwidth and is never the price. An interruptible
 * search (`"type": "bid"` on the file or `is_bid` on the offer) gives spot quotes, else on-demand.
 */
export function parseVast (text: string, opts: ParseOptions): ImportBatch {
  const batch = new ImportBatch('vast')
  const body = JSON.parse(text) as { offers?: Offer[], type?: string }
  if (!Array.isArray(body.offers)) throw new Error('not a Vast.ai offers response: no "offers" list')
  const fileBid = body.type === 'bid' || body.type === 'interruptible'
  const m = opts.mappings ?? CODE_MAPPINGS
  const provider = m.providers.vast
  if (!provider) throw new Error('no provider mapping vast')
  for (const offer of body.offers) {
    batch.rowsRead++
    const code = m.vastGpus[(offer.gpu_name ?? '').toUpperCase().replace(/_/g, ' ')] ?? m.vastGpus[offer.gpu_name ?? '']
    const product = code ? m.gpuProducts[code] : undefined
    if (!product) { batch.unmappedName(offer.gpu_name ?? '(no gpu_name)'); continue }
    const price = priceText(offer.dph_base)
    if (!('price' in price)) { batch.skip(price.reason); continue }
    const gpus = offer.num_gpus
    if (typeof gpus !== 'number' || !Number.isInteger(gpus) || gpus < 1) { batch.skip('no_gpu_count'); continue }
    const country = offer.geolocation?.split(',').at(-1)?.trim().toUpperCase() ?? ''
    const segment = fileBid || offer.is_bid ? 'spot' : 'on_demand'
    const region = COUNTRY[country] ?? (country ? 'other' : undefined)
    batch.addInstanceHour({ provider, product, segment, price: price.price, gpus, region, observed_at: opts.observedAt }, 'same_offer_price')
  }
  return batch
}
