import { act, StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { AccruPayProvider } from './context.tsx';
import { PaymentForm, type PaymentFormProps } from './payment-form.tsx';
import { type UseAccruPay, useAccruPay } from './use-accrupay.ts';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean;
}
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

const API = 'http://127.0.0.1:4000';
const SIM = 'http://127.0.0.1:4001';
const PK = 'pk_test_AbCdEf0123456789XyZ0';
const ID = '6c8d2b8e-1f6a-4c44-9d6b-2f3f3c1d0a11';
const TOKEN = 'pi_3Q_secret_w1x2';

function publicSession(status = 'ACTIVE', type = 'payment') {
  return {
    id: ID,
    token: TOKEN,
    status,
    kind: 'CLIENT',
    type,
    amount: type === 'add-payment-method' ? null : '10000',
    currency: 'USD',
    transactionProvider: 'STRIPE',
    expiresAt: '2030-01-16T12:00:00.000Z',
  };
}
const baseConfig = {
  id: ID,
  transactionProvider: 'STRIPE',
  merchantTransactionProviderId: 'mtp_1',
  providerData: {
    provider: 'STRIPE',
    publishableKey: 'pk_sim',
    hostedFieldsUrl: `${SIM}/hosted/card`,
  },
};

let requests: string[];
let answers: { session: () => Response; config: () => Response };

beforeEach(() => {
  requests = [];
  answers = {
    session: () => Response.json(publicSession()),
    config: () => Response.json(baseConfig),
  };
  vi.stubGlobal('fetch', async (input: string) => {
    requests.push(input);
    return input.includes('/base-config') ? answers.config() : answers.session();
  });
});

let root: Root | undefined;
let container: HTMLElement;
afterEach(async () => {
  await act(async () => root?.unmount());
  root = undefined;
  container?.remove();
  vi.unstubAllGlobals();
});

let hook: UseAccruPay;
function Probe() {
  hook = useAccruPay();
  return null;
}

async function mount(props: Partial<PaymentFormProps> = {}, options: { strict?: boolean } = {}) {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  const formProps = { sessionId: ID, ...props } as PaymentFormProps;
  const tree = (
    <AccruPayProvider merchantPublicId={PK} baseUrl={API}>
      <PaymentForm {...formProps} />
      <Probe />
    </AccruPayProvider>
  );
  await act(async () => root?.render(options.strict ? <StrictMode>{tree}</StrictMode> : tree));
}

async function until(condition: () => boolean) {
  await vi.waitFor(async () => {
    await act(async () => undefined);
    if (!condition()) throw new Error('not yet');
  });
}

const frame = () => container.querySelector('iframe');

function post(
  data: unknown,
  origin = SIM,
  source: MessageEventSource | null | undefined = undefined,
) {
  act(() => {
    window.dispatchEvent(
      new MessageEvent('message', {
        data,
        origin,
        source: source === undefined ? frame()?.contentWindow : source,
      }),
    );
  });
}
const ready = (state = 'open') => ({
  type: 'accrupay:ready',
  version: 1,
  provider: 'stripe',
  session: TOKEN,
  state,
});
const result = (status: string, extra: object = {}) => ({
  type: 'accrupay:result',
  version: 1,
  provider: 'stripe',
  session: TOKEN,
  status,
  providerStatus: status === 'approved' ? 'succeeded' : 'requires_payment_method',
  providerRef: 'pi_3Q',
  ...extra,
});

/** Mounts the form on a session that has already ended, and waits for it to load. */
async function mountEnded(status: string, props: Partial<PaymentFormProps>) {
  answers.session = () => Response.json(publicSession(status));
  await mount(props);
  await until(() => hook.status !== 'loading');
}

async function mountReady(props: Partial<PaymentFormProps> = {}, options = {}) {
  await mount(props, options);
  await until(() => frame() !== null);
  post(ready());
  expect(hook.status).toBe('ready');
}

describe('PaymentForm', () => {
  test('loads the session by id, frames the hosted card page and becomes ready', async () => {
    await mount();
    expect(hook.status).toBe('loading');
    await until(() => frame() !== null);
    expect(requests).toEqual([
      `${API}/v1/public/${PK}/client-session?id=${ID}`,
      `${API}/v1/public/${PK}/client-session/base-config?id=${ID}`,
    ]);
    const src = new URL(frame()?.src ?? '');
    expect(`${src.origin}${src.pathname}`).toBe(`${SIM}/hosted/card`);
    expect(src.searchParams.get('provider')).toBe('stripe');
    expect(src.searchParams.get('token')).toBe(TOKEN);
    expect(src.searchParams.get('origin')).toBe(window.location.origin);
    expect(hook.status).toBe('loading');
    post(ready());
    expect(hook).toMatchObject({ status: 'ready', sessionId: ID, error: null });
    expect(hook.session).toMatchObject({ id: ID, amount: 10000n, type: 'payment' });
    expect(hook.session).not.toHaveProperty('token');
    expect(
      container.querySelector('[data-accrupay-status]')?.getAttribute('data-accrupay-status'),
    ).toBe('ready');
  });

  test('loads the session by token', async () => {
    await mount({ sessionToken: TOKEN, sessionId: undefined } as Partial<PaymentFormProps>);
    await until(() => frame() !== null);
    expect(requests[0]).toBe(`${API}/v1/public/${PK}/client-session?token=${TOKEN}`);
    post(ready());
    expect(hook).toMatchObject({ status: 'ready', sessionId: ID });
  });

  test('an approval from the card page succeeds and calls onSuccess once, with the session id only', async () => {
    const onSuccess = vi.fn();
    const onError = vi.fn();
    await mountReady({ onSuccess, onError });
    post({ type: 'accrupay:submitting', version: 1, provider: 'stripe', session: TOKEN });
    expect(hook.status).toBe('submitting');
    post(result('approved'));
    post(result('approved'));
    post(result('declined'));
    expect(hook.status).toBe('succeeded');
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onSuccess).toHaveBeenCalledWith({ sessionId: ID });
    expect(onError).not.toHaveBeenCalled();
    expect(frame()).toBeNull();
    expect(container.textContent).toContain('The shop confirms your order once it has verified');
  });

  test('a Stripe decline fails in plain words and calls onError; a 3-D Secure denial says so', async () => {
    const onError = vi.fn();
    await mountReady({ onError });
    post(
      result('declined', { error: { code: 'card_declined', message: 'Your card was declined.' } }),
    );
    expect(hook).toMatchObject({
      status: 'failed',
      error: {
        code: 'DECLINED',
        message: 'Your card was declined. Try another card.',
        providerCode: 'card_declined',
      },
    });
    expect(onError).toHaveBeenCalledWith({ sessionId: ID, error: hook.error });
    expect(frame()).toBeNull();
    expect(container.querySelector('[role="alert"]')?.textContent).toBe(
      'Your card was declined. Try another card.',
    );
    await act(async () => root?.unmount());
    root = undefined;
    await mountReady();
    post(
      result('declined', {
        error: {
          code: 'payment_intent_authentication_failure',
          message: 'The provided PaymentMethod has failed authentication.',
        },
      }),
    );
    expect(container.querySelector('[role="alert"]')?.textContent).toBe(
      'The authentication was not completed. Try again or use another card.',
    );
    // The form never claims success.
    expect(container.textContent).not.toMatch(/succe|paid|thank/i);
  });

  test('a Nuvei decline keeps the frame for another card in the same session; the next approval succeeds', async () => {
    answers.session = () =>
      Response.json({ ...publicSession(), token: 'nuvei_tok', transactionProvider: 'NUVEI' });
    answers.config = () =>
      Response.json({
        ...baseConfig,
        transactionProvider: 'NUVEI',
        providerData: { provider: 'NUVEI', hostedFieldsUrl: `${SIM}/hosted/card` },
      });
    const onError = vi.fn();
    const onSuccess = vi.fn();
    await mount({ onError, onSuccess });
    await until(() => frame() !== null);
    const nuvei = { provider: 'nuvei', session: 'nuvei_tok' };
    post({ ...ready(), ...nuvei });
    expect(hook.status).toBe('ready');
    const iframe = frame();
    post({ type: 'accrupay:submitting', version: 1, ...nuvei });
    post({
      ...result('declined'),
      ...nuvei,
      providerStatus: 'DECLINED',
      error: { code: '-1', message: '3D Secure authentication failed' },
    });
    expect(hook).toMatchObject({
      status: 'ready',
      error: {
        code: 'AUTHENTICATION_FAILED',
        message: 'The authentication was not completed. Try again or use another card.',
      },
    });
    expect(onError).not.toHaveBeenCalled();
    expect(frame()).toBe(iframe);
    post({ type: 'accrupay:submitting', version: 1, ...nuvei });
    expect(hook).toMatchObject({ status: 'submitting', error: null });
    post({ ...result('approved'), ...nuvei, providerStatus: 'APPROVED' });
    expect(hook.status).toBe('succeeded');
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onError).not.toHaveBeenCalled();
  });

  test('appearance reaches the frame as query parameters; a hostile value fails the form by name and frames nothing', async () => {
    await mount({
      appearance: {
        theme: 'night',
        variables: {
          colorPrimary: '#7c5cff',
          borderRadius: '12px',
          fontFamily: 'Inter, sans-serif',
        },
      },
    });
    await until(() => frame() !== null);
    const src = new URL(frame()?.src ?? '');
    expect(src.searchParams.get('theme')).toBe('night');
    expect(src.searchParams.get('colorPrimary')).toBe('#7c5cff');
    expect(src.searchParams.get('borderRadius')).toBe('12px');
    expect(src.searchParams.get('fontFamily')).toBe('Inter, sans-serif');
    expect(src.searchParams.get('token')).toBe(TOKEN);
    await act(async () => root?.unmount());
    root = undefined;
    requests = [];
    const onError = vi.fn();
    await mount({
      onError,
      appearance: { variables: { colorPrimary: 'red;}body{display:none' } },
    });
    await until(() => hook.status === 'failed');
    expect(hook.error).toEqual({
      code: 'CONFIGURATION',
      message:
        'PaymentForm\'s appearance.variables.colorPrimary must be a CSS colour (#rgb, #rrggbb, rgb(...), hsl(...) or a colour name such as rebeccapurple); got "red;}body{display:none".',
    });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(frame()).toBeNull();
    expect(requests).toEqual([]);
  });

  test.each([
    ['add-payment-method', 'Card submitted.'],
    ['authorization', 'Payment submitted.'],
  ])('a %s session is framed and reported the same way', async (type, text) => {
    answers.session = () => Response.json(publicSession('ACTIVE', type));
    const onSuccess = vi.fn();
    await mountReady({ onSuccess });
    expect(hook.session?.type).toBe(type);
    post(result('approved'));
    expect(onSuccess).toHaveBeenCalledWith({ sessionId: ID });
    expect(container.textContent).toContain(text);
  });

  describe('ignores every message that is not from this session card page', () => {
    test.each([
      ['a forged origin', result('approved'), 'http://localhost:3000', undefined],
      ['a look-alike origin', result('approved'), 'http://127.0.0.1:40011', undefined],
      ['another window of the provider origin', result('approved'), SIM, window],
      ['no source window', result('approved'), SIM, null],
      ['another session', result('approved', { session: 'pi_other_secret' }), SIM, undefined],
      ['another provider', result('approved', { provider: 'nuvei' }), SIM, undefined],
      ['a malformed message', '{"type":"accrupay:result","status":"approved"}', SIM, undefined],
      ['a message without version', { ...result('approved'), version: undefined }, SIM, undefined],
      ['an unknown status', result('paid'), SIM, undefined],
    ] as const)('%s', async (_what, data, origin, source) => {
      const onSuccess = vi.fn();
      const onError = vi.fn();
      await mountReady({ onSuccess, onError });
      post(data, origin, source as MessageEventSource | null | undefined);
      expect(hook.status).toBe('ready');
      expect(onSuccess).not.toHaveBeenCalled();
      expect(onError).not.toHaveBeenCalled();
      // The genuine message still works afterwards.
      post(result('approved'));
      expect(hook.status).toBe('succeeded');
    });
  });

  test('a session already expired is shown as expired, without card fields, and calls onExpired', async () => {
    const onExpired = vi.fn();
    await mountEnded('EXPIRED', { onExpired });
    expect(hook).toMatchObject({ status: 'expired', alreadyFinished: true });
    expect(frame()).toBeNull();
    expect(container.textContent).toContain('This payment session has expired');
    expect(onExpired).toHaveBeenCalledWith({ sessionId: ID });
  });

  test('a session the card page reports expired (by the provider clock) is shown as expired', async () => {
    const onExpired = vi.fn();
    await mount({ onExpired });
    await until(() => frame() !== null);
    post(ready('expired'));
    expect(hook.status).toBe('expired');
    expect(frame()).toBeNull();
    expect(onExpired).toHaveBeenCalledTimes(1);
  });

  test('a session already completed is shown as finished, and fires no success', async () => {
    const onSuccess = vi.fn();
    await mountEnded('COMPLETED', { onSuccess });
    expect(hook).toMatchObject({ status: 'finished', alreadyFinished: true });
    expect(container.textContent).toContain('already finished');
    expect(frame()).toBeNull();
    expect(onSuccess).not.toHaveBeenCalled();
  });

  test('an unknown session fails with SESSION_NOT_FOUND and the API message', async () => {
    answers.session = () =>
      Response.json(
        { error: { code: 'NOT_FOUND', message: 'Session not found', requestId: 'req_12345678' } },
        { status: 404 },
      );
    const onError = vi.fn();
    await mount({ onError });
    await until(() => hook.status !== 'loading');
    expect(hook.error).toEqual({
      code: 'SESSION_NOT_FOUND',
      message: 'Could not load the payment session: Session not found',
    });
    expect(onError).toHaveBeenCalledTimes(1);
  });

  test('an unreachable API fails with NETWORK', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed');
    });
    await mount();
    await until(() => hook.status !== 'loading');
    expect(hook.error?.code).toBe('NETWORK');
  });

  test('a page whose origin the merchant has not allowed fails with ORIGIN_NOT_ALLOWED, naming the origin and the fix', async () => {
    // CORS refuses the read (it fails like a network error); asked without CORS, the API answers.
    vi.stubGlobal('fetch', async (_url: string, init?: RequestInit) => {
      if (init?.mode === 'no-cors') return new Response(null, { status: 200 });
      throw new TypeError('Failed to fetch');
    });
    await mount();
    await until(() => hook.status !== 'loading');
    expect(hook.error?.code).toBe('ORIGIN_NOT_ALLOWED');
    expect(hook.error?.message).toContain(
      `accrupay-sandbox merchant origins add ${window.location.origin}`,
    );
  });

  test('a bad merchantPublicId or no session fails with a message naming the fix', async () => {
    container = document.createElement('div');
    root = createRoot(container);
    await act(async () =>
      root?.render(
        <AccruPayProvider merchantPublicId="sk_test_oops">
          <PaymentForm sessionId={ID} />
          <Probe />
        </AccruPayProvider>,
      ),
    );
    expect(hook.error?.message).toContain('merchantPublicId must be a merchant public id');
    expect(requests).toEqual([]);
    await act(async () =>
      root?.render(
        <AccruPayProvider merchantPublicId={PK}>
          <PaymentForm {...({} as PaymentFormProps)} />
          <Probe />
        </AccruPayProvider>,
      ),
    );
    expect(hook).toMatchObject({ status: 'failed', error: { code: 'CONFIGURATION' } });
    expect(hook.error?.message).toContain('sessionId or a sessionToken');
  });

  test('cancel() from the hook cancels the form and calls onCancel', async () => {
    const onCancel = vi.fn();
    await mountReady({ onCancel });
    act(() => hook.cancel());
    expect(hook.status).toBe('canceled');
    expect(onCancel).toHaveBeenCalledWith({ sessionId: ID });
    post(result('approved'));
    expect(hook.status).toBe('canceled');
  });

  test('in StrictMode it loads, listens and calls back exactly as without it', async () => {
    const onSuccess = vi.fn();
    await mountReady({ onSuccess }, { strict: true });
    expect(container.querySelectorAll('iframe')).toHaveLength(1);
    post(result('approved'));
    expect(hook.status).toBe('succeeded');
    expect(onSuccess).toHaveBeenCalledTimes(1);
  });

  test('the hook goes back to idle when the form unmounts', async () => {
    await mountReady();
    await act(async () =>
      root?.render(
        <AccruPayProvider merchantPublicId={PK} baseUrl={API}>
          <Probe />
        </AccruPayProvider>,
      ),
    );
    expect(hook.status).toBe('idle');
  });

  test('server rendering renders a placeholder and nothing card-related', () => {
    const html = renderToString(
      <AccruPayProvider merchantPublicId={PK} baseUrl={API}>
        <PaymentForm sessionId={ID} />
      </AccruPayProvider>,
    );
    expect(html).toContain('data-accrupay-status="loading"');
    expect(html).not.toMatch(/iframe|hosted|token|card number/i);
    expect(requests).toEqual([]);
  });

  test('useAccruPay outside the provider says where it belongs', () => {
    expect(() => renderToString(<Probe />)).toThrow('must be rendered inside <AccruPayProvider');
  });
});

test('runs against the React version of its project', async () => {
  const { version } = await import('react');
  const { version: domVersion } = await import('react-dom');
  // vitest.config.ts: the react-18 project sets this variable and aliases React to version 18.
  expect(version).toMatch(process.env.ACCRUPAY_TEST_REACT_18_DIR ? /^18\./ : /^19\./);
  expect(domVersion).toBe(version);
});
