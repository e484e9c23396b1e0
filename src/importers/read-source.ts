import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

export const FETCH_TIMEOUT_MS = 30_000

export class SourceUnavailable extends Error {}

/** A file's text; a folder (llm-prices' data/) becomes one JSON list of its *.json files, in name order. */
export function readSourceFile (path: string, folderAllowed: boolean): string {
  return readSourceBytes(path, folderAllowed).toString('utf8')
}

/** A file's bytes as they are on disk (the payload a `cpx import` run keeps), or a folder's JSON list. */
export function readSourceBytes (path: string, folderAllowed: boolean): Buffer {
  let stat
  try { stat = statSync(path) } catch { throw new SourceUnavailable(`cannot read ${path}: no such file or folder`) }
  if (!stat.isDirectory()) return readFileSync(path)
  if (!folderAllowed) throw new SourceUnavailable(`${path} is a folder; this source reads one file`)
  const files = readdirSync(path).filter((f) => f.endsWith('.json')).sort()
  if (!files.length) throw new SourceUnavailable(`${path} holds no .json files`)
  return jsonList(files.map((f) => readFileSync(join(path, f), 'utf8')))
}

/** A folder's *.json files (their texts, in name order) as the one JSON list a folder source parses. */
export const jsonList = (texts: string[]): Buffer => Buffer.from('[' + texts.join(',\n') + ']')

/**
 * GETs a public price file with a timeout. Every failure becomes one clear sentence that says what
 * to do instead (machines without internet access use --file with a downloaded copy).
 */
export async function fetchSource (url: string, timeoutMs = FETCH_TIMEOUT_MS, fetchImpl: typeof fetch = fetch): Promise<string> {
  return (await fetchSourceBytes(url, timeoutMs, fetchImpl)).toString('utf8')
}

/** fetchSource's bytes, as sent. */
export async function fetchSourceBytes (url: string, timeoutMs = FETCH_TIMEOUT_MS, fetchImpl: typeof fetch = fetch): Promise<Buffer> {
  let res: Response
  try {
    res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json, text/csv, */*' } })
  } catch (err) {
    const e = err as Error & { cause?: { code?: string, message?: string } }
    const why = e.name === 'TimeoutError'
      ? `no answer within ${timeoutMs / 1000} s`
      : e.cause?.code ? `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}` : e.message
    throw new SourceUnavailable(`cannot fetch ${url}: ${why}. Is this machine offline? Download the file elsewhere and run with --file PATH`)
  }
  if (!res.ok) throw new SourceUnavailable(`cannot fetch ${url}: HTTP ${res.status} ${res.statusText}. Check the address, or use --file PATH`)
  return Buffer.from(await res.arrayBuffer())
}
