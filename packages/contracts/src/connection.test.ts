import { describe, expect, test } from 'vitest';
import { API_SECRET_PATTERN, apiSecretSchema, providerCallbackPath } from './connection.ts';
import { contract } from './contract.ts';
import { hostedPageMessageSchema } from './hosted-page.ts';

describe('connection facts', () => {
  test('the callback path is the contract route, the provider in lower case', () => {
    expect(contract.providerCallbacks.receive.path).toBe(
      '/v1/provider-callbacks/:transactionProvider/:merchantTransactionProviderId',
    );
    expect(providerCallbackPath('STRIPE', 'mtp_1')).toBe('/v1/provider-callbacks/stripe/mtp_1');
  });

  test('an API secret is sk_test_, 32 characters and a 6-character checksum', () => {
    const secret = `sk_test_${'a'.repeat(32)}${'B'.repeat(6)}`;
    expect(API_SECRET_PATTERN.exec(secret)?.slice(1)).toEqual(['a'.repeat(32), 'B'.repeat(6)]);
    expect(apiSecretSchema.safeParse(secret).success).toBe(true);
    expect(apiSecretSchema.safeParse(secret.replace('sk_test_', 'sk_live_')).success).toBe(false);
    expect(apiSecretSchema.safeParse(secret.slice(0, -1)).success).toBe(false);
  });

  test('the hosted page message schema takes the three messages and nothing else', () => {
    const envelope = { version: 1, provider: 'nuvei', session: 'tok' };
    expect(hostedPageMessageSchema.parse({ ...envelope, type: 'accrupay:submitting' })).toEqual({
      ...envelope,
      type: 'accrupay:submitting',
    });
    const ok = hostedPageMessageSchema.safeParse({
      ...envelope,
      type: 'accrupay:ready',
      state: 'open',
    });
    expect(ok.success).toBe(true);
    const result = { ...envelope, type: 'accrupay:result', providerStatus: 's', providerRef: 'r' };
    expect(hostedPageMessageSchema.safeParse({ ...result, status: 'approved' }).success).toBe(true);
    expect(
      hostedPageMessageSchema.safeParse({ ...result, status: 'requires_action' }).success,
    ).toBe(false);
    expect(hostedPageMessageSchema.safeParse({ ...envelope, type: 'accrupay:paid' }).success).toBe(
      false,
    );
  });
});
