import type { BasketPage } from './basket-page-data.ts'
import { renderChart, renderSparkline } from './chart-svg.ts'
import { direction, formatChange, formatValue, withUnit } from './format.ts'
import { html, Markup } from './html.ts'
import { EMBED_CSS, page, PAGE_CSS } from './layout.ts'
import { changeSpan, demoNotice, type Href, siteHeader } from './page-home.ts'

// The basket page (/baskets/{code}) and its widget (/embed/baskets/{code}): value, changes, chart and
// components of GET /v1/baskets/{code}/values, at the unit's display scale (2 decimals: points or USD).

const componentHref = (href: Href, c: { code: string, kind: string }) => href(c.kind === 'basket' ? `/baskets/${c.code}` : `/indices/${c.code}`)

function componentsTable (p: BasketPage, href: Href): Markup {
  const v = p.basket.versions.at(-1)!
  const dayValue = (code: string) => p.latest?.inputs.find((i) => i.code === code && (i.role ?? 'day') === 'day' && i.kind !== 'link')?.value
  return html`<p>Version ${v.version}, in force from ${v.effective_from} (${v.mode === 'percent' ? 'percentage weights' : 'quantities'}): ${v.reason}.</p>
<div class="scroll"><table class="cards" data-testid="components"><thead><tr><th scope="col">Component</th><th scope="col" class="num">${v.mode === 'percent' ? 'Weight' : 'Quantity'}</th>
<th scope="col" class="num">Value${p.latest ? ` on ${p.latest.date}` : ''}</th></tr></thead><tbody>
${v.components.map((c) => html`<tr><td data-label="Component"><a class="code" href="${componentHref(href, c)}">${c.code}</a>${c.kind === 'basket' ? ' (basket)' : ''}</td>
<td class="num" data-label="${v.mode === 'percent' ? 'Weight' : 'Quantity'}">${v.mode === 'percent' ? `${c.amount}%` : `${Number(c.amount).toLocaleString('en-US', { maximumFractionDigits: 12 })} ${c.unit}`}</td>
<td class="num" data-label="Value">${dayValue(c.code) === undefined ? '—' : formatValue(dayValue(c.code), c.kind === 'basket' ? p.basket.unit : c.unit === '1M tokens' ? 'USD/1M tokens' : 'USD/GPU-hour')}</td></tr>`)}
</tbody></table></div>`
}

function monthsTable (p: BasketPage): Markup {
  if (!p.months.length) return html``
  const u = p.basket.unit
  return html`<h2>Monthly averages</h2><div class="scroll"><table class="cards" data-testid="months"><thead><tr><th scope="col">Month</th><th scope="col" class="num">Average</th>
<th scope="col" class="num">Min</th><th scope="col" class="num">Max</th><th scope="col" class="num">Days ok</th><th scope="col" class="num">Days without a value</th></tr></thead><tbody>
${p.months.map((m) => html`<tr><td data-label="Month">${m.month}</td><td class="num" data-label="Average">${formatValue(m.average, u)}</td>
<td class="num" data-label="Min">${formatValue(m.min, u)}</td><td class="num" data-label="Max">${formatValue(m.max, u)}</td>
<td class="num" data-label="Days ok">${m.n_days}</td><td class="num" data-label="Days without a value">${m.n_failed}</td></tr>`)}</tbody></table></div>`
}

const failedNote = (p: BasketPage) => p.last && p.last.status !== 'ok'
  ? html`<p class="notice" role="note" data-testid="failed-notice">${p.last.date}: no value yet (${p.last.status === 'component_failed' ? `component${p.last.failed.length > 1 ? 's' : ''} without an ok fixing: ${p.last.failed.join(', ')}` : p.last.status}).</p>`
  : ''

function chart (p: BasketPage, width: number, height: number): Markup {
  return new Markup(renderChart(p.history, { width, height, title: `${p.basket.code} daily values`, unit: p.basket.unit }))
}

export function basketPage (p: BasketPage, href: Href): string {
  const { basket: b, latest: l } = p
  const range = p.history.length ? { from: p.history[0]!.date, to: p.history.at(-1)!.date } : undefined
  const headline = l
    ? html`<div class="headline"><span class="value" data-testid="latest-value">${formatValue(l.value, b.unit)}</span><span>${b.unit} on <strong>${l.date}</strong></span><span class="ok">ok</span></div>
<p>Change over 1 day: ${changeSpan(p.change1d, b.unit)} · over 30 days: ${changeSpan(p.change30d, b.unit)}</p>`
    : html`<p>This basket has no value yet: no day on which every component has an ok fixing.</p>`
  const body = html`<main>${demoNotice(p.demo)}<h1>${b.name} <span class="muted">(${b.code}, basket)</span></h1>
<p>A basket valued daily from the published indices of its components, in ${b.unit === 'points' ? 'points (percentage weights, rebased to its base value on its base day)' : 'USD (quantities × the day\'s index values)'}.</p>
${headline}${failedNote(p)}
<h2>History</h2>
<figure class="chart" data-testid="chart"><div class="chart-wide">${chart(p, 1040, 380)}</div><div class="chart-narrow">${chart(p, 340, 260)}</div>
<figcaption class="muted">Daily values${range ? `, ${range.from} to ${range.to}` : ''}; a day on which a component has no ok fixing is a gap. <a href="${href(`/v1/baskets/${b.code}/chart.svg`, range ?? {})}">This chart as SVG</a>.</figcaption></figure>
<h2>Components</h2>${componentsTable(p, href)}
${monthsTable(p)}
<h2>Downloads</h2><ul class="links">
<li><a href="${href(`/v1/baskets/${b.code}/values.csv`, range ?? {})}">Daily values as CSV</a> (with the fixings used and each day's hash)</li>
<li><a href="${href(`/v1/baskets/${b.code}/values`, range ?? {})}">Daily values as JSON</a></li>
<li><a href="${href(`/v1/baskets/${b.code}/averages`, range ?? {})}">Monthly averages as JSON</a> (add compare=YYYY-MM for the budget view)</li>
<li><a href="${href(`/v1/baskets/${b.code}`)}">Definition and every version as JSON</a></li>
<li><a href="${href(`/embed/baskets/${b.code}`)}">Embeddable widget</a></li></ul></main>`
  return page({ title: `${b.code}: ${b.name} · CPX`, description: `${b.name}: basket valued daily in ${b.unit}`, css: PAGE_CSS, header: siteHeader(href), body })
}

export function basketEmbed (p: BasketPage, href: Href): string {
  const { basket: b, latest: l } = p
  const recent = l ? p.history.slice(-31) : []
  const spark = new Markup(renderSparkline(recent, { width: 200, height: 40, label: l ? `Trend to ${l.date}: ${withUnit(l.value, b.unit)}` : 'No trend: too few values' }))
  const body = html`<div class="widget">
<p class="name"><a href="${href(`/baskets/${b.code}`)}" target="_blank" rel="noopener">${b.code}</a> <span class="muted">${b.name}</span></p>
${l
  ? html`<div class="row"><span class="value" data-testid="latest-value">${withUnit(l.value, b.unit)}</span></div>
<div class="row"><span class="muted">${l.date} (UTC)</span><span class="${direction(p.change1d, b.unit)}">1 day ${formatChange(p.change1d, b.unit)}</span></div>`
  : html`<p class="muted">No value yet.</p>`}
<div class="row">${spark}<span class="muted">30 days · CPX basket</span></div>
${p.demo ? html`<p class="notice" role="note" data-testid="demo-notice"><strong>Demo data</strong>: synthetic, not real prices.</p>` : ''}</div>`
  return page({ title: `${b.code} · CPX`, description: `${b.name}: latest value`, css: EMBED_CSS, body })
}
