import { mergeConfig } from 'vitest/config';
import { packageConfig } from '../../vitest.shared.ts';

// Each test starts a sandbox and its simulator (on PostgreSQL: a fresh schema, migrated).
export default mergeConfig(packageConfig(), { test: { testTimeout: 30_000, hookTimeout: 30_000 } });
