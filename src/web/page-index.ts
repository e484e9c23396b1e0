import type { FixingJson } from '../domain/fixing-reads.ts'
import { renderChart } from './chart-svg.ts'
import { formatRatio, formatTime, formatValue, withUnit } from './format.ts'
import { html, Markup } from './html.ts'
import { page, PAGE_CSS } from './layout.ts'
import { methodologySentences } from './methodology-text.ts'
import type { Constituents, loadIndexPage } from './page-data.ts'
import { changeSpan, demoNotice, type Href, siteHeader, staleNotice, STATUS_TEXT } from './page-home.ts'

type IndexPage = Awaited<ReturnType<typeof loadIndexPage>>

const stat = (term: string, value: string) => html`<div><dt>${term}</dt><dd>${value}</dd></div>`

function statistics (f: FixingJson, unit: string): Markup {
  const money = (n: number | null) => withUnit(n, unit)
  return html`<dl class="stats">
${stat('Providers', String(f.n_providers))}${stat('Contributors', String(f.n_contributors))}${stat('Quotes', String(f.n_quotes))}
${stat('Excluded contributors', String(f.n_excluded))}${stat('Window', `${f.window_days} day${f.window_days > 1 ? 's' : ''}`)}
${stat('Min', money(f.min))}${stat('p25 – p75', f.p25 === null ? '—' : `${formatValue(f.p25, unit)} – ${money(f.p75)}`)}${stat('Max', money(f.max))}
${stat('HHI (provider concentration, 0–1)', formatRatio(f.hhi))}${stat('Max provider impact', money(f.max_provider_impact))}
${stat('Level', f.level === null ? '—' : formatValue(f.level, unit))}${stat('Revision', `${f.revision}, published ${formatTime(f.published_at)}`)}
${stat('Methodology version', String(f.methodology_version))}${stat('Hash', f.hash)}</dl>`
}

function constituentsTable (rows: Constituents, unit: string): Markup {
  if (!rows.length) return html`<p class="muted">No contributor quoted in the window.</p>`
  const segments = (s: Record<string, number>) => Object.entries(s).map(([k, v]) => `${k} ${formatValue(v, unit)}`).join(', ')
  return html`<div class="scroll"><table class="cards"><thead><tr><th scope="col">Provider</th><th scope="col">Product</th><th scope="col" class="num">Price (${unit})</th>
<th scope="col">Segments</th><th scope="col" class="num">Quotes</th><th scope="col">In the index</th></tr></thead><tbody>
${rows.map((c) => html`<tr><td data-label="Provider">${c.provider}</td><td data-label="Product">${c.product}</td>
<td class="num" data-label="Price">${formatValue(c.value, unit)}</td><td data-label="Segments">${segments(c.segments)}</td>
<td class="num" data-label="Quotes">${c.n_quotes}</td>
<td class="${c.excluded ? 'excluded' : 'ok'}" data-label="In the index">${c.excluded ? `excluded: ${c.reason === 'incomplete_blend' ? 'incomplete blend' : c.reason}` : 'included'}</td></tr>`)}
</tbody></table></div>`
}

function chart (p: IndexPage, width: number, height: number): Markup {
  return new Markup(renderChart(p.history, { width, height, title: `${p.definition.code} daily fixings`, unit: p.definition.unit }))
}

export function indexPage (p: IndexPage, href: Href, chartSrc: string, curve?: string): string {
  const d = p.definition
  const f = p.latest
  const code = d.code
  const headline = f
    ? html`<div class="headline"><span class="value" data-testid="latest-value">${f.value === null ? 'no value' : formatValue(f.value, d.unit)}</span>
<span>${d.unit} on <strong>${f.date}</strong></span><span class="${f.status}">${STATUS_TEXT[f.status]}</span></div>
<p>Change over 1 day: ${changeSpan(p.summary.change1d, d.unit)} · over 30 days: ${changeSpan(p.summary.change30d, d.unit)}</p>`
    : html`<p>No fixing has been published for this index yet.</p>`
  const body = html`<main>${demoNotice(p.summary.demo)}<h1>${d.name} <span class="muted">(${code})</span></h1><p>${d.description}</p>
${headline}${staleNotice(p.summary.stale)}
${curve ? html`<p data-testid="curve-link">Part of the <a href="${href(`/curves/${curve}`)}">${curve} term curve</a>: spot and reserved prices by term on one day.</p>` : ''}
<h2>History</h2>
<figure class="chart" data-testid="chart"><div class="chart-wide">${chart(p, 1040, 380)}</div><div class="chart-narrow">${chart(p, 340, 260)}</div>
<figcaption class="muted">Daily values of the newest revision${p.history.length ? `, ${p.history[0]!.date} to ${p.history.at(-1)!.date}` : ''}; days without a value are gaps; restated days are ringed. <a href="${chartSrc}">This chart as SVG</a>.</figcaption></figure>
${f
  ? html`<h2>Latest fixing: ${f.date}</h2>${statistics(f, d.unit)}
<h2>Constituents on ${f.date}</h2>${constituentsTable(p.constituents, d.unit)}`
  : ''}
<h2>Methodology (version ${d.methodology_version})</h2>
<ul>${methodologySentences(d).map((s) => html`<li>${s}</li>`)}</ul>
<h2>Downloads</h2><ul class="links">
<li><a href="${href(`/v1/indices/${code}/values.csv`)}">History as CSV</a> (oldest first, the whole history in one file)</li>
<li><a href="${href(`/v1/indices/${code}/values`)}">History as JSON</a></li>
<li><a href="${href(`/v1/indices/${code}/latest`)}">Latest fixing as JSON</a></li>
${f ? html`<li><a href="${href(`/v1/indices/${code}/values/${f.date}`, { include: 'constituents' })}">The ${f.date} fixing with its constituents (JSON)</a></li>` : ''}
<li><a href="${href(`/v1/indices/${code}`)}">Definition and methodology as JSON</a></li>
<li><a href="${href(`/embed/${code}`)}">Embeddable widget</a></li></ul></main>`
  return page({
    title: `${code}: ${d.name} · CPX`,
    description: `${d.name}: daily index in ${d.unit}`,
    css: PAGE_CSS,
    header: siteHeader(href),
    body,
  })
}
