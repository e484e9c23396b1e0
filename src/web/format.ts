// How figures read on the pages: published values as they are (at most 6 decimals, at least 2), with
// thousands separators and their unit; dates as YYYY-MM-DD (UTC), like the API.

const NUMBER = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 })
const PERCENT = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' })
const RATIO = new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 4 })

export const formatValue = (n: number | null | undefined): string => n === null || n === undefined ? '—' : NUMBER.format(n)
export const formatRatio = (n: number | null | undefined): string => n === null || n === undefined ? '—' : RATIO.format(n)

/** "2.945 USD/GPU-hour", or "no value" when the figure is null. */
export const withUnit = (n: number | null | undefined, unit: string): string => n === null || n === undefined ? 'no value' : `${NUMBER.format(n)} ${unit}`

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

export function formatChange (c: Change | null): string {
  if (!c) return '—'
  const sign = c.abs > 0 ? '+' : c.abs < 0 ? '−' : '±'
  return `${sign}${NUMBER.format(Math.abs(c.abs))}${c.pct === null ? '' : ` (${PERCENT.format(c.pct).replace('-', '−')}%)`}`
}

export const direction = (c: Change | null): 'up' | 'down' | 'flat' => !c || c.abs === 0 ? 'flat' : c.abs > 0 ? 'up' : 'down'

const DAY_MS = 86_400_000
/** Whole days since 1970-01-01 of a YYYY-MM-DD date, and back. */
export const dayNumber = (date: string): number => Math.round(Date.parse(date + 'T00:00:00Z') / DAY_MS)
export const dateOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10)
export const addDays = (date: string, days: number): string => dateOfDay(dayNumber(date) + days)

/** "2026-11-03 00:15 UTC" from an RFC 3339 time. */
export const formatTime = (t: string): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
