import { contract } from '@accrupay/contracts';
import { describe, expect, test } from 'vitest';
import { PUBLIC_BASE_CONFIG_PATH, PUBLIC_SESSION_PATH } from './api.ts';
import { type FrameTarget, frameTarget, readFrameMessage } from './messages.ts';

const SIM = 'http://127.0.0.1:4001';
const target = frameTarget({
  transactionProvider: 'STRIPE',
  providerData: { provider: 'STRIPE', hostedFieldsUrl: `${SIM}/hosted/card` },
  token: 'pi_123_secret_abc',
  parentOrigin: 'http://localhost:5173',
}) as FrameTarget;
const frameWindow = { name: 'the card frame' } as unknown as MessageEventSource;
const good = {
  type: 'accrupay:result',
  version: 1,
  provider: 'stripe',
  session: 'pi_123_secret_abc',
  status: 'approved',
  providerStatus: 'succeeded',
  providerRef: 'pi_123',
};
const read = (data: unknown, origin = SIM, source: MessageEventSource | null = frameWindow) =>
  readFrameMessage({ data, origin, source }, target, frameWindow);

describe('frameTarget', () => {
  test('builds the hosted card URL with provider, token and the exact parent origin', () => {
    const url = new URL(target.url);
    expect(url.origin + url.pathname).toBe(`${SIM}/hosted/card`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      provider: 'stripe',
      token: 'pi_123_secret_abc',
      origin: 'http://localhost:5173',
    });
    expect(target.origin).toBe(SIM);
  });

  test('refuses a configuration without a usable hostedFieldsUrl, naming the field', () => {
    const base = { token: 't', parentOrigin: 'http://localhost:5173' };
    expect(frameTarget({ ...base, transactionProvider: 'STRIPE', providerData: {} })).toEqual({
      error: 'the base configuration has no providerData.hostedFieldsUrl',
    });
    expect(
      frameTarget({
        ...base,
        transactionProvider: 'NUVEI',
        providerData: { hostedFieldsUrl: 'javascript:alert(1)' },
      }),
    ).toEqual({ error: 'providerData.hostedFieldsUrl must be http(s); got javascript:' });
    expect(
      frameTarget({
        ...base,
        transactionProvider: 'PAYPAL',
        providerData: { hostedFieldsUrl: SIM },
      }),
    ).toEqual({ error: 'provider PAYPAL has no hosted card fields' });
  });

  test('the SDK calls the public routes of the contract', () => {
    expect(PUBLIC_SESSION_PATH).toBe(contract.public.getSession.path);
    expect(PUBLIC_BASE_CONFIG_PATH).toBe(contract.public.getBaseConfig.path);
  });
});

describe('readFrameMessage', () => {
  test('accepts the card page messages of this session from its origin and window', () => {
    expect(read(good)).toEqual({ type: 'frame-result', status: 'approved' });
    expect(
      read({ ...good, status: 'declined', error: { code: 'card_declined', message: 'Declined' } }),
    ).toEqual({
      type: 'frame-result',
      status: 'declined',
      error: { code: 'card_declined', message: 'Declined' },
    });
    expect(
      read({
        type: 'accrupay:ready',
        version: 1,
        provider: 'stripe',
        session: good.session,
        state: 'open',
      }),
    ).toEqual({ type: 'frame-ready', state: 'open' });
  });

  test.each([
    ['the merchant page itself', 'http://localhost:5173'],
    ['another origin', 'https://evil.example'],
    ['the right host on another port', 'http://127.0.0.1:4002'],
    ['the right host over https', 'https://127.0.0.1:4001'],
    ['a null origin (sandboxed frame)', 'null'],
  ])('ignores a message from %s', (_what, origin) => {
    expect(read(good, origin)).toBeNull();
  });

  test('ignores a message from another window of the provider origin, or with no window', () => {
    expect(read(good, SIM, { name: 'another frame' } as unknown as MessageEventSource)).toBeNull();
    expect(read(good, SIM, null)).toBeNull();
    expect(
      readFrameMessage({ data: good, origin: SIM, source: frameWindow }, target, null),
    ).toBeNull();
  });

  test.each([
    ['another session', { ...good, session: 'pi_999_secret_zzz' }],
    ['no session', { ...good, session: undefined }],
    ['another provider', { ...good, provider: 'nuvei' }],
    ['another version', { ...good, version: 2 }],
    ['an unknown type', { ...good, type: 'accrupay:paid' }],
    ['an unknown status', { ...good, status: 'requires_action' }],
    ['a malformed error', { ...good, status: 'declined', error: 'declined' }],
    ['an error without message', { ...good, status: 'declined', error: { code: 'x' } }],
    ['a ready without state', { ...good, type: 'accrupay:ready', status: undefined }],
    ['a string', JSON.stringify(good)],
    ['an array', [good]],
    ['null', null],
    ['a number', 42],
  ])('ignores %s', (_what, data) => {
    expect(read(data)).toBeNull();
  });
});
