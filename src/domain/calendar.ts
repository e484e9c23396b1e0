// One calendar rule for every date and time the service reads (issue #23): request bodies, query
// parameters, quote files and importers all come through here, by way of the zod schemas in
// contracts.ts. Date.parse is not the rule: it rolls 2026-02-30 over to March 2 and reads T24:00 as
// the next midnight, and Postgres refuses what V8 let through.
//
// - A date is YYYY-MM-DD naming a real day of the proleptic Gregorian calendar (month lengths, leap
//   years: 1900 is not one, 2000 and 2024 are).
// - A timestamp is RFC 3339 with an offset: date, T (or t, or a space), hh:mm:ss, optional fraction
//   of 1 to 9 digits, then Z (or z) or ±hh:mm. Hours run 00-23 (no 24:00) and seconds 00-59: a leap
//   second (:60) is refused, since neither JS nor Postgres can hold it.
// - Plausibility: a quote's observed_at, an FX rate's date, an index's base_date and a read's as_of
//   may not be before EARLIEST_DATE (default 2015-01-01, the EARLIEST_DATE environment variable);
//   a quote and an as_of may be at most CLOCK_SKEW_MS ahead of the server clock, an FX rate and a
//   base date not after today (UTC). Query ranges (from, to) are only held to the calendar: asking
//   for more days than there are data is not an error.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

export const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
export const daysInMonth = (y: number, m: number) => m === 2 ? (isLeapYear(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31

/** Milliseconds since the epoch of a UTC wall time, for any year 0-9999 (Date.UTC reads 0-99 as 19xx). */
function utcMs (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const t = new Date(Date.UTC(2000, mo - 1, d, h, mi, s))
  t.setUTCFullYear(y)
  return t.getTime()
}

function dayReason (y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12) return `has no month ${m} (months run 01-12)`
  const last = daysInMonth(y, m)
  if (d < 1 || d > last) return `is not a real calendar date (${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')} has ${last} days)`
}

/** shape: the text is not even of the form (as opposed to a well-formed but impossible value). */
export type Parsed = { ok: true, ms: number, fraction?: string } | { ok: false, reason: string, shape?: true }

/** A calendar date YYYY-MM-DD; ms is its UTC midnight. */
export function parseDate (s: string): Parsed {
  const m = DATE.exec(s)
  if (!m) return { ok: false, reason: 'must be a date YYYY-MM-DD', shape: true }
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const bad = dayReason(y, mo, d)
  return bad ? { ok: false, reason: bad } : { ok: true, ms: utcMs(y, mo, d) }
}

/** An RFC 3339 timestamp with an offset; ms is the instant (fractions below a millisecond dropped), fraction the text of its fraction ('.5', or ''). */
export function parseTimestamp (s: string): Parsed {
  const m = TIMESTAMP.exec(s)
  if (!m) return { ok: false, reason: 'must be an RFC 3339 timestamp with an offset, for example 2026-11-02T12:00:00Z', shape: true }
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]))
  const bad = dayReason(y!, mo!, d!)
  if (bad) return { ok: false, reason: bad }
  if (h! > 23) return { ok: false, reason: 'has hour ' + m[4] + ' (hours run 00-23; write 24:00 as 00:00 of the next day)' }
  if (mi! > 59) return { ok: false, reason: 'has minute ' + m[5] + ' (minutes run 00-59)' }
  if (sec! > 59) return { ok: false, reason: 'has second ' + m[6] + ' (seconds run 00-59; leap seconds are not accepted)' }
  let offset = 0
  if (!m[8]) {
    const [oh, om] = [Number(m[10]), Number(m[11])]
    if (oh > 23 || om > 59) return { ok: false, reason: `has offset ${m[9]}${m[10]}:${m[11]} (at most ±23:59)` }
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000
  }
  const frac = m[7] ? Math.floor(Number('0' + m[7]) * 1000) : 0
  return { ok: true, ms: utcMs(y!, mo!, d!, h!, mi!, sec!) + frac - offset, fraction: m[7] ?? '' }
}

function earliestDate (setting: string | undefined): string {
  if (!setting) return '2015-01-01'
  const p = parseDate(setting)
  if (!p.ok) throw new Error(`EARLIEST_DATE=${setting} ${p.reason}`)
  return setting
}

/** The earliest day a quote, FX rate, base date or as-of may name: compute price data before it is a typing error. */
export const EARLIEST_DATE = earliestDate(process.env.EARLIEST_DATE)
/**
 * The same instant as UTC text, `YYYY-MM-DDThh:mm:ss[.fraction]Z`, the fraction kept digit for digit:
 * what the service hands Postgres, which refuses offsets beyond ±15:59 that RFC 3339 allows (up to
 * ±23:59). A text that does not parse is returned as it is (the schema has refused it already).
 */
export function utcText (s: string): string {
  const p = parseTimestamp(s)
  if (!p.ok) return s
  // offsets are whole minutes and the fraction is under a second: the whole second is ms rounded down
  const t = new Date(Math.floor(p.ms / 1000) * 1000)
  const year = t.getUTCFullYear()
  if (year < 0 || year > 9999) return s
  return String(year).padStart(4, '0') + t.toISOString().slice(t.toISOString().indexOf('-', 1), 19) + p.fraction + 'Z'
}

export const EARLIEST_MS = Date.parse(EARLIEST_DATE + 'T00:00:00Z')
/** How far ahead of the server clock a quote's observed_at or an as_of may be. */
export const CLOCK_SKEW_MS = 5 * 60_000

/** Why an instant is outside EARLIEST_DATE .. now + CLOCK_SKEW_MS, or undefined. */
export function instantBoundsReason (ms: number, now = Date.now()): string | undefined {
  if (ms < EARLIEST_MS) return `is before ${EARLIEST_DATE}, the earliest date accepted`
  if (ms > now + CLOCK_SKEW_MS) return 'is in the future (more than 5 minutes ahead of the server clock)'
}

/** Why a day is outside EARLIEST_DATE .. today (UTC), or undefined. */
export function dayBoundsReason (day: string, now = Date.now()): string | undefined {
  const p = parseDate(day)
  if (!p.ok) return p.reason
  if (p.ms < EARLIEST_MS) return `is before ${EARLIEST_DATE}, the earliest date accepted`
  if (p.ms > now) return 'is in the future (today, UTC, at the latest)'
}
