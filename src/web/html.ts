import { createHash } from 'node:crypto'

// Server-rendered markup without a template engine: a tagged template that escapes every interpolated
// value unless it is already markup (Markup). Nothing user-supplied (index names, descriptions, provider
// slugs) can open a tag or an attribute.

export class Markup {
  constructor (readonly text: string) {}
  toString () { return this.text }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text or attribute value → safe in HTML and in XML (SVG): the five XML special characters. */
export const escapeText = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

type Part = Markup | string | number | null | undefined | false | readonly Part[]

function render (v: Part): string {
  if (v === null || v === undefined || v === false) return ''
  if (v instanceof Markup) return v.text
  if (Array.isArray(v)) return v.map(render).join('')
  return escapeText(String(v))
}

/** html`<p>${name}</p>`: interpolations are escaped; Markup and arrays of Markup are inserted as they are. */
export function html (strings: TemplateStringsArray, ...values: Part[]): Markup {
  let out = strings[0]!
  values.forEach((v, i) => { out += render(v) + strings[i + 1]! })
  return new Markup(out)
}

/** The CSP source that allows exactly this inline <style> text, and no other. */
export const styleHash = (css: string) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`
