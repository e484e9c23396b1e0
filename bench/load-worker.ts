// The load generator's process: forked once by bench/load.ts, it runs autocannon for each job it is
// sent and answers the raw result, so no run pays for starting a node process.
import { createRequire } from 'node:module'

interface Job { url: string, connections: number, seconds?: number, amount?: number, headers?: Record<string, string> }
type Autocannon = (opts: { url: string, connections: number, duration?: number, amount?: number, headers?: Record<string, string> }) => Promise<unknown>

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

process.on('message', (job: Job) => {
  autocannon({ url: job.url, connections: job.connections, ...(job.amount ? { amount: job.amount } : { duration: job.seconds }), headers: job.headers })
    .then((result) => process.send!({ result }), (err: Error) => process.send!({ error: err.message }))
})
