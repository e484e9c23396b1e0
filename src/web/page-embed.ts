import { direction, formatChange, withUnit } from './format.ts'
import { html } from './html.ts'
import { EMBED_CSS, page } from './layout.ts'
import type { IndexSummary } from './page-data.ts'
import { type Href, sparkline, STATUS_TEXT } from './page-home.ts'

/** The iframe widget: the index, its latest value with unit and date, the 1-day change and a 30-day sparkline. */
export function embedPage (s: IndexSummary, href: Href): string {
  const d = s.definition
  const f = s.latest
  const body = html`<div class="widget">
<p class="name"><a href="${href(`/indices/${d.code}`)}" target="_blank" rel="noopener">${d.code}</a> <span class="muted">${d.name}</span></p>
${f
  ? html`<div class="row"><span class="value" data-testid="latest-value">${withUnit(f.value, d.unit)}</span></div>
<div class="row"><span class="muted">${f.date} (UTC)</span><span class="${direction(s.change1d, d.unit)}">1 day ${formatChange(s.change1d, d.unit)}</span>
${f.status === 'ok' ? '' : html`<span class="${f.status}">${STATUS_TEXT[f.status]}</span>`}</div>`
  : html`<p class="muted">No fixing published yet.</p>`}
<div class="row">${sparkline(s, 200, 40)}<span class="muted">30 days · CPX</span></div>
${s.demo ? html`<p class="notice" role="note" data-testid="demo-notice"><strong>Demo data</strong>: synthetic, not real prices.</p>` : ''}
${s.stale ? html`<p class="notice" role="note" data-testid="stale-notice">Stale sources: no feed behind this value has refreshed.</p>` : ''}</div>`
  return page({ title: `${d.code} · CPX`, description: `${d.name}: latest value`, css: EMBED_CSS, body })
}
