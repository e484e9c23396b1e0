import { FONT, GRID, INK, LINE, MUTED, r1, valueTicks } from './chart-svg.ts'
import { formatValue } from './format.ts'
import { escapeText as esc } from './html.ts'

// The term curve as an SVG chart, in the look of the daily charts (chart-svg.ts): x = term in months on
// a linear axis (1 to 36), y = USD per GPU-hour, the spot value as a dashed reference line. A term
// without a value (insufficient_data, or no fixing) is a gap in the line, marked by a dashed vertical
// line at its term and named in the subtitle: never drawn as zero, never interpolated.

export interface CurveChartPoint { term_months: number, value: number | null }
export interface CurveChartOptions { width: number, height: number, title: string, unit: string, date: string }

const SPOT = '#6b6b6b'
const months = (n: number) => `${n} month${n === 1 ? '' : 's'}`

export function renderCurveChart (points: CurveChartPoint[], o: CurveChartOptions): string {
  const spot = points.find((p) => p.term_months === 0)?.value ?? null
  const terms = points.filter((p) => p.term_months > 0)
  const gaps = terms.filter((p) => p.value === null)
  const valued = terms.filter((p): p is CurveChartPoint & { value: number } => p.value !== null)
  const facts = [`${o.unit} on ${o.date}`, spot === null ? 'no spot value' : `spot ${formatValue(spot, o.unit)}`,
    gaps.length ? `no value at ${gaps.map((p) => `${p.term_months}`).join(', ')} months (gaps)` : ''].filter(Boolean)
  const subtitles = o.width < 560 ? facts : [facts.join(' · ')]
  const label = `${o.title} on ${o.date}, ${o.unit}: spot ${spot === null ? 'no value' : formatValue(spot, o.unit)}; ` +
    terms.map((p) => `${months(p.term_months)} ${p.value === null ? 'no value' : formatValue(p.value, o.unit)}`).join(', ')
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}" viewBox="0 0 ${o.width} ${o.height}" role="img" aria-label="${esc(label)}" font-family="${esc(FONT)}" font-size="12">` +
    `<title>${esc(label)}</title><rect width="100%" height="100%" fill="#ffffff"/>` +
    `<text x="12" y="20" font-size="14" font-weight="600" fill="${INK}">${esc(o.title)}</text>` +
    subtitles.map((line, i) => `<text x="12" y="${38 + i * 16}" fill="${MUTED}">${esc(line)}</text>`).join('')
  const top = 52 + (subtitles.length - 1) * 16
  const bottom = o.height - 42
  const all = [...valued.map((p) => p.value), ...(spot === null ? [] : [spot])]
  if (!all.length) return out + `<text x="${o.width / 2}" y="${(top + bottom) / 2}" text-anchor="middle" fill="${MUTED}">No published values on this day</text></svg>`

  let lo = Math.min(...all)
  let hi = Math.max(...all)
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.02, 0.01)
  lo -= pad
  hi += pad
  const { ticks, decimals } = valueTicks(lo, hi, Math.max(2, Math.floor((bottom - top) / 48)))
  const yLabel = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })
  const left = 16 + Math.max(...ticks.map((v) => yLabel(v).length)) * 7.2
  const right = o.width - 16
  const t1 = Math.max(36, ...terms.map((p) => p.term_months))
  const x = (term: number) => left + ((term - 1) / (t1 - 1)) * (right - left)
  const y = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top)

  for (const v of ticks) {
    const ty = r1(y(v))
    out += `<line x1="${r1(left)}" x2="${right}" y1="${ty}" y2="${ty}" stroke="${GRID}" stroke-width="1"/>` +
      `<text x="${r1(left - 6)}" y="${ty + 4}" text-anchor="end" fill="${MUTED}">${yLabel(v)}</text>`
  }
  for (const p of terms) {
    const tx = r1(x(p.term_months))
    out += `<line x1="${tx}" x2="${tx}" y1="${bottom}" y2="${bottom + 5}" stroke="${MUTED}" stroke-width="1"/>` +
      `<text x="${tx}" y="${bottom + 18}" text-anchor="middle" fill="${MUTED}">${p.term_months}</text>`
  }
  out += `<text x="${r1((left + right) / 2)}" y="${bottom + 34}" text-anchor="middle" fill="${MUTED}">term (months)</text>` +
    `<line x1="${r1(left)}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="${MUTED}" stroke-width="1"/>`
  for (const p of gaps) {
    const tx = r1(x(p.term_months))
    out += `<line class="gap" x1="${tx}" x2="${tx}" y1="${top}" y2="${bottom}" stroke="${MUTED}" stroke-width="1" stroke-dasharray="2 4"><title>${months(p.term_months)}: no value (insufficient data)</title></line>`
  }
  if (spot !== null) {
    const sy = r1(y(spot))
    out += `<line class="spot" x1="${r1(left)}" x2="${right}" y1="${sy}" y2="${sy}" stroke="${SPOT}" stroke-width="1.5" stroke-dasharray="6 4"/>` +
      `<text x="${right - 4}" y="${sy - 6}" text-anchor="end" fill="${MUTED}">spot ${esc(formatValue(spot, o.unit))}</text>`
  }
  // A new subpath after every term without a value: the line never bridges a gap.
  let d = ''
  terms.forEach((p, i) => {
    if (p.value === null) return
    d += `${i === 0 || terms[i - 1]!.value === null ? 'M' : 'L'}${r1(x(p.term_months))},${r1(y(p.value))}`
  })
  out += `<path class="series" d="${d}" fill="none" stroke="${LINE}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`
  for (const p of valued) {
    out += `<circle class="term" cx="${r1(x(p.term_months))}" cy="${r1(y(p.value))}" r="3.5" fill="${LINE}"><title>${months(p.term_months)}: ${esc(formatValue(p.value, o.unit))} ${esc(o.unit)}</title></circle>`
  }
  return out + '</svg>'
}
