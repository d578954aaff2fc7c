import { defineConfig } from 'tsup';

export default defineConfig({
  // The OpenAPI generator is its own entry: only what serves or writes the document loads it.
  entry: ['src/index.ts', 'src/openapi.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
