import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { sql } from 'kysely'
import { buildApp } from '../src/app.ts'
import { testConfig } from './helpers/app.ts'
import { onServer, testDatabase } from './helpers/db.ts'
import { insertFixings } from './helpers/read-fixings.ts'

// DATABASE_READ_URL (src/db/read-replica.ts), with the same server database standing in for the replica:
// read routes use the replica once it is seen to hold the latest publication this instance heard of,
// and the primary in between, so a read right after a publication never misses it. (A stand-in replica
// never lags, so this shows the routing and the answers, not a lagging replica being avoided.)

const CODE = 'H100-SXM-OD'

test('read routes go to the replica once it holds the latest publication, to the primary until then', { skip: !onServer && 'needs TEST_DATABASE_URL (a server database)' }, async (t) => {
  const database = await testDatabase(t)
  const app = await buildApp(testConfig({ DATABASE_READ_URL: database.url! }), { database })
  t.after(() => app.close())
  await app.ready()
  const counts = async () => {
    const body = (await app.inject('/metrics')).body
    const n = (db: string) => Number(new RegExp(`^cpx_read_queries_total\\{database="${db}"\\} (\\d+)$`, 'm').exec(body)?.[1])
    return { replica: n('replica'), primary: n('primary') }
  }
  await insertFixings(database, [{ code: CODE, date: '2026-09-01', value: '2.9', published_at: '2026-09-02T00:15:00Z' }])
  assert.equal((await app.inject(`/v1/indices/${CODE}/latest`)).json().value, 2.9)
  const after = await counts()
  // Within a check or two the replica is seen to have replayed it: reads (misses) go there.
  let seen = false
  for (let k = 0; k < 100 && !seen; k++) {
    await sleep(20)
    assert.equal((await app.inject(`/v1/indices/${CODE}/values/2026-09-01?k=${k}`)).statusCode, 200)
    await app.inject(`/v1/revisions?since=2026-01-01T00:00:${String(k % 60).padStart(2, '0')}Z`) // a new parameter set each time: a miss
    seen = (await counts()).replica > after.replica
  }
  assert.ok(seen, 'no read reached the replica within 2 s')
  const replicas = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'cpx-read'`.execute(database.db)
  assert.ok(replicas.rows[0]!.n >= 1)
  // A new publication: the very next read sees it (the primary), never the replica's possibly older copy.
  await insertFixings(database, [{ code: CODE, date: '2026-09-02', value: '3.05', published_at: '2026-09-03T00:15:00Z' }])
  await sleep(50) // the notification arrives over the LISTEN connection
  assert.equal((await app.inject(`/v1/indices/${CODE}/latest`)).json().value, 3.05)
  assert.equal((await app.inject(`/v1/indices/${CODE}/values/2026-09-02`)).json().value, 3.05)
})

test('DATABASE_READ_URL without a server database refuses to start', { skip: onServer && 'the embedded case' }, async (t) => {
  const database = await testDatabase(t)
  await assert.rejects(buildApp(testConfig({ DATABASE_READ_URL: 'postgres://127.0.0.1:1/none' }), { database }), /DATABASE_READ_URL needs DATABASE_URL/)
})
