import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { loadDemo } from '../src/demo/load.ts'
import { onServer, testDatabase } from './helpers/db.ts'

// On a server database a computation runs GPU and model indices in separate lanes, side by side on two
// connections (src/domain/fixings.ts, COMPUTE_LANES). The embedded database has one connection and one lane.
const END = '2026-11-01'
const DAYS = 21

const stored = (db: Awaited<ReturnType<typeof testDatabase>>['db']) => sql<{ index_code: string, date: string, revision: number, hash: string, n: number }>`
  select f.index_code, f.date::text as date, f.revision, f.hash, (select count(*)::int from fixing_constituents c where c.fixing_id = f.id) as n
  from fixings f order by f.index_code, f.date, f.revision`.execute(db).then((r) => r.rows)

test('a server database computes GPU and model indices in separate lanes and stores exactly what one lane stores', { skip: !onServer && 'lanes run on a server database only' }, async (t) => {
  const lanes = await testDatabase(t)
  const oneLane = await testDatabase(t)
  const a = await loadDemo(lanes, { end: END, days: DAYS })
  const b = await loadDemo({ ...oneLane, kind: 'embedded' }, { end: END, days: DAYS })
  assert.deepEqual(a.fixings.indices, b.fixings.indices)
  const kinds = await lanes.db.selectFrom('index_definitions').select('kind').distinct().execute()
  assert.equal(kinds.length, 2, 'the default catalog has GPU and model indices')
  const rows = await stored(lanes.db)
  assert.equal(rows.length, a.fixings.indices.length * DAYS)
  assert.ok(rows.every((r) => r.revision === 1 && r.n > 0))
  assert.deepEqual(rows, await stored(oneLane.db))
})

test('a lane that fails fails the computation; the call returns only after the other lanes have stopped, leaving whole chunks', { skip: !onServer && 'lanes run on a server database only' }, async (t) => {
  const database = await testDatabase(t)
  // a fault in the model lane only: its first transaction rolls back
  await sql`create function fail_small() returns trigger language plpgsql as $$
    begin raise exception 'refused in this test: %', new.index_code; end $$`.execute(database.db)
  await sql`create trigger fail_small before insert on fixings for each row when (new.index_code = 'TOK-SMALL-BLEND')
    execute function fail_small()`.execute(database.db)
  // 70 days: three chunks of the demo's 30 days per lane
  await assert.rejects(loadDemo(database, { end: END, days: 70 }), /refused in this test: TOK-SMALL-BLEND/)
  // nothing of the failed lane's chunk is stored (it holds every model index), and no lane is still running
  const perIndex = await sql<{ index_code: string, kind: string, days: number }>`
    select d.code as index_code, d.kind, count(f.id)::int as days from index_definitions d left join fixings f on f.index_code = d.code
    group by d.code, d.kind order by d.code`.execute(database.db)
  const running = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and query like '%cpx_publish_fixings%' and state <> 'idle'`.execute(database.db)
  assert.equal(running.rows[0]!.n, 0)
  const model = perIndex.rows.filter((r) => r.kind === 'model')
  assert.ok(model.length > 0 && model.every((r) => r.days === 0), JSON.stringify(model))
  // the GPU lane committed whole 30-day chunks (the demo's chunk) up to where it stopped: the same days for every GPU index
  const gpuDays = new Set(perIndex.rows.filter((r) => r.kind === 'gpu').map((r) => r.days))
  assert.equal(gpuDays.size, 1, JSON.stringify(perIndex.rows))
  assert.ok([30, 60, 70].includes([...gpuDays][0]!), JSON.stringify(perIndex.rows))
})
