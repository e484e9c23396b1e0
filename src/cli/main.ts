import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../config.ts'
import { connect } from '../db/connect.ts'
import { migrate } from '../db/migrate.ts'
import { serve } from '../server.ts'
import { computeCommand } from './compute.ts'
import { coverageCommand } from './coverage.ts'
import { demoCommand } from './demo.ts'
import { importCommand } from './import.ts'
import { keysCommand } from './keys.ts'
import { mappingsCommand } from './mappings.ts'
import { quotesCommand } from './quotes.ts'
import { collectCommand, sourcesCommand } from './sources.ts'

const USAGE = `Usage: cpx <command> [options]

Commands:
  serve                         start the HTTP API (same as npm start)
  migrate                       apply pending database migrations
  compute --from D --to D [--index CODE]...   compute or recompute fixings (progress bar on a terminal)
  keys create --scope S --name N   create an API key (printed once)
  keys list                     list API keys (never the secrets)
  keys revoke <id|prefix>       revoke a key
  quotes load FILE [--rejects F]   bulk-load quotes (JSON, NDJSON or CSV) in batches of 10,000;
                                bad rows go to FILE.rejected.<ext> with their reasons
  import <source> [--file PATH | --url URL] [--observed-at T] [--dry-run]
                                import public prices (openrouter, litellm, genai-prices, llm-prices, skypilot, vast, gpu-observations, csv)
  import <source> --git-history CLONE [--path FILE|FOLDER] [--since D]
                                every committed version of a price file, one run per commit
  sources list|show|set|enable|disable|remove|runs   the collected sources (cpx sources for details)
  mappings list|set|unmapped    the mapping rules as data (cpx mappings for details)
  collect [NAME]...             run sources now (no NAME: every enabled one); exit 1 if a run failed
  demo load [--end YYYY-MM-DD]  load the synthetic demo dataset (180 days) and compute its fixings
  coverage [--from D] [--to D] [--index CODE]... [--json]
                                per index: days published, ok, insufficient, and the constituents feeding the ok days

The database is DATABASE_URL when set, else the embedded database under DATA_DIR.`

export type Command = (args: string[]) => Promise<number>

const commands: Record<string, Command> = {
  async serve () { await serve(loadConfig()); return -1 },
  async migrate () {
    const database = await connect(loadConfig())
    try {
      const applied = await migrate(database)
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply: the schema is current\n')
      return 0
    } finally { await database.close() }
  },
  keys: keysCommand,
  quotes: quotesCommand,
  import: importCommand,
  demo: demoCommand,
  coverage: coverageCommand,
  sources: sourcesCommand,
  collect: collectCommand,
  mappings: mappingsCommand,
  compute: computeCommand,
}

export function registerCommand (name: string, command: Command) { commands[name] = command }

export async function runCli (argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv.slice(0, 1), allowPositionals: true, strict: false })
  const name = positionals[0]
  if (!name || name === 'help' || name === '--help') { process.stdout.write(USAGE + '\n'); return name ? 0 : 1 }
  const command = commands[name]
  if (!command) { process.stderr.write(`cpx: unknown command ${name}\n\n${USAGE}\n`); return 1 }
  return command(argv.slice(1))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const code = await runCli(process.argv.slice(2))
    if (code >= 0) process.exit(code)
  } catch (err) {
    process.stderr.write(`cpx: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`)
    process.exit(1)
  }
}
