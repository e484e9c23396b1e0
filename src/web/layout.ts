import { html, Markup, styleHash } from './html.ts'

// The pages' one stylesheet, inline and allowed by its hash (no 'unsafe-inline', no extra request that
// would need its own API key). Colours keep text at 7:1 or more on white; below 900 px wide, tables
// become stacked cards; below 640 px the chart switches to its narrow rendering.

export const PAGE_CSS = [
  ':root{color-scheme:light}*{box-sizing:border-box}',
  'body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;background:#fff}',
  '.site{border-bottom:1px solid #c8c8c8;padding:10px 16px;display:flex;gap:16px;flex-wrap:wrap;align-items:baseline}',
  '.site a{color:#1a1a1a;font-weight:700;text-decoration:none}.site .muted{font-size:.9rem}',
  'main{max-width:1200px;margin:0 auto;padding:8px 16px 32px}h1{font-size:1.6rem;line-height:1.25;margin:.75rem 0 .25rem}',
  'h2{font-size:1.2rem;margin:1.75rem 0 .5rem}a{color:#0b4db3}.muted{color:#4d4d4d}code{font-size:.9em}.code{white-space:nowrap}',
  'table{border-collapse:collapse;width:100%}th,td{padding:8px;border-bottom:1px solid #e0e0e0;text-align:left;vertical-align:middle}',
  'th{font-size:.85rem;color:#4d4d4d;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}',
  '.up{color:#0a6b2d}.down{color:#b00020}.flat{color:#4d4d4d}.ok{color:#0a6b2d}.insufficient_data,.excluded{color:#8a4100}',
  '.headline{display:flex;flex-wrap:wrap;gap:4px 24px;align-items:baseline}.value{font-size:2.25rem;font-weight:700;font-variant-numeric:tabular-nums}',
  '.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:8px 16px;margin:0}',
  '.stats div{border-top:1px solid #e0e0e0;padding-top:4px}.stats dt{font-size:.85rem;color:#4d4d4d}.stats dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}',
  'figure{margin:0}.chart svg{max-width:100%;height:auto;display:block}.chart-narrow{display:none}ul.links li{margin:.25rem 0}',
  '.notice{border:2px solid #8a4100;background:#fff4e5;color:#1a1a1a;padding:8px 12px;margin:12px 0;border-radius:4px}',
  '.scroll{overflow-x:auto}@media (max-width:640px){.chart-wide{display:none}.chart-narrow{display:block}.value{font-size:1.75rem}}',
  '@media (max-width:900px){table.cards thead{position:absolute;left:-9999px}table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}',
  'table.cards tr{border-bottom:1px solid #c8c8c8;padding:8px 0}table.cards td{border:0;padding:2px 0;text-align:left}',
  'table.cards td[data-label]::before{content:attr(data-label) ": ";color:#4d4d4d;font-size:.85rem}}',
].join('\n')

export const EMBED_CSS = [
  ':root{color-scheme:light}*{box-sizing:border-box}',
  'body{margin:0;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;background:#fff}',
  '.widget{padding:10px 12px;border:1px solid #c8c8c8;border-radius:6px;max-width:420px}.name{font-weight:600;margin:0}',
  '.value{font-size:1.6rem;font-weight:700;font-variant-numeric:tabular-nums}.muted{color:#4d4d4d;font-size:.85rem}',
  '.row{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center}.up{color:#0a6b2d}.down{color:#b00020}.flat{color:#4d4d4d}',
  '.insufficient_data{color:#8a4100}a{color:#0b4db3}svg{display:block}',
  '.notice{border:1px solid #8a4100;background:#fff4e5;color:#1a1a1a;padding:2px 6px;margin:4px 0;font-size:.85rem;border-radius:4px}',
].join('\n')

/** CSP of a page: its own inline stylesheet and inline SVG only; no script, no request elsewhere. */
export function pageCsp (css: string, frameAncestors: string): string {
  return `default-src 'none'; style-src ${styleHash(css)}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors ${frameAncestors}`
}

export interface Layout { title: string, description: string, css: string, body: Markup, header?: Markup }

export function page ({ title, description, css, body, header }: Layout): string {
  return '<!doctype html>\n' + html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><meta name="description" content="${description}">
<style>${new Markup(css)}</style></head>
<body>${header ?? ''}${body}</body></html>
`.text
}
