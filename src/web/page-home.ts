import { renderSparkline } from './chart-svg.ts'
import { direction, formatChange, formatValue, withUnit, type Change } from './format.ts'
import { html, Markup } from './html.ts'
import { page, PAGE_CSS } from './layout.ts'
import type { IndexSummary } from './page-data.ts'

/** Builds a link to one of our pages, keeping the reader's ?api_key= when reads need a key. */
export type Href = (path: string, query?: Record<string, string>) => string

export const STATUS_TEXT: Record<string, string> = { ok: 'ok', insufficient_data: 'insufficient data' }

export function siteHeader (href: Href): Markup {
  return html`<header class="site"><a href="${href('/')}">CPX compute price indices</a>
<span class="muted">Daily fixings in USD per GPU-hour and USD per 1M tokens · <a href="${href('/v1/indices')}">JSON API</a> · <a href="/docs">OpenAPI</a></span></header>`
}

/** Shown on every page and widget whose figures come from the synthetic demo dataset (`cpx demo load`). */
export const DEMO_NOTICE = 'Demo data: these figures are computed from a synthetic dataset, not from real provider prices.'
export const demoNotice = (demo: boolean): Markup | '' => demo ? html`<p class="notice" role="note" data-testid="demo-notice"><strong>${DEMO_NOTICE}</strong></p>` : ''

/** Shown when every configured source behind an index's latest fixing is stale (source_health.all_stale). */
export const staleNotice = (stale: boolean): Markup | '' => stale
  ? html`<p class="notice" role="note" data-testid="stale-notice">Stale sources: every feed behind this value has missed its refresh (see <code>GET /v1/sources</code>); the value rests on old quotes.</p>`
  : ''

/** A change as a span in a sentence (index and basket pages), coloured by what it reads as. */
export const changeSpan = (c: Change | null, unit: string) => html`<span class="num ${direction(c, unit)}">${formatChange(c, unit)}</span>`

export const changeCell = (label: string, c: IndexSummary['change1d'], unit: string) =>
  html`<td class="num ${direction(c, unit)}" data-label="${label}">${formatChange(c, unit)}</td>`

export function sparkline (s: IndexSummary, width: number, height: number): Markup {
  const first = s.recent.find((p) => p.value !== null)
  const label = s.latest?.value != null && first
    ? `Trend from ${first.date} to ${s.latest.date}: ${formatValue(first.value, s.definition.unit)} to ${withUnit(s.latest.value, s.definition.unit)}`
    : 'No trend: too few published values'
  return new Markup(renderSparkline(s.recent, { width, height, label }))
}

function row (s: IndexSummary, href: Href): Markup {
  const d = s.definition
  const f = s.latest
  return html`<tr>
<td data-label="Index"><a class="code" href="${href(`/indices/${d.code}`)}"><strong>${d.code}</strong></a><br><span class="muted">${d.name}</span></td>
<td class="num" data-label="Latest">${f ? withUnit(f.value, d.unit) : 'not fixed yet'}</td>
<td class="num" data-label="Date">${f?.date ?? '—'}</td>
${changeCell('1 day', s.change1d, d.unit)}${changeCell('30 days', s.change30d, d.unit)}
<td class="${f?.status ?? ''}" data-label="Status">${f ? STATUS_TEXT[f.status] : '—'}</td>
<td data-label="30 days">${sparkline(s, 120, 32)}</td></tr>`
}

/** Links to the term curves and baskets (GET /v1/curves, GET /v1/baskets) below the index table. */
export interface HomeLinks { curves: { gpu: string, terms: { term_months: number }[] }[], baskets: { code: string, name: string, unit: string }[] }

function moreLinks ({ curves, baskets }: HomeLinks, href: Href): Markup {
  return html`<h2>Term curves</h2>${curves.length
    ? html`<ul class="links" data-testid="curves">${curves.map((c) => html`<li><a href="${href(`/curves/${c.gpu}`)}">${c.gpu} term curve</a> <span class="muted">spot and ${c.terms.map((t) => `${t.term_months}`).join(', ')} months</span></li>`)}</ul>`
    : html`<p class="muted">No GPU has reserved indices at standard terms yet.</p>`}
<h2>Baskets</h2>${baskets.length
    ? html`<ul class="links" data-testid="baskets">${baskets.map((b) => html`<li><a class="code" href="${href(`/baskets/${b.code}`)}">${b.code}</a> ${b.name} <span class="muted">(${b.unit})</span></li>`)}</ul>`
    : html`<p class="muted">No basket defined yet (PUT /v1/baskets/{code}).</p>`}`
}

export function homePage (catalog: IndexSummary[], href: Href, links: HomeLinks = { curves: [], baskets: [] }): string {
  const body = html`<main>${demoNotice(catalog.some((s) => s.demo))}<h1>Compute price indices</h1>
<p class="muted">Each index is fixed once a day (UTC) from provider quotes; the latest value is the newest revision of the latest fixed day. Changes compare with the fixings 1 and 30 calendar days earlier.</p>
<div class="scroll"><table class="cards"><thead><tr><th scope="col">Index</th><th scope="col" class="num">Latest value</th><th scope="col" class="num">Date</th>
<th scope="col" class="num">1 day</th><th scope="col" class="num">30 days</th><th scope="col">Status</th><th scope="col">Last 30 days</th></tr></thead>
<tbody>${catalog.map((s) => row(s, href))}</tbody></table></div>
${moreLinks(links, href)}
<p class="muted">Embed a value on a dashboard or pull the history into a spreadsheet: see the API documentation and docs/embedding.md.</p></main>`
  return page({
    title: 'CPX compute price indices',
    description: 'Daily compute price indices: USD per GPU-hour and USD per 1M tokens',
    css: PAGE_CSS,
    header: siteHeader(href),
    body,
  })
}
