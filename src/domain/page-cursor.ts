import { createHash } from 'node:crypto'
import { InvalidCursor } from './errors.ts'

// Opaque page cursors for the catalog and quote lists: base64url of the last row's sort key plus a
// check digest. The digest is not a secret (a forged cursor only moves a page of public data); it
// makes an edited or truncated cursor a clear 400 instead of a silently wrong page.

const digest = (payload: string) => createHash('sha256').update('cpx-cursor:' + payload).digest('base64url').slice(0, 12)

export function encodeCursor (parts: string[]): string {
  const payload = parts.join('|')
  return Buffer.from(`${payload}|${digest(payload)}`).toString('base64url')
}

/** The parts of a cursor this API issued, each matching its pattern; InvalidCursor otherwise. */
export function decodeCursor (cursor: string, patterns: RegExp[]): string[] {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw new InvalidCursor('not base64url')
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const parts = text.split('|')
  const check = parts.pop()
  const payload = parts.join('|')
  if (parts.length !== patterns.length || check !== digest(payload)) throw new InvalidCursor('its check digest does not match')
  if (!parts.every((p, i) => patterns[i]!.test(p))) throw new InvalidCursor('malformed position')
  return parts
}
