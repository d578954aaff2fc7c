import { contract } from '@accrupay/contracts';
import { describe, expect, test } from 'vitest';
import { PUBLIC_BASE_CONFIG_PATH, PUBLIC_SESSION_PATH } from './api.ts';
import { checkAppearance, type FrameTarget, frameTarget, readFrameMessage } from './messages.ts';

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

describe('checkAppearance', () => {
  test('accepts the themes and variables in the allowed CSS syntax', () => {
    const appearance = {
      theme: 'flat',
      variables: {
        colorPrimary: '#0570DE',
        colorBackground: 'rgb(255 255 255)',
        colorText: 'hsl(240, 10%, 20%)',
        colorDanger: 'crimson',
        fontFamily: '"Helvetica Neue", Arial, sans-serif',
        borderRadius: '0.5rem',
      },
    };
    expect(checkAppearance(appearance)).toEqual({ appearance });
    expect(checkAppearance(undefined)).toEqual({ appearance: {} });
    for (const colour of [
      '#fff',
      '#ffff',
      '#ffffff80',
      'rgba(0, 0, 0, 0.5)',
      'rgb(0 0 0 / 50%)',
      'transparent',
    ]) {
      expect(checkAppearance({ variables: { colorText: colour } }), colour).toHaveProperty(
        'appearance',
      );
    }
    for (const radius of ['0', '4px', '1.25em']) {
      expect(checkAppearance({ variables: { borderRadius: radius } }), radius).toHaveProperty(
        'appearance',
      );
    }
  });

  test.each([
    ['colorPrimary', 'red;}body{display:none'],
    ['colorPrimary', 'banana'],
    ['colorBackground', 'url(https://evil.example/x.png)'],
    ['colorText', 'expression(alert(1))'],
    ['colorDanger', '#ff0000;color:red'],
    ['colorDanger', 'rgb(1,2,3);}*{x:y'],
    ['colorText', 'var(--x)'],
    ['colorText', '</style><script>alert(1)</script>'],
    ['fontFamily', 'Arial;}body{display:none'],
    ['fontFamily', "x'); background: url(https://evil.example"],
    ['fontFamily', 'Arial\\3b'],
    ['borderRadius', '4px;}body{display:none'],
    ['borderRadius', 'calc(1px + 1px)'],
    ['borderRadius', '-4px'],
    ['borderRadius', '10%'],
  ])('refuses %s %j, naming the variable', (name, value) => {
    const checked = checkAppearance({ variables: { [name]: value } });
    expect(checked).toHaveProperty('error');
    expect((checked as { error: string }).error).toMatch(
      new RegExp(`^appearance\\.variables\\.${name} must be`),
    );
  });

  test('refuses an unknown theme, an unknown variable and a non-string value by name', () => {
    expect(checkAppearance({ theme: 'dark' })).toEqual({
      error: 'appearance.theme must be one of stripe, night, flat',
    });
    expect(checkAppearance({ variables: { colorBorder: '#fff' } })).toEqual({
      error:
        'appearance.variables has no colorBorder; use colorPrimary, colorBackground, colorText, colorDanger, fontFamily, borderRadius',
    });
    expect(checkAppearance({ style: 'x' })).toEqual({
      error: 'appearance has no style; use theme, variables',
    });
    expect(checkAppearance({ variables: 'dark' })).toEqual({
      error: 'appearance.variables must be an object; got string',
    });
    expect(checkAppearance({ variables: { borderRadius: 4 } })).toEqual({
      error: 'appearance.variables.borderRadius must be a string; got number',
    });
  });

  test('frameTarget puts the theme and each variable in the page URL', () => {
    const styled = frameTarget({
      transactionProvider: 'STRIPE',
      providerData: { hostedFieldsUrl: `${SIM}/hosted/card` },
      token: 'pi_123_secret_abc',
      parentOrigin: 'http://localhost:5173',
      appearance: { theme: 'night', variables: { colorPrimary: '#ff5a5f', borderRadius: '8px' } },
    }) as FrameTarget;
    expect(Object.fromEntries(new URL(styled.url).searchParams)).toEqual({
      provider: 'stripe',
      token: 'pi_123_secret_abc',
      origin: 'http://localhost:5173',
      theme: 'night',
      colorPrimary: '#ff5a5f',
      borderRadius: '8px',
    });
    expect(styled.origin).toBe(SIM);
  });
});

describe('readFrameMessage', () => {
  test('a Nuvei decline is one the same frame can retry; a 3-D Secure failure is told apart', () => {
    const nuvei = frameTarget({
      transactionProvider: 'NUVEI',
      providerData: { hostedFieldsUrl: `${SIM}/hosted/card` },
      token: 'nuvei_tok',
      parentOrigin: 'http://localhost:5173',
    }) as FrameTarget;
    const message = (provider: string, session: string, error: object) => ({
      ...good,
      provider,
      session,
      status: 'declined',
      error,
    });
    const readAs = (t: FrameTarget, data: unknown) =>
      readFrameMessage({ data, origin: SIM, source: frameWindow }, t, frameWindow);
    expect(
      readAs(
        nuvei,
        message('nuvei', 'nuvei_tok', { code: '-1', message: '3D Secure authentication failed' }),
      ),
    ).toMatchObject({ status: 'declined', sessionOpen: true, authenticationFailed: true });
    expect(
      readAs(nuvei, message('nuvei', 'nuvei_tok', { code: '-1', message: 'Decline' })),
    ).toEqual({
      type: 'frame-result',
      status: 'declined',
      sessionOpen: true,
      error: { code: '-1', message: 'Decline' },
    });
    expect(
      read(
        message('stripe', good.session, {
          code: 'payment_intent_authentication_failure',
          message: 'x',
        }),
      ),
    ).toEqual({
      type: 'frame-result',
      status: 'declined',
      authenticationFailed: true,
      error: { code: 'payment_intent_authentication_failure', message: 'x' },
    });
    expect(
      read({ ...good, status: 'error', error: { code: '1', message: 'x' } }),
    ).not.toHaveProperty('sessionOpen');
  });

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
