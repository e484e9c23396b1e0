// How figures read on the pages: every value and change of one index with the same fixed number of
// decimals, its display scale (from its unit, below), with thousands separators and the unit; dates as
// YYYY-MM-DD (UTC), like the API. The JSON API and CSV keep the published decimals (up to 6).

/**
 * Display scale per unit (docs/embedding.md, "Decimals on the pages"): 4 decimals for USD per GPU-hour
 * and USD per 1M tokens (the cheapest models cost a few hundredths of a dollar per 1M tokens, and a
 * GPU-hour moves by tenths of a cent); 2 for anything else (basket values, levels on a base of 100).
 */
export const DISPLAY_DECIMALS: Readonly<Record<string, number>> = { 'USD/GPU-hour': 4, 'USD/1M tokens': 4 }
export const displayDecimals = (unit: string): number => DISPLAY_DECIMALS[unit] ?? 2

const formats = new Map<number, Intl.NumberFormat>()
function numberFormat (decimals: number): Intl.NumberFormat {
  let f = formats.get(decimals)
  if (!f) formats.set(decimals, f = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }))
  return f
}
const PERCENT = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' })
const RATIO = new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 4 })

/** A value of an index (or basket) in `unit`, at that unit's display scale: "2.9450". */
export const formatValue = (n: number | null | undefined, unit: string): string => n === null || n === undefined ? '—' : numberFormat(displayDecimals(unit)).format(n)
export const formatRatio = (n: number | null | undefined): string => n === null || n === undefined ? '—' : RATIO.format(n)

/** "2.9450 USD/GPU-hour", or "no value" when the figure is null. */
export const withUnit = (n: number | null | undefined, unit: string): string => n === null || n === undefined ? 'no value' : `${formatValue(n, unit)} ${unit}`

export interface Change { abs: number, pct: number | null }

/**
 * The change from `before` to `now`. Both are published 6-decimal figures: subtracted as whole
 * millionths, so the difference is exact (no 0.1 + 0.2 artefacts); the percentage is for display only.
 */
export function change (now: number | null | undefined, before: number | null | undefined): Change | null {
  if (now === null || now === undefined || before === null || before === undefined) return null
  const micro = Math.round(now * 1e6) - Math.round(before * 1e6)
  return { abs: micro / 1e6, pct: before === 0 ? null : (micro / Math.round(before * 1e6)) * 100 }
}

/** "+0.0138 (+1.17%)", "±0.0000 (0.00%)": the change at the unit's display scale, the percentage at 2. */
export function formatChange (c: Change | null, unit: string): string {
  if (!c) return '—'
  const sign = shownAbs(c, unit) === 0 ? '±' : c.abs > 0 ? '+' : '−'
  return `${sign}${formatValue(Math.abs(c.abs), unit)}${c.pct === null ? '' : ` (${shownPct(c.pct)}%)`}`
}

/** The change as shown at the unit's display scale: a change below the scale reads ±0.0000. */
const shownAbs = (c: Change, unit: string) => Number(Math.abs(c.abs).toFixed(displayDecimals(unit)))
/** The percentage at 2 decimals; one that rounds to zero is 0.00, never −0.00. */
const shownPct = (pct: number) => { const t = PERCENT.format(pct); return /^-?0\.00$/.test(t) ? '0.00' : t.replace('-', '−') }

/** The colour of a change: flat when it reads as no change (±0.0000 and 0.00%), so a change below the scale is never green or red. */
export const direction = (c: Change | null, unit: string): 'up' | 'down' | 'flat' =>
  !c || c.abs === 0 || (shownAbs(c, unit) === 0 && (c.pct === null || shownPct(c.pct) === '0.00')) ? 'flat' : c.abs > 0 ? 'up' : 'down'

const DAY_MS = 86_400_000
/** Whole days since 1970-01-01 of a YYYY-MM-DD date, and back. */
export const dayNumber = (date: string): number => Math.round(Date.parse(date + 'T00:00:00Z') / DAY_MS)
export const dateOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10)
export const addDays = (date: string, days: number): string => dateOfDay(dayNumber(date) + days)

/** "2026-11-03 00:15 UTC" from an RFC 3339 time. */
export const formatTime = (t: string): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
