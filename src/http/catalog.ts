import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Config } from '../config.ts'
import { ListOf, problemResponses } from '../domain/contracts.ts'
import { BadRequest } from '../domain/errors.ts'
import {
  FxRate, FxRatePosition, FxRateQuery, FxRatesBody, getProduct, getProvider, listFxRates, listProducts, listProviders, Product, ProductBody,
  ProductCode, ProductQuery, Provider, ProviderBody, ProviderQuery, ProviderSlug, upsertFxRates, upsertProduct, upsertProvider,
} from '../domain/catalog.ts'
import { cursorCodec } from './cursor.ts'
import { cacheControl, conditionalGet } from './http-cache.ts'

// Catalog writes need the `ingest` scope (admin also passes): the same clients that send quotes
// register the providers, products and FX rates those quotes refer to.
const ingest = { access: 'ingest' as const }
const tags = ['catalog']
const writeProblems = problemResponses(400, 401, 403, 409, 413, 415)
const list = <T>(data: T[]) => ({ data, next_cursor: null })

const routes: FastifyPluginAsyncZod<{ config?: Pick<Config, 'READ_API_KEY_REQUIRED'> }> = async (app, { config }) => {
  // Reads: ETag from the bytes sent, Cache-Control, 304 on If-None-Match (DESIGN §5).
  const onSend = conditionalGet(cacheControl(config?.READ_API_KEY_REQUIRED ?? false))
  const cursors = cursorCodec(app.db, 'fx-rates') // signed page cursors, the codec of every list
  app.get('/v1/providers', {
    onSend,
    schema: { operationId: 'listProviders', summary: 'List providers (who quotes prices), filtered by kind', tags, querystring: ProviderQuery, response: { 200: ListOf(Provider, 'ProviderList'), ...problemResponses(400, 401) } },
  }, async (req) => list(await listProviders(app.db, req.query)))

  app.get('/v1/providers/:slug', {
    onSend,
    schema: { operationId: 'getProvider', summary: 'One provider', tags, params: z.object({ slug: ProviderSlug }), response: { 200: Provider, ...problemResponses(400, 401, 404) } },
  }, (req) => getProvider(app.db, req.params.slug))

  app.put('/v1/providers/:slug', {
    config: ingest,
    schema: { operationId: 'putProvider', summary: 'Create or replace a provider (idempotent upsert)', tags, params: z.object({ slug: ProviderSlug }), body: ProviderBody, response: { 200: Provider, 201: Provider, ...writeProblems } },
  }, async (req, reply) => {
    const { created, ...provider } = await upsertProvider(app.db, req.params.slug, req.body)
    return reply.code(created ? 201 : 200).send(provider)
  })

  app.get('/v1/products', {
    onSend,
    schema: { operationId: 'listProducts', summary: 'List products (GPUs and models), filtered by kind, family or provider', tags, querystring: ProductQuery, response: { 200: ListOf(Product, 'ProductList'), ...problemResponses(400, 401) } },
  }, async (req) => list(await listProducts(app.db, req.query)))

  // A model code holds a slash (openai/gpt-5.5): send it URL-encoded as %2F; the router decodes it.
  app.get('/v1/products/:code', {
    onSend,
    schema: { operationId: 'getProduct', summary: 'One product', tags, params: z.object({ code: ProductCode }), response: { 200: Product, ...problemResponses(400, 401, 404) } },
  }, (req) => getProduct(app.db, req.params.code))

  app.put('/v1/products/:code', {
    config: ingest,
    schema: { operationId: 'putProduct', summary: 'Create or replace a product (idempotent upsert); a code with a slash is sent as %2F', tags, params: z.object({ code: ProductCode }), body: ProductBody, response: { 200: Product, 201: Product, ...writeProblems } },
  }, async (req, reply) => {
    const { created, ...product } = await upsertProduct(app.db, req.params.code, req.body)
    return reply.code(created ? 201 : 200).send(product)
  })

  // The same with the slash unencoded (/v1/products/openai/gpt-5.5), for hand-typed URLs.
  const Split = z.object({ org: z.string(), model: z.string() })
  app.get('/v1/products/:org/:model', { onSend, schema: { hide: true, params: Split } }, (req) => getProduct(app.db, `${req.params.org}/${req.params.model}`))
  app.put('/v1/products/:org/:model', { config: ingest, schema: { hide: true, params: Split, body: ProductBody } }, async (req, reply) => {
    const code = ProductCode.safeParse(`${req.params.org}/${req.params.model}`)
    if (!code.success) throw new BadRequest(`params/code: ${code.error.issues[0]!.message}`)
    const { created, ...product } = await upsertProduct(app.db, code.data, req.body)
    return reply.code(created ? 201 : 200).send(product)
  })

  app.get('/v1/fx-rates', {
    onSend,
    schema: { operationId: 'listFxRates', summary: 'List FX rates (USD per unit of a currency) by currency and date range', tags, querystring: FxRateQuery, response: { 200: ListOf(FxRate, 'FxRateList'), ...problemResponses(400, 401) } },
  }, async (req) => {
    const { cursor, ...filters } = req.query
    const page = await listFxRates(app.db, filters, cursor ? await cursors.decode(cursor, FxRatePosition) : undefined)
    return { data: page.data, next_cursor: page.next && await cursors.encode(page.next) }
  })

  app.put('/v1/fx-rates', {
    config: ingest,
    bodyLimit: 4 * 1024 * 1024,
    schema: {
      operationId: 'putFxRates',
      summary: 'Store a list of FX rates (upsert by currency and date)',
      tags,
      body: FxRatesBody,
      response: { 200: z.object({ created: z.number().int(), updated: z.number().int() }).meta({ id: 'FxRatesResult' }), ...writeProblems },
    },
  }, (req) => upsertFxRates(app.db, req.body.rates))
}

export default routes
