import { dateOfDay, dayNumber, formatValue } from './format.ts'
import { escapeText as esc } from './html.ts'

// Hand-made SVG charts: a line of the published daily values on a day axis, gaps where a day has no
// value, revised days ringed. Presentation attributes only (no <style>, no script): the same markup is
// a standalone image (chart.svg), inline in the pages under a strict CSP, and legible on a slide.

export interface ChartPoint { date: string, value: number | null, revision: number }
export interface ChartOptions {
  width: number
  height: number
  title: string
  unit: string
  /** the range asked for; defaults to the first and last point */
  from?: string
  to?: string
}

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
export const INK = '#1a1a1a' // 17:1 on white
export const MUTED = '#4d4d4d' // 8.5:1
export const GRID = '#d9d9d9'
export const LINE = '#1f4e9c' // 8.0:1
const REVISED = '#a64b00' // 5.8:1

export const r1 = (n: number) => Math.round(n * 10) / 10

/** 1, 2, 2.5 or 5 × a power of ten, near `raw` (up to a quarter below it: a tick more rather than half as many). */
function niceStep (raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw))
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= raw * 0.75) ?? 10) * p
}

export function valueTicks (lo: number, hi: number, wanted: number): { ticks: number[], decimals: number } {
  const step = niceStep((hi - lo) / Math.max(1, wanted))
  const exp = Math.floor(Math.log10(step))
  const decimals = Math.max(0, -exp + (Math.abs(step / 10 ** exp - 2.5) < 1e-9 ? 1 : 0))
  const ticks: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(decimals + 2)))
  return { ticks, decimals }
}

/** Day ticks (every 1, 2, 7, 14 days), then month starts (every 1, 2, 3, 6 months), then years. */
function dayTicks (d0: number, d1: number, maxTicks: number): number[] {
  for (const step of [1, 2, 7, 14]) {
    if ((d1 - d0) / step + 1 <= maxTicks) return Array.from({ length: Math.floor((d1 - d0) / step) + 1 }, (_, i) => d0 + i * step)
  }
  for (const months of [1, 2, 3, 6, 12, 24, 60, 120]) {
    const ticks: number[] = []
    const start = new Date(dateOfDay(d0) + 'T00:00:00Z')
    for (let m = start.getUTCFullYear() * 12 + start.getUTCMonth(); ; m++) {
      const day = dayNumber(`${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-01`)
      if (day > d1) break
      if (day >= d0 && m % months === 0) ticks.push(day)
    }
    if (ticks.length <= maxTicks) return ticks
  }
  return [d0, d1]
}

/** The polyline of the values as path data: a new subpath after each day without a value. */
function linePath (points: ChartPoint[], x: (p: ChartPoint) => number, y: (v: number) => number): { d: string, isolated: ChartPoint[] } {
  let d = ''
  const isolated: ChartPoint[] = []
  points.forEach((p, i) => {
    if (p.value === null) return
    const prev = points[i - 1]
    const next = points[i + 1]
    const starts = !prev || prev.value === null || dayNumber(p.date) - dayNumber(prev.date) > 1
    if (starts && (!next || next.value === null || dayNumber(next.date) - dayNumber(p.date) > 1)) isolated.push(p)
    d += `${starts ? 'M' : 'L'}${r1(x(p))},${r1(y(p.value))}`
  })
  return { d, isolated }
}

/** A self-contained chart with title, unit, value and date axes. `points` oldest first, one per day. */
export function renderChart (points: ChartPoint[], o: ChartOptions): string {
  const values = points.filter((p): p is ChartPoint & { value: number } => p.value !== null)
  const last = values.at(-1)
  const revised = points.filter((p) => p.revision > 1 && p.value !== null)
  const facts = [o.unit, last && `last ${formatValue(last.value, o.unit)} on ${last.date}`, revised.length ? `${revised.length} revised day${revised.length > 1 ? 's' : ''} ringed` : ''].filter(Boolean)
  // A narrow chart (a phone) gives each fact its own line rather than cutting the sentence off.
  const subtitles = o.width < 560 ? facts : [facts.join(' · ')]
  const label = `${o.title}, ${o.unit}: ${values.length} daily values${points.length ? ` from ${points[0]!.date} to ${points.at(-1)!.date}` : ''}${last ? `; last ${formatValue(last.value, o.unit)} on ${last.date}` : ''}`
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}" viewBox="0 0 ${o.width} ${o.height}" role="img" aria-label="${esc(label)}" font-family="${esc(FONT)}" font-size="12">` +
    `<title>${esc(label)}</title><rect width="100%" height="100%" fill="#ffffff"/>` +
    `<text x="12" y="20" font-size="14" font-weight="600" fill="${INK}">${esc(o.title)}</text>` +
    subtitles.map((line, i) => `<text x="12" y="${38 + i * 16}" fill="${MUTED}">${esc(line as string)}</text>`).join('')
  const top = 52 + (subtitles.length - 1) * 16
  const bottom = o.height - 28
  if (!values.length) {
    return head + `<text x="${o.width / 2}" y="${(top + bottom) / 2}" text-anchor="middle" fill="${MUTED}">No published values in this range</text></svg>`
  }

  let lo = Math.min(...values.map((p) => p.value))
  let hi = Math.max(...values.map((p) => p.value))
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.02, 0.01)
  lo -= pad
  hi += pad
  const { ticks: yTicks, decimals } = valueTicks(lo, hi, Math.max(2, Math.floor((bottom - top) / 48)))
  const yLabel = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })
  const left = 16 + Math.max(...yTicks.map((v) => yLabel(v).length)) * 7.2
  const right = o.width - 16
  const d0 = dayNumber(o.from ?? points[0]!.date)
  const d1 = Math.max(dayNumber(o.to ?? points.at(-1)!.date), d0 + 1)
  const x = (p: ChartPoint) => left + ((dayNumber(p.date) - d0) / (d1 - d0)) * (right - left)
  const y = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top)

  let out = head
  for (const v of yTicks) {
    const ty = r1(y(v))
    out += `<line x1="${r1(left)}" x2="${right}" y1="${ty}" y2="${ty}" stroke="${GRID}" stroke-width="1"/>` +
      `<text x="${r1(left - 6)}" y="${ty + 4}" text-anchor="end" fill="${MUTED}">${yLabel(v)}</text>`
  }
  const xTicks = dayTicks(d0, d1, Math.max(2, Math.floor((right - left) / 96)))
  for (const day of xTicks) {
    const tx = r1(x({ date: dateOfDay(day), value: null, revision: 1 }))
    const anchor = tx - left < 36 ? 'start' : right - tx < 36 ? 'end' : 'middle'
    out += `<line x1="${tx}" x2="${tx}" y1="${bottom}" y2="${bottom + 5}" stroke="${MUTED}" stroke-width="1"/>` +
      `<text x="${tx}" y="${bottom + 19}" text-anchor="${anchor}" fill="${MUTED}">${dateOfDay(day)}</text>`
  }
  out += `<line x1="${r1(left)}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="${MUTED}" stroke-width="1"/>`
  const { d, isolated } = linePath(points, x, y)
  out += `<path class="series" d="${d}" fill="none" stroke="${LINE}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`
  for (const p of isolated) out += `<circle cx="${r1(x(p))}" cy="${r1(y(p.value!))}" r="2.5" fill="${LINE}"/>`
  for (const p of revised) {
    out += `<circle class="revised" cx="${r1(x(p))}" cy="${r1(y(p.value!))}" r="5" fill="none" stroke="${REVISED}" stroke-width="2">` +
      `<title>${p.date}: revision ${p.revision}, ${esc(formatValue(p.value, o.unit))} ${esc(o.unit)}</title></circle>`
  }
  out += `<circle class="last" cx="${r1(x(last!))}" cy="${r1(y(last!.value))}" r="3.5" fill="${LINE}"/>`
  return out + '</svg>'
}

/** A small trend line without axes, for tables and the embed widget. */
export function renderSparkline (points: ChartPoint[], o: { width: number, height: number, label: string }): string {
  const values = points.filter((p) => p.value !== null) as (ChartPoint & { value: number })[]
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}" viewBox="0 0 ${o.width} ${o.height}" role="img" aria-label="${esc(o.label)}">`
  if (values.length < 2) return head + '</svg>'
  const lo = Math.min(...values.map((p) => p.value))
  const hi = Math.max(...values.map((p) => p.value))
  const d0 = dayNumber(points[0]!.date)
  const span = Math.max(1, dayNumber(points.at(-1)!.date) - d0)
  const x = (p: ChartPoint) => 3 + ((dayNumber(p.date) - d0) / span) * (o.width - 6)
  const y = (v: number) => hi === lo ? o.height / 2 : o.height - 3 - ((v - lo) / (hi - lo)) * (o.height - 6)
  const { d } = linePath(points, x, y)
  const last = values.at(-1)!
  return head + `<path class="series" d="${d}" fill="none" stroke="${LINE}" stroke-width="1.5" stroke-linejoin="round"/>` +
    `<circle cx="${r1(x(last))}" cy="${r1(y(last.value))}" r="2.5" fill="${LINE}"/></svg>`
}
