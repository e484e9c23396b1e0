import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { cacheControl, conditionalGet } from '../http/http-cache.ts'
import { IndexCodeParam } from '../http/read-params.ts'
import { EMBED_CSS, PAGE_CSS, pageCsp } from './layout.ts'
import { loadCatalog, loadIndexPage, loadSummary } from './page-data.ts'
import { embedPage } from './page-embed.ts'
import { type Href, homePage } from './page-home.ts'
import { indexPage } from './page-index.ts'
import { listCurves } from '../domain/curves.ts'
import { BasketCode, listBaskets } from '../domain/baskets.ts'
import { loadBasketPage } from './basket-page-data.ts'
import { basketEmbed, basketPage } from './page-basket.ts'
import { curveOfIndex, curvePage, loadCurvePage } from './page-curve.ts'

// Server-rendered pages for people and finance tools: GET / (every index), /indices/{code} (one index),
// /embed/{code} (an iframe widget), /curves/{gpu} (a term curve), /baskets/{code} and /embed/baskets/{code}. They are reads like any other (READ_API_KEY_REQUIRED applies; a
// key in ?api_key= is carried into the pages' links), hidden from the OpenAPI document: not the API.

const HTML_TYPE = 'text/html; charset=utf-8'
const Params = z.object({ code: IndexCodeParam })
const GpuParams = z.object({ gpu: z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,40}$/, 'a GPU code such as H100-SXM') })
const BasketParams = z.object({ code: BasketCode })

/** CSP frame-ancestors from EMBED_ORIGINS: self / none / * / a list of origins. */
export function frameAncestors (value: string): string {
  const v = value.trim()
  if (v === 'none') return "'none'"
  if (v === '*') return '*'
  return v.split(/[\s,]+/).filter(Boolean).map((o) => /^'?self'?$/.test(o) ? "'self'" : o).join(' ')
}

/** Links that keep the reader's ?api_key= (only when reads need a key: otherwise it is never echoed). */
function hrefFor (req: FastifyRequest, keyRequired: boolean): Href {
  const key = (req.query as Record<string, unknown> | undefined)?.api_key
  const keep: Record<string, string> = keyRequired && typeof key === 'string' ? { api_key: key } : {}
  return (path, query = {}) => {
    const qs = new URLSearchParams({ ...query, ...keep }).toString()
    return path.split('/').map(encodeURIComponent).join('/') + (qs ? `?${qs}` : '')
  }
}

function sendPage (reply: FastifyReply, body: string, csp: string) {
  return reply.type(HTML_TYPE).header('content-security-policy', csp).send(body)
}

export default async function webRoutes (fastify: FastifyInstance, { config }: { config: Config }) {
  const db = fastify.readDb
  const keyRequired = config.READ_API_KEY_REQUIRED
  fastify.addHook('onSend', conditionalGet(cacheControl(keyRequired)))
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const pageCspValue = pageCsp(PAGE_CSS, "'none'")
  const embedCsp = pageCsp(EMBED_CSS, frameAncestors(config.EMBED_ORIGINS))

  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    const [catalog, curves, baskets] = await Promise.all([loadCatalog(db), listCurves(db), listBaskets(db)])
    return sendPage(reply, homePage(catalog, hrefFor(req, keyRequired), { curves: curves.data, baskets }), pageCspValue)
  })

  app.get('/indices/:code', { schema: { hide: true, params: Params } }, async (req, reply) => {
    const href = hrefFor(req, keyRequired)
    const data = await loadIndexPage(db, req.params.code)
    const curve = await curveOfIndex(db, data.definition.code)
    return sendPage(reply, indexPage(data, href, href(`/v1/indices/${data.definition.code}/chart.svg`), curve), pageCspValue)
  })

  app.get('/curves/:gpu', { schema: { hide: true, params: GpuParams } }, async (req, reply) =>
    sendPage(reply, curvePage(await loadCurvePage(db, req.params.gpu), hrefFor(req, keyRequired)), pageCspValue))

  app.get('/baskets/:code', { schema: { hide: true, params: BasketParams } }, async (req, reply) =>
    sendPage(reply, basketPage(await loadBasketPage(db, req.params.code), hrefFor(req, keyRequired)), pageCspValue))

  // The one page other sites may frame: frame-ancestors from EMBED_ORIGINS replaces X-Frame-Options.
  app.get('/embed/:code', { schema: { hide: true, params: Params } }, async (req, reply) => {
    const body = embedPage(await loadSummary(db, req.params.code), hrefFor(req, keyRequired))
    return sendPage(reply.removeHeader('x-frame-options'), body, embedCsp)
  })

  app.get('/embed/baskets/:code', { schema: { hide: true, params: BasketParams } }, async (req, reply) => {
    const body = basketEmbed(await loadBasketPage(db, req.params.code, 31), hrefFor(req, keyRequired))
    return sendPage(reply.removeHeader('x-frame-options'), body, embedCsp)
  })
}
