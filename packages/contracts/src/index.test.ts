import { PLACEHOLDER } from '@accrupay/contracts';
import { expect, test } from 'vitest';

test('source condition', () => {
  expect(PLACEHOLDER).toBe(1n);
});
