import { defineConfig } from 'vitest/config';

/**
 * The vitest settings every package shares: sibling packages resolve to their
 * TypeScript sources through the `@accrupay/source` export condition, so tests
 * never need a build first.
 */
export const sourceConditions = ['@accrupay/source'];

export function packageConfig(options: { environment?: 'node' | 'jsdom' | 'happy-dom' } = {}) {
  return defineConfig({
    resolve: { conditions: [...sourceConditions, 'import', 'module', 'node', 'default'] },
    // Vitest hands the SSR conditions to Node as --conditions for the workers: with 'import'
    // among them CommonJS packages such as pg would require() ESM builds of their dependencies.
    ssr: { resolve: { conditions: [...sourceConditions, 'node'] } },
    test: {
      environment: options.environment ?? 'node',
      include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
      typecheck: {
        enabled: true,
        include: ['src/**/*.test-d.ts'],
        tsconfig: './tsconfig.json',
      },
      restoreMocks: true,
      // Suites start servers, databases and a browser; on a loaded two-core machine that takes
      // seconds. These are limits against hangs, not performance goals (those live in `pnpm bench`).
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  });
}
