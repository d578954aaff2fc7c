import type { PublicClientSession } from '@accrupay/contracts';

/**
 * Where the payment form stands.
 *
 * - `idle`: no form is mounted.
 * - `loading`: reading the session and its provider configuration, or waiting for the card fields.
 * - `ready`: the provider's card fields are shown and accept a card; `error` is set when the
 *   provider declined a card and lets the customer try another in the same session (Nuvei).
 * - `submitting`: the provider's page said the customer submitted the card.
 * - `succeeded`, `failed`, `expired`, `canceled`: what the provider's page reported, or what the
 *   session already was when the form loaded. Informational only: only your backend's `verify()`
 *   says whether money moved.
 * - `finished`: the session no longer accepts a card but the browser cannot tell how it ended
 *   (it was completed earlier, or the provider closed it); ask your backend's `verify()`.
 */
export type AccruPayStatus =
  | 'idle'
  | 'loading'
  | 'ready'
  | 'submitting'
  | 'succeeded'
  | 'failed'
  | 'expired'
  | 'canceled'
  | 'finished';

/** Statuses after which the form accepts nothing more for its session. */
export const TERMINAL_STATUSES: readonly AccruPayStatus[] = [
  'succeeded',
  'failed',
  'expired',
  'canceled',
  'finished',
];

/** Why the form failed: a stable code and a message that can be shown to the customer. */
export interface AccruPayFormError {
  code:
    | 'CONFIGURATION'
    | 'SESSION_NOT_FOUND'
    | 'NETWORK'
    /** AccruPay answered, but not to this page's origin (CORS): the merchant has not allowed it. */
    | 'ORIGIN_NOT_ALLOWED'
    | 'API_ERROR'
    | 'UNSUPPORTED_PROVIDER'
    | 'DECLINED'
    | 'AUTHENTICATION_FAILED'
    | 'PROVIDER_ERROR';
  /** Plain words for the customer. */
  message: string;
  /** The provider's own code when it gave one (e.g. `card_declined`). */
  providerCode?: string;
  /** The provider's own message, for your logs rather than for the customer. */
  providerMessage?: string;
}

/** The public view of the session the form is for; the provider token stays inside the SDK. */
export type AccruPaySessionView = Omit<PublicClientSession, 'token'>;

/** The state the hook exposes. */
export interface AccruPayState {
  status: AccruPayStatus;
  /** The session id once known (from the `sessionId` prop or the loaded session). */
  sessionId: string | null;
  session: AccruPaySessionView | null;
  error: AccruPayFormError | null;
  /** True when the session had already ended before this form loaded it. */
  alreadyFinished: boolean;
}

/** What moves the state machine. */
export type MachineEvent =
  | { type: 'load'; sessionId: string | null }
  | { type: 'loaded'; session: AccruPaySessionView }
  | { type: 'load-failed'; error: AccruPayFormError }
  | { type: 'frame-ready'; state: 'open' | 'closed' | 'expired' }
  | { type: 'frame-submitting' }
  | {
      type: 'frame-result';
      status: 'approved' | 'declined' | 'error' | 'expired';
      error?: { code: string; message: string };
      /** The decline is a failed 3-D Secure authentication. */
      authenticationFailed?: boolean;
      /** After a decline the provider's session still takes another card in the same frame. */
      sessionOpen?: boolean;
    }
  | { type: 'cancel' }
  | { type: 'reset' };

export const IDLE_STATE: AccruPayState = {
  status: 'idle',
  sessionId: null,
  session: null,
  error: null,
  alreadyFinished: false,
};

export function isTerminal(status: AccruPayStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** What the customer reads after a failed card: plain words, never the provider's jargon. */
export const FRAME_FAILURES = {
  declined: { code: 'DECLINED', message: 'Your card was declined. Try another card.' },
  authentication: {
    code: 'AUTHENTICATION_FAILED',
    message: 'The authentication was not completed. Try again or use another card.',
  },
  error: {
    code: 'PROVIDER_ERROR',
    message: 'Your card could not be processed. Try again later.',
  },
} as const satisfies Record<string, Pick<AccruPayFormError, 'code' | 'message'>>;

/** The pure transition function: returns the same object when the event changes nothing. */
export function transition(state: AccruPayState, event: MachineEvent): AccruPayState {
  switch (event.type) {
    case 'reset':
      return state.status === 'idle' ? state : IDLE_STATE;
    case 'load':
      return { ...IDLE_STATE, status: 'loading', sessionId: event.sessionId };
    case 'loaded': {
      if (state.status !== 'loading' || state.session) return state;
      const loaded = { ...state, session: event.session, sessionId: event.session.id };
      switch (event.session.status) {
        case 'PENDING':
        case 'ACTIVE':
          return loaded;
        case 'EXPIRED':
          return { ...loaded, status: 'expired', alreadyFinished: true };
        case 'CANCELED':
          return { ...loaded, status: 'canceled', alreadyFinished: true };
        case 'DECLINED':
          return {
            ...loaded,
            status: 'failed',
            alreadyFinished: true,
            error: { code: 'DECLINED', message: 'This payment was already declined.' },
          };
        case 'ERROR':
          return {
            ...loaded,
            status: 'failed',
            alreadyFinished: true,
            error: { code: 'PROVIDER_ERROR', message: 'This payment already ended in an error.' },
          };
        default:
          // COMPLETED or UNKNOWN: the browser cannot tell how it ended; verify() can.
          return { ...loaded, status: 'finished', alreadyFinished: true };
      }
    }
    case 'load-failed':
      return state.status === 'loading'
        ? { ...state, status: 'failed', error: event.error }
        : state;
    case 'frame-ready':
      if (state.status !== 'loading' || !state.session) return state;
      if (event.state === 'open') return { ...state, status: 'ready' };
      if (event.state === 'expired') return { ...state, status: 'expired', alreadyFinished: true };
      return { ...state, status: 'finished', alreadyFinished: true };
    case 'frame-submitting':
      return state.status === 'ready' ? { ...state, status: 'submitting', error: null } : state;
    case 'frame-result': {
      if (state.status !== 'ready' && state.status !== 'submitting') return state;
      switch (event.status) {
        case 'approved':
          return { ...state, status: 'succeeded', error: null };
        case 'expired':
          return { ...state, status: 'expired' };
        default: {
          const failure =
            event.status === 'declined'
              ? FRAME_FAILURES[event.authenticationFailed ? 'authentication' : 'declined']
              : FRAME_FAILURES.error;
          const error: AccruPayFormError = {
            code: failure.code,
            message: failure.message,
            ...(event.error
              ? { providerCode: event.error.code, providerMessage: event.error.message }
              : {}),
          };
          // The customer may try another card in the same frame: not an end, so no onError.
          if (event.status === 'declined' && event.sessionOpen) {
            return { ...state, status: 'ready', error };
          }
          return { ...state, status: 'failed', error };
        }
      }
    }
    case 'cancel':
      return state.status === 'loading' || state.status === 'ready' || state.status === 'submitting'
        ? { ...state, status: 'canceled' }
        : state;
  }
}
