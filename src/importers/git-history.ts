import { execFileSync } from 'node:child_process'
import { jsonList } from './read-source.ts'

// `cpx import <source> --git-history CLONE`: every committed version of a price file, oldest first.
// A commit's time says when a change was RECORDED in that repository, not when the provider changed
// its price (docs/importers.md).

/** The file each source keeps in its public repository (--path overrides). */
export const HISTORY_PATHS: Record<string, string> = {
  litellm: 'model_prices_and_context_window.json',
  'genai-prices': 'prices/data.json',
  'llm-prices': 'data',
}

export interface FileVersion { commit: string, committedAt: string }

const git = (clone: string, args: string[]) =>
  execFileSync('git', ['-C', clone, ...args], { maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] })

/**
 * The commits that changed `path`, oldest first, each with its committer time in UTC. Renames are not
 * followed: a file that moved is another --path.
 */
export function fileVersions (clone: string, path: string, since?: string): FileVersion[] {
  let out: string
  try {
    out = git(clone, ['log', '--reverse', '--format=%H %ct', ...(since ? [`--since=${since}T00:00:00Z`] : []), '--', path]).toString('utf8')
  } catch (err) {
    const e = err as { stderr?: Buffer, message: string }
    throw new Error(`cannot read the history of ${path} in ${clone}: ${(e.stderr?.toString('utf8') || e.message).trim()}`)
  }
  return out.split('\n').filter(Boolean).map((line) => {
    const [commit, seconds] = line.split(' ')
    return { commit: commit!, committedAt: new Date(Number(seconds) * 1000).toISOString() }
  })
}

/**
 * The bytes of `path` at `commit`; undefined where the commit deleted it. A folder (llm-prices' data/,
 * where `folder` allows it) is its *.json files at that commit as one JSON list, in name order, as
 * `cpx import --file FOLDER` reads it; undefined when it holds none.
 */
export function fileAt (clone: string, commit: string, path: string, folder = false): Buffer | undefined {
  try {
    if (!folder || git(clone, ['cat-file', '-t', `${commit}:${path}`]).toString('utf8').trim() !== 'tree') return git(clone, ['show', `${commit}:${path}`])
    const dir = path.replace(/\/+$/, '')
    const files = git(clone, ['ls-tree', '--name-only', commit, '--', `${dir}/`]).toString('utf8').split('\n').filter((f) => f.endsWith('.json')).sort()
    return files.length ? jsonList(files.map((f) => git(clone, ['show', `${commit}:${f}`]).toString('utf8'))) : undefined
  } catch {
    return undefined
  }
}
