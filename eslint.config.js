import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules', 'data', 'dist', 'coverage', 'openapi/client.d.ts', 'bench/results', 'scratch'] }),
]
