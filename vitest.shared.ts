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
    ssr: { resolve: { conditions: [...sourceConditions, 'import', 'module', 'node', 'default'] } },
    test: {
      environment: options.environment ?? 'node',
      include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
      typecheck: {
        enabled: true,
        include: ['src/**/*.test-d.ts'],
        tsconfig: './tsconfig.json',
      },
      restoreMocks: true,
    },
  });
}
