import { defineConfig } from 'vitest/config';

// `pnpm vitest` at the root runs every package's tests as one run; `pnpm test`
// runs the same projects through turbo, package by package.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
