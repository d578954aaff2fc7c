import { merchantPublicIdSchema } from '@accrupay/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { loadSession, PublicApiError, type SessionRef } from './api.ts';
import { useAccruPayContext } from './context.tsx';
import {
  checkAppearance,
  type FrameTarget,
  frameTarget,
  type PaymentFormAppearance,
  readFrameMessage,
} from './messages.ts';
import {
  type AccruPayFormError,
  type AccruPayState,
  type AccruPayStatus,
  IDLE_STATE,
  isTerminal,
  type MachineEvent,
  transition,
} from './state.ts';

/**
 * The callbacks of {@link PaymentForm}. They are **informational only**: the customer's browser
 * may close before they fire, a network error may drop them, and anyone can forge them from the
 * browser's console. Never confirm an order, send a receipt or ship goods because one fired; call
 * `verify()` on your backend and act on the transaction it returns (document 000, "Verify is
 * the source of truth"). They carry only the session id, which is what your backend needs.
 */
export interface PaymentFormCallbacks {
  /** The provider's page said the card was accepted. Ask your backend to verify the session. */
  onSuccess?: (event: { sessionId: string }) => void;
  /**
   * The session ended without a payment: the card was declined, the authentication failed, the
   * provider failed, or the session could not be loaded. A decline the provider lets the customer
   * retry in the same frame (Nuvei) does not end it: the form stays `ready` with `error` set.
   */
  onError?: (event: { sessionId: string | null; error: AccruPayFormError }) => void;
  /** The form was canceled, or the session had been canceled. */
  onCancel?: (event: { sessionId: string | null }) => void;
  /** The session expired at the provider: start a new session on your backend. */
  onExpired?: (event: { sessionId: string | null }) => void;
}

/** The session the form is for: its id (documents 001, 002) or its token (document 003). */
export type PaymentFormSession =
  | { sessionId: string; sessionToken?: never }
  | { sessionToken: string; sessionId?: never };

/** Props of {@link PaymentForm}. */
export type PaymentFormProps = PaymentFormSession &
  PaymentFormCallbacks & {
    className?: string;
    /** Height of the card fields frame in pixels. Default 480 (the simulator's page at 320 px wide). */
    frameHeight?: number;
    /**
     * How the card fields look: `{ theme: 'stripe' | 'night' | 'flat', variables: { colorPrimary,
     * colorBackground, colorText, colorDanger, fontFamily, borderRadius } }`. A value outside the
     * allowed CSS syntax fails the form with a `CONFIGURATION` error naming it. Changing it
     * reloads the form.
     */
    appearance?: PaymentFormAppearance;
    /** Text shown for a status instead of the default one. */
    messages?: Partial<Record<AccruPayStatus, string>>;
  };

const LOADING: AccruPayState = { ...IDLE_STATE, status: 'loading' };

function defaultMessage(state: AccruPayState): string | null {
  const type = state.session?.type;
  switch (state.status) {
    case 'idle':
    case 'loading':
      return 'Loading the secure card form…';
    case 'ready':
    case 'submitting':
      return null;
    case 'succeeded':
      return type === 'add-payment-method'
        ? 'Card submitted. The shop confirms it once it has verified it.'
        : 'Payment submitted. The shop confirms your order once it has verified the payment.';
    case 'failed':
      return state.error?.message ?? 'The payment failed.';
    case 'expired':
      return 'This payment session has expired. Please start again.';
    case 'canceled':
      return 'This payment was canceled.';
    case 'finished':
      return 'This payment session is already finished.';
  }
}

function sessionRefOf(props: PaymentFormSession): SessionRef | null {
  if (typeof props.sessionId === 'string' && props.sessionId) return { id: props.sessionId };
  if (typeof props.sessionToken === 'string' && props.sessionToken) {
    return { token: props.sessionToken };
  }
  return null;
}

/**
 * Renders the provider's hosted card fields for one client session (payment, add-payment-method
 * or authorization) in an iframe of the provider's origin: the card number and CVC are typed
 * there and go straight to the provider; this page's JavaScript can never read them.
 *
 * It loads the session's public view and provider configuration from AccruPay, shows an expired
 * or already-finished session as such, and accepts messages only from the provider's origin
 * and for this session. Render one form per {@link AccruPayProvider}; read its state with
 * {@link useAccruPay}. On the server it renders only a loading placeholder.
 *
 * @example
 * ```tsx
 * <PaymentForm
 *   sessionId={sessionId}
 *   onSuccess={({ sessionId }) => fetch(`/api/orders/${orderId}/confirm`, { method: 'POST' })}
 * />
 * ```
 */
export function PaymentForm(props: PaymentFormProps) {
  const { merchantPublicId, baseUrl, store } = useAccruPayContext('PaymentForm');
  const ref = sessionRefOf(props);
  const refKey = ref ? ('id' in ref ? `id:${ref.id}` : `token:${ref.token}`) : '';
  const appearanceKey = JSON.stringify(props.appearance ?? null);
  const [state, setState] = useState<AccruPayState>(LOADING);
  const [frame, setFrame] = useState<FrameTarget | null>(null);
  const stateRef = useRef<AccruPayState>(LOADING);
  const frameRef = useRef<HTMLIFrameElement>(null);
  const callbacksRef = useRef<PaymentFormCallbacks>(props);

  useEffect(() => {
    callbacksRef.current = props;
  });

  const dispatch = useCallback(
    (event: MachineEvent) => {
      const previous = stateRef.current;
      const next = transition(previous, event);
      if (next === previous) return;
      stateRef.current = next;
      setState(next);
      store.set(next);
      if (isTerminal(previous.status) || !isTerminal(next.status)) return;
      const callbacks = callbacksRef.current;
      const { sessionId } = next;
      if (next.status === 'succeeded' && sessionId) callbacks.onSuccess?.({ sessionId });
      else if (next.status === 'failed' && next.error) {
        callbacks.onError?.({ sessionId, error: next.error });
      } else if (next.status === 'expired') callbacks.onExpired?.({ sessionId });
      else if (next.status === 'canceled') callbacks.onCancel?.({ sessionId });
    },
    [store],
  );

  useEffect(() => {
    store.setCanceler(() => dispatch({ type: 'cancel' }));
    return () => {
      store.setCanceler(null);
      store.set(IDLE_STATE);
    };
  }, [store, dispatch]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refKey stands for ref, appearanceKey for props.appearance
  useEffect(() => {
    setFrame(null);
    dispatch({ type: 'load', sessionId: ref && 'id' in ref ? ref.id : null });
    const look = checkAppearance(props.appearance);
    const configurationError = !ref
      ? 'PaymentForm needs a sessionId or a sessionToken prop: pass the id your backend got from start().'
      : !merchantPublicIdSchema.safeParse(merchantPublicId).success
        ? `AccruPayProvider's merchantPublicId must be a merchant public id such as pk_test_...; got "${merchantPublicId}".`
        : 'error' in look
          ? `PaymentForm's ${look.error}.`
          : null;
    if (!ref || configurationError || 'error' in look) {
      dispatch({
        type: 'load-failed',
        error: { code: 'CONFIGURATION', message: configurationError ?? '' },
      });
      return;
    }
    const controller = new AbortController();
    loadSession({ baseUrl, merchantPublicId, ref }, controller.signal).then(
      ({ session, config }) => {
        if (controller.signal.aborted) return;
        const target = frameTarget({
          transactionProvider: config.transactionProvider,
          providerData: config.providerData,
          token: session.token,
          parentOrigin: window.location.origin,
          appearance: look.appearance,
        });
        if ('error' in target) {
          dispatch({
            type: 'load-failed',
            error: {
              code: 'UNSUPPORTED_PROVIDER',
              message: `Cannot show the card fields: ${target.error}.`,
            },
          });
          return;
        }
        const { token: _token, ...view } = session;
        dispatch({ type: 'loaded', session: view });
        if (stateRef.current.status === 'loading') setFrame(target);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        dispatch({
          type: 'load-failed',
          error:
            error instanceof PublicApiError
              ? error.formError
              : { code: 'API_ERROR', message: 'Could not load the payment session.' },
        });
      },
    );
    return () => controller.abort();
  }, [refKey, appearanceKey, baseUrl, merchantPublicId, dispatch]);

  useEffect(() => {
    if (!frame) return;
    const onMessage = (event: MessageEvent) => {
      const read = readFrameMessage(event, frame, frameRef.current?.contentWindow ?? null);
      if (read) dispatch(read);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [frame, dispatch]);

  const open =
    frame !== null &&
    (state.status === 'loading' || state.status === 'ready' || state.status === 'submitting');
  const message = props.messages?.[state.status] ?? defaultMessage(state);
  return (
    <div className={props.className} data-accrupay-status={state.status}>
      {open ? (
        <iframe
          ref={frameRef}
          key={frame.url}
          src={frame.url}
          title="Secure card fields"
          sandbox="allow-scripts allow-same-origin allow-forms allow-popups"
          style={{ border: 0, width: '100%', height: props.frameHeight ?? 480 }}
        />
      ) : null}
      {message && !(open && state.status !== 'loading') ? (
        <p role={state.status === 'failed' ? 'alert' : 'status'}>{message}</p>
      ) : null}
    </div>
  );
}
