import { act, StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { AccruePayButton, type AccruePayButtonProps } from './accrue-pay-button.tsx';
import { AccruPayProvider } from './context.tsx';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean;
}
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

const API = 'http://127.0.0.1:4000';
const SIM = 'http://127.0.0.1:4001';
const PK = 'pk_test_AbCdEf0123456789XyZ0';
const PI = 'pi_def456uvw123';
const PAGE = `${SIM}/accrue/pay?merchantPublicId=${PK}&amount=2500&currency=USD&origin=x`;

let requests: string[];
let answer: () => Response;
beforeEach(() => {
  requests = [];
  answer = () => Response.json({ url: PAGE });
  vi.stubGlobal('fetch', async (input: string) => {
    requests.push(input);
    return answer();
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

type Callbacks = Pick<AccruePayButtonProps, 'onPaymentIntent' | 'onCancel' | 'onError'>;
async function mount(props: Partial<AccruePayButtonProps> = {}, publicId = PK) {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  const callbacks: Callbacks = { onPaymentIntent: vi.fn(), onCancel: vi.fn(), onError: vi.fn() };
  await act(async () =>
    root?.render(
      <StrictMode>
        <AccruPayProvider merchantPublicId={publicId} baseUrl={API}>
          <AccruePayButton amount={2500n} currency="USD" {...callbacks} {...props} />
        </AccruPayProvider>
      </StrictMode>,
    ),
  );
  return callbacks;
}

async function until(condition: () => boolean) {
  await vi.waitFor(async () => {
    await act(async () => undefined);
    if (!condition()) throw new Error('not yet');
  });
}

const button = () =>
  [...container.querySelectorAll('button')].find((b) => b.textContent === 'Pay with Accrue Pay');
const frame = () => container.querySelector<HTMLIFrameElement>('iframe[title="Accrue Pay"]');
const status = () =>
  container.querySelector('[data-accrue-pay-status]')?.getAttribute('data-accrue-pay-status');

async function openModal(props: Partial<AccruePayButtonProps> = {}) {
  const callbacks = await mount(props);
  await act(async () => button()?.click());
  await until(() => frame() !== null);
  return callbacks;
}

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

describe('AccruePayButton', () => {
  test("asks the public route for the hosted page with this page's origin and frames it in a modal", async () => {
    await openModal();
    expect(requests).toHaveLength(1);
    const asked = new URL(requests[0] ?? '');
    expect(`${asked.origin}${asked.pathname}`).toBe(`${API}/v1/public/accrue-pay/page`);
    expect(Object.fromEntries(asked.searchParams)).toEqual({
      merchantPublicId: PK,
      amount: '2500',
      currency: 'USD',
      origin: window.location.origin,
    });
    expect(frame()?.src).toBe(PAGE);
    expect(container.querySelector('[role="dialog"]')?.getAttribute('aria-label')).toBe(
      'Accrue Pay',
    );
    expect(status()).toBe('open');
  });

  test('payment_intent.created from the page reports the id once and closes the modal', async () => {
    const callbacks = await openModal();
    post({ source: 'accrue-pay', type: 'payment_intent.created', paymentIntentId: PI });
    post({ source: 'accrue-pay', type: 'payment_intent.created', paymentIntentId: PI });
    expect(callbacks.onPaymentIntent).toHaveBeenCalledTimes(1);
    expect(callbacks.onPaymentIntent).toHaveBeenCalledWith(PI);
    expect(frame()).toBeNull();
    expect(status()).toBe('completed');
    expect(callbacks.onCancel).not.toHaveBeenCalled();
  });

  test.each([
    [
      'another origin',
      { source: 'accrue-pay', type: 'payment_intent.created', paymentIntentId: PI },
      'http://evil.example',
      undefined,
    ],
    [
      'another window',
      { source: 'accrue-pay', type: 'payment_intent.created', paymentIntentId: PI },
      SIM,
      null,
    ],
    [
      'no accrue-pay source',
      { type: 'payment_intent.created', paymentIntentId: PI },
      SIM,
      undefined,
    ],
    [
      'a malformed id',
      { source: 'accrue-pay', type: 'payment_intent.created', paymentIntentId: 'pay_1' },
      SIM,
      undefined,
    ],
    [
      'an unknown type',
      { source: 'accrue-pay', type: 'payment.succeeded', paymentIntentId: PI },
      SIM,
      undefined,
    ],
  ] as const)('a message from %s is ignored', async (_name, data, origin, source) => {
    const callbacks = await openModal();
    post(data, origin, source === null ? window : source);
    expect(callbacks.onPaymentIntent).not.toHaveBeenCalled();
    expect(callbacks.onCancel).not.toHaveBeenCalled();
    expect(frame()).not.toBeNull();
    expect(status()).toBe('open');
  });

  test('canceled from the page calls onCancel and closes the modal', async () => {
    const callbacks = await openModal();
    post({ source: 'accrue-pay', type: 'canceled' });
    expect(callbacks.onCancel).toHaveBeenCalledTimes(1);
    expect(frame()).toBeNull();
    expect(status()).toBe('canceled');
  });

  test('the close button calls onCancel; the button opens the page again', async () => {
    const callbacks = await openModal();
    const close = container.querySelector<HTMLButtonElement>('button[aria-label="Close"]');
    expect(document.activeElement).toBe(close);
    await act(async () => close?.click());
    expect(callbacks.onCancel).toHaveBeenCalledTimes(1);
    expect(frame()).toBeNull();
    await act(async () => button()?.click());
    await until(() => frame() !== null);
    expect(requests).toHaveLength(2);
  });

  test("an error answer calls onError with the route's detail and shows it", async () => {
    answer = () =>
      Response.json(
        {
          errors: [
            {
              status: '403',
              code: 'permission_denied',
              title: 'Permission Denied',
              detail: 'origin http://localhost:3000 is not allowed for this merchant',
            },
          ],
        },
        { status: 403 },
      );
    const callbacks = await mount();
    await act(async () => button()?.click());
    await until(() => status() === 'failed');
    expect(callbacks.onError).toHaveBeenCalledWith({
      code: 'API_ERROR',
      message:
        'Could not load the Accrue Pay page: origin http://localhost:3000 is not allowed for this merchant',
    });
    expect(container.querySelector('[role="alert"]')?.textContent).toContain('not allowed');
    expect(frame()).toBeNull();
  });

  test('AccruPay unreachable is a NETWORK error', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed');
    });
    const callbacks = await mount();
    await act(async () => button()?.click());
    await until(() => status() === 'failed');
    expect(callbacks.onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'NETWORK' }));
  });

  test('a bad amount or public id is refused before asking, naming it', async () => {
    const callbacks = await mount({ amount: '25.00' });
    await act(async () => button()?.click());
    await until(() => status() === 'failed');
    expect(requests).toEqual([]);
    expect(callbacks.onError).toHaveBeenCalledWith(
      expect.objectContaining({
        code: 'CONFIGURATION',
        message: expect.stringContaining('amount'),
      }),
    );
    await act(async () => root?.unmount());
    root = undefined;
    const other = await mount({}, 'sk_test_not_public');
    await act(async () => button()?.click());
    await until(() => status() === 'failed');
    expect(other.onError).toHaveBeenCalledWith(
      expect.objectContaining({ message: expect.stringContaining('merchantPublicId') }),
    );
    expect(requests).toEqual([]);
  });

  test('renders on the server as a plain button; outside the provider it says where it belongs', () => {
    const html = renderToString(
      <AccruPayProvider merchantPublicId={PK}>
        <AccruePayButton amount={1n} currency="USD" onPaymentIntent={() => undefined} />
      </AccruPayProvider>,
    );
    expect(html).toContain('Pay with Accrue Pay');
    expect(html).not.toContain('iframe');
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() =>
      renderToString(
        <AccruePayButton amount={1n} currency="USD" onPaymentIntent={() => undefined} />,
      ),
    ).toThrow('AccruePayButton must be rendered inside <AccruPayProvider');
    spy.mockRestore();
  });
});
