import { type Kysely, sql } from 'kysely'
import type { Schema } from '../db/schema.ts'
import { listCurves, readCurve } from '../domain/curves.ts'
import { formatTime, formatValue, withUnit } from './format.ts'
import { html, Markup } from './html.ts'
import { page, PAGE_CSS } from './layout.ts'
import { renderCurveChart } from './curve-chart-svg.ts'
import { demoFixings } from './page-data.ts'
import { demoNotice, type Href, siteHeader, STATUS_TEXT } from './page-home.ts'

// The GPU page (/curves/{gpu}): the latest term curve as a chart and a table of its points, each point
// a link to its own index page. Figures are GET /v1/curves/{gpu}'s, at the unit's display scale.

type Db = Kysely<Schema>
type Curve = Awaited<ReturnType<typeof readCurve>>
export interface CurvePage { curve: Curve, demo: boolean }

export async function loadCurvePage (db: Db, gpu: string): Promise<CurvePage> {
  const curve = await readCurve(db, gpu, undefined, undefined)
  const read = curve.points.filter((p) => p.revision !== null)
  const ids = read.length
    ? (await sql<{ id: number }>`select id from fixings where date = ${curve.date}::date and (index_code, revision) in (${sql.join(read.map((p) => sql`(${p.index_code}, ${p.revision})`))})`.execute(db)).rows.map((r) => Number(r.id))
    : []
  return { curve, demo: (await demoFixings(db, ids)).size > 0 }
}

/** The curve a GPU index belongs to (as its spot point or one of its terms), for a link from its page. */
export async function curveOfIndex (db: Db, code: string): Promise<string | undefined> {
  return (await listCurves(db)).data.find((c) => c.spot === code || c.terms.some((t) => t.index_code === code))?.gpu
}

const termName = (n: number) => n === 0 ? 'Spot (on demand)' : `${n} month${n === 1 ? '' : 's'}`
const pct = (s: string | null) => s === null ? '—' : `${s.startsWith('-') ? '−' : Number(s) === 0 ? '±' : '+'}${s.replace('-', '')}%`

function chart (c: Curve, width: number, height: number): Markup {
  return new Markup(renderCurveChart(c.points, { width, height, title: `${c.gpu} term curve`, unit: c.unit, date: c.date }))
}

function pointsTable (c: Curve, href: Href): Markup {
  return html`<div class="scroll"><table class="cards" data-testid="curve-points"><thead><tr><th scope="col">Term</th><th scope="col">Index</th>
<th scope="col" class="num">Value (${c.unit})</th><th scope="col" class="num">Premium to spot</th><th scope="col">Status</th><th scope="col">Revision</th></tr></thead><tbody>
${c.points.map((p) => html`<tr><td data-label="Term">${termName(p.term_months)}</td>
<td data-label="Index"><a class="code" href="${href(`/indices/${p.index_code}`)}">${p.index_code}</a></td>
<td class="num" data-label="Value">${formatValue(p.value, c.unit)}</td><td class="num" data-label="Premium">${p.term_months === 0 ? '—' : pct(p.premium_pct)}</td>
<td class="${p.status}" data-label="Status">${STATUS_TEXT[p.status]}${p.revision === null ? ', no fixing' : ''}</td>
<td data-label="Revision">${p.revision === null ? '—' : `${p.revision}, ${formatTime(p.published_at!)}`}</td></tr>`)}
</tbody></table></div>`
}

export function curvePage ({ curve: c, demo }: CurvePage, href: Href): string {
  const spot = c.points.find((p) => p.term_months === 0)
  const body = html`<main>${demoNotice(demo)}<h1>${c.gpu} term curve <span class="muted">(${c.date})</span></h1>
<p>What committing to an ${c.gpu} costs on each standard reservation term against on demand, on one day: every point is a daily index of its own (reserved quotes of that term only), fixed by methodology v1. A term without enough quotes has no value: it is a gap, never interpolated.</p>
<div class="headline"><span class="value" data-testid="spot-value">${spot?.value == null ? 'no value' : formatValue(spot.value, c.unit)}</span><span>${c.unit} spot on <strong>${c.date}</strong></span></div>
<h2>Curve on ${c.date}</h2>
<figure class="chart" data-testid="chart"><div class="chart-wide">${chart(c, 1040, 380)}</div><div class="chart-narrow">${chart(c, 340, 280)}</div>
<figcaption class="muted">Term in months against ${c.unit}; the dashed line is spot; dotted lines mark terms without a value. <a href="${href(`/v1/curves/${c.gpu}/chart.svg`)}">This chart as SVG</a>.</figcaption></figure>
<h2>Points</h2>${pointsTable(c, href)}
<p class="muted">Premium = value ÷ spot − 1 (negative: a discount to on demand). A term's history is its index's history.</p>
<h2>Downloads</h2><ul class="links">
<li><a href="${href(`/v1/curves/${c.gpu}`)}">This curve as JSON</a> (<a href="${href(`/v1/curves/${c.gpu}/${c.date}`)}">fixed day ${c.date}</a>; add as_of= for a curve as published then)</li>
${c.points.map((p) => html`<li><a href="${href(`/v1/indices/${p.index_code}/values`, { format: 'csv' })}">${p.index_code} history as CSV</a></li>`)}</ul></main>`
  return page({
    title: `${c.gpu} term curve · CPX`,
    description: `${c.gpu}: reserved prices by term against on demand, ${withUnit(spot?.value, c.unit)} spot`,
    css: PAGE_CSS,
    header: siteHeader(href),
    body,
  })
}
