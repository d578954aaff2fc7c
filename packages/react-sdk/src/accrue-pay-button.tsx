import {
  type AmountInput,
  type Currency,
  describeIssues,
  merchantPublicIdSchema,
  paymentIntentIdSchema,
  paymentIntentsContract,
} from '@accrupay/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { getJson, PublicApiError } from './api.ts';
import { useAccruPayContext } from './context.tsx';

/** The `source` every message of the hosted Accrue Pay page carries. */
export const ACCRUE_PAY_MESSAGE_SOURCE = 'accrue-pay';

/** Why the Accrue Pay button could not open the hosted page. */
export interface AccruePayError {
  /**
   * `CONFIGURATION` (a bad prop), `NETWORK` (AccruPay unreachable), `ORIGIN_NOT_ALLOWED`
   * (AccruPay answered, but not to this page's origin) or `API_ERROR`.
   */
  code: 'CONFIGURATION' | 'NETWORK' | 'ORIGIN_NOT_ALLOWED' | 'API_ERROR';
  message: string;
}

/**
 * Props of {@link AccruePayButton}. The callbacks are **informational only**, like the card
 * form's: anyone can forge them from the browser's console. Send the intent id to your backend,
 * which authorizes it (`accrupay.paymentIntents.authorize()`) and fulfils only once
 * `accrupay.payments.get()` says `succeeded` or `settled`.
 */
export interface AccruePayButtonProps {
  /** Minor units: `10000n` (or `"10000"`) is $100.00. */
  amount: bigint | string;
  currency: Currency;
  /** The customer created a Payment Intent (`pi_...`): give its id to your backend to authorize. */
  onPaymentIntent: (paymentIntentId: string) => void;
  /** The customer closed Accrue Pay or left its checkout: nothing was paid. */
  onCancel?: () => void;
  /** The hosted page could not be opened. */
  onError?: (error: AccruePayError) => void;
  /** The button's text. Default "Pay with Accrue Pay". */
  label?: string;
  className?: string;
  disabled?: boolean;
}

/** What the button is doing, in its `data-accrue-pay-status` attribute. */
export type AccruePayStatus = 'idle' | 'loading' | 'open' | 'completed' | 'canceled' | 'failed';

/**
 * Reads a `message` event from the hosted Accrue Pay page: only from the page's origin and
 * frame, with `source: "accrue-pay"`; anything else is null.
 */
export function readAccruePayMessage(
  event: Pick<MessageEvent, 'origin' | 'data' | 'source'>,
  page: { origin: string; frame: MessageEventSource | null },
): { type: 'payment_intent.created'; paymentIntentId: string } | { type: 'canceled' } | null {
  if (event.origin !== page.origin) return null;
  if (page.frame === null || event.source !== page.frame) return null;
  const data = event.data as { source?: unknown; type?: unknown; paymentIntentId?: unknown };
  if (data === null || typeof data !== 'object' || data.source !== ACCRUE_PAY_MESSAGE_SOURCE) {
    return null;
  }
  if (data.type === 'canceled') return { type: 'canceled' };
  if (
    data.type === 'payment_intent.created' &&
    paymentIntentIdSchema.safeParse(data.paymentIntentId).success
  ) {
    return { type: 'payment_intent.created', paymentIntentId: data.paymentIntentId as string };
  }
  return null;
}

class PageError extends Error {
  constructor(readonly error: AccruePayError) {
    super(error.message);
  }
}

/** Asks AccruPay's public route for the hosted page's address (`paymentIntentsContract.accruePayPage`). */
async function hostedPageUrl(
  options: { baseUrl: string; merchantPublicId: string; amount: AmountInput; currency: string },
  signal: AbortSignal,
): Promise<string> {
  const route = paymentIntentsContract.accruePayPage;
  const query = {
    merchantPublicId: options.merchantPublicId,
    amount: String(options.amount),
    currency: options.currency,
    origin: window.location.origin,
  };
  const checked = route.query.safeParse(query);
  if (!checked.success) {
    throw new PageError({
      code: 'CONFIGURATION',
      message: `AccruePayButton: ${describeIssues(checked.error)}.`,
    });
  }
  const target = `${options.baseUrl.replace(/\/+$/, '')}${route.path}?${new URLSearchParams(query)}`;
  try {
    const answer = await getJson(
      target,
      (body) => route.responses[200].safeParse(body),
      'Accrue Pay page',
      signal,
    );
    return answer.url;
  } catch (error) {
    if (!(error instanceof PublicApiError)) throw error;
    const { code, message } = error.formError;
    throw new PageError({
      code: code === 'NETWORK' || code === 'ORIGIN_NOT_ALLOWED' ? code : 'API_ERROR',
      message,
    });
  }
}

const OVERLAY = {
  position: 'fixed',
  inset: 0,
  background: 'rgba(16, 20, 30, 0.55)',
  display: 'flex',
  alignItems: 'center',
  justifyContent: 'center',
  zIndex: 2147483000,
} as const;
const PANEL = {
  position: 'relative',
  background: '#fff',
  borderRadius: 12,
  width: 'min(420px, 100vw)',
  boxShadow: '0 8px 32px rgba(0, 0, 0, 0.3)',
  overflow: 'hidden',
} as const;

/**
 * A "Pay with Accrue Pay" button: it opens Accrue's hosted checkout in a modal frame, where the
 * customer signs in and pays from their Accrue wallet or bank account; the page creates a Payment
 * Intent and the button reports its id. Messages are accepted only from the hosted page's origin
 * and frame. Render it inside {@link AccruPayProvider}.
 *
 * @example
 * ```tsx
 * <AccruePayButton
 *   amount={2500n}
 *   currency="USD"
 *   onPaymentIntent={(id) => fetch(`/api/orders/${orderId}/accrue-pay`, { method: 'POST', body: JSON.stringify({ paymentIntentId: id }) })}
 * />
 * ```
 */
export function AccruePayButton(props: AccruePayButtonProps) {
  const { merchantPublicId, baseUrl } = useAccruPayContext('AccruePayButton');
  const [status, setStatus] = useState<AccruePayStatus>('idle');
  const [page, setPage] = useState<{ url: string; origin: string } | null>(null);
  const [error, setError] = useState<AccruePayError | null>(null);
  const frameRef = useRef<HTMLIFrameElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const callbacksRef = useRef(props);
  const requestRef = useRef<AbortController | null>(null);
  useEffect(() => {
    callbacksRef.current = props;
  });
  useEffect(() => () => requestRef.current?.abort(), []);

  const fail = useCallback((failure: AccruePayError) => {
    setPage(null);
    setError(failure);
    setStatus('failed');
    callbacksRef.current.onError?.(failure);
  }, []);

  const cancel = useCallback(() => {
    setPage(null);
    setStatus('canceled');
    callbacksRef.current.onCancel?.();
  }, []);

  async function open() {
    requestRef.current?.abort();
    const controller = new AbortController();
    requestRef.current = controller;
    setError(null);
    setStatus('loading');
    if (!merchantPublicIdSchema.safeParse(merchantPublicId).success) {
      fail({
        code: 'CONFIGURATION',
        message: `AccruPayProvider's merchantPublicId must be a merchant public id such as pk_test_...; got "${merchantPublicId}".`,
      });
      return;
    }
    try {
      const url = await hostedPageUrl(
        { baseUrl, merchantPublicId, amount: props.amount, currency: props.currency },
        controller.signal,
      );
      if (controller.signal.aborted) return;
      setPage({ url, origin: new URL(url).origin });
      setStatus('open');
    } catch (caught) {
      if (controller.signal.aborted) return;
      fail(
        caught instanceof PageError
          ? caught.error
          : { code: 'API_ERROR', message: 'Could not open Accrue Pay.' },
      );
    }
  }

  useEffect(() => {
    if (!page) return;
    closeRef.current?.focus();
    const onMessage = (event: MessageEvent) => {
      const read = readAccruePayMessage(event, {
        origin: page.origin,
        frame: frameRef.current?.contentWindow ?? null,
      });
      if (!read) return;
      if (read.type === 'canceled') {
        cancel();
        return;
      }
      setPage(null);
      setStatus('completed');
      callbacksRef.current.onPaymentIntent(read.paymentIntentId);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [page, cancel]);

  return (
    <div className={props.className} data-accrue-pay-status={status}>
      <button
        type="button"
        onClick={open}
        disabled={props.disabled || status === 'loading' || status === 'open'}
      >
        {props.label ?? 'Pay with Accrue Pay'}
      </button>
      {error ? <p role="alert">{error.message}</p> : null}
      {page ? (
        <div
          style={OVERLAY}
          role="dialog"
          aria-modal="true"
          aria-label="Accrue Pay"
          onKeyDown={(event) => {
            if (event.key === 'Escape') cancel();
          }}
        >
          <div style={PANEL}>
            <button
              ref={closeRef}
              type="button"
              aria-label="Close"
              onClick={cancel}
              style={{
                position: 'absolute',
                top: 6,
                right: 6,
                border: 0,
                background: 'transparent',
                fontSize: 22,
                lineHeight: 1,
                cursor: 'pointer',
                padding: 6,
              }}
            >
              ×
            </button>
            <iframe
              ref={frameRef}
              key={page.url}
              src={page.url}
              title="Accrue Pay"
              sandbox="allow-scripts allow-same-origin allow-forms allow-popups"
              style={{ border: 0, width: '100%', height: 560, display: 'block' }}
            />
          </div>
        </div>
      ) : null}
    </div>
  );
}
