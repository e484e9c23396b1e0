import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules', 'data', 'dist', 'coverage', 'openapi/client.d.ts', 'packages/client/src/openapi.d.ts', 'packages/client/dist', 'bench/results', 'scratch'] }),
]
