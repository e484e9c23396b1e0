import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules', 'data', 'dist', 'coverage', 'packages/client/src/openapi.d.ts', 'packages/client/dist', 'bench/results', 'scratch'] }),
]
