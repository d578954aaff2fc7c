import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Only the demo's bundling from the sources imports it (lazily): never bundled into dist/.
  external: ['esbuild'],
});
