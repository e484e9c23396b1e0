import { type Kysely, sql } from 'kysely'
import type { Schema } from '../db/schema.ts'
import { findBasketMonths, findBasketValues, type BasketMonthJson, type BasketValueJson } from '../domain/basket-reads.ts'
import { findBasket, type BasketJson } from '../domain/baskets.ts'
import { NotFound } from '../domain/errors.ts'
import type { ChartPoint } from './chart-svg.ts'
import { addDays, change, type Change } from './format.ts'
import { demoFixings } from './page-data.ts'

// What the basket page and widget show: the values of GET /v1/baskets/{code}/values (computed in SQL
// from the component fixings), up to the latest day any component index is fixed.

type Db = Kysely<Schema>

/** The basket page's chart covers at most this many days. */
export const BASKET_PAGE_DAYS = 365
const MONTHS_SHOWN = 6

export interface BasketPage {
  basket: BasketJson
  /** the last day computed (the latest day any component index has a fixing); null before any fixing */
  end: string | null
  history: ChartPoint[]
  /** the newest ok day, and the last day computed when that one is not ok */
  latest: BasketValueJson | null
  last: BasketValueJson | null
  change1d: Change | null
  change30d: Change | null
  months: BasketMonthJson[]
  demo: boolean
}

/** The latest fixed day of the indices a basket reaches (through baskets of baskets, every version). */
async function lastFixedDay (db: Db, code: string): Promise<string | null> {
  const r = await sql<{ d: string | null }>`
    with recursive reach(c, kind) as (
      select component, kind from basket_components where code = ${code}
      union
      select bc.component, bc.kind from basket_components bc join reach on bc.code = reach.c and reach.kind = 'basket'
    ) select max(f.date)::text as d from fixings f where f.index_code in (select c from reach where kind = 'index')`.execute(db)
  return r.rows[0]?.d ?? null
}

async function demoInputs (db: Db, v: BasketValueJson | null): Promise<boolean> {
  const used = (v?.inputs ?? []).filter((i) => i.kind === 'index' && i.revision !== undefined)
  if (!used.length) return false
  const { rows } = await sql<{ id: number }>`select id from fixings where (index_code, date, revision) in (${sql.join(used.map((i) => sql`(${i.code}, ${i.date}::date, ${i.revision!})`))})`.execute(db)
  return (await demoFixings(db, rows.map((r) => Number(r.id)))).size > 0
}

export async function loadBasketPage (db: Db, code: string, days = BASKET_PAGE_DAYS): Promise<BasketPage> {
  const basket = await findBasket(db, code)
  if (!basket) throw new NotFound(`No basket ${code}`)
  const first = basket.versions[0]!.effective_from
  const end = await lastFixedDay(db, code)
  const none = { basket, end, history: [], latest: null, last: null, change1d: null, change30d: null, months: [], demo: false }
  if (!end || end < first) return none
  const from = [first, addDays(end, 1 - days)].sort().at(-1)!
  const values = await findBasketValues(db, { code, from, to: end, asOf: null })
  const history = values.map((v) => ({ date: v.date, value: v.status === 'ok' ? v.value : null, revision: 1 }))
  const latest = [...values].reverse().find((v) => v.status === 'ok') ?? null
  const valueOn = (date: string) => history.find((p) => p.date === date)?.value
  const monthsFrom = [from, addDays(end, -31 * (MONTHS_SHOWN - 1)).slice(0, 8) + '01'].sort().at(-1)!
  return {
    ...none,
    history,
    latest,
    last: values.at(-1) ?? null,
    change1d: latest && change(latest.value, valueOn(addDays(latest.date, -1))),
    change30d: latest && change(latest.value, valueOn(addDays(latest.date, -30))),
    months: await findBasketMonths(db, { code, from: monthsFrom, to: end, asOf: null }),
    demo: await demoInputs(db, latest),
  }
}
