import {
  PAYMENT_INTENT_ERROR_STATUS,
  PAYMENT_INTENT_ERROR_TITLE,
  type PaymentIntentErrorCode,
} from '@accrupay/contracts';
import type { AccrueRefusal } from '../../providers/accrue/index.ts';
import { ProviderUnavailableError } from '../../providers/types.ts';

/** Where an error points: a JSON pointer into the body, a query parameter or a header. */
export interface ErrorSource {
  pointer?: string;
  parameter?: string;
  header?: string;
}

/** An error of document 004's API: its code picks the status and title, its detail says the fix. */
export class PaymentIntentError extends Error {
  override readonly name = 'PaymentIntentError';
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: PaymentIntentErrorCode,
    readonly detail: string,
    readonly extra: { source?: ErrorSource; cause?: unknown; status?: number } = {},
  ) {
    super(detail, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.status = extra.status ?? PAYMENT_INTENT_ERROR_STATUS[code];
    this.title = PAYMENT_INTENT_ERROR_TITLE[code];
  }
}

export const notFound = (what: string) =>
  new PaymentIntentError('not_found', `${what} was not found for this merchant.`);

/** Accrue's refusals the merchant reads as they are (document 004's 422 codes). */
const PASSED_THROUGH = new Set<PaymentIntentErrorCode>([
  'insufficient_funds',
  'amount_mismatch',
  'currency_mismatch',
  'amount_exceeds_authorized',
  'invalid_state',
  'payment_intent_not_authorizable',
  'card_unavailable',
]);

/** What a refusal of Accrue's API is to the merchant; `what` names the object asked about. */
export function fromRefusal(refusal: AccrueRefusal, what: string): PaymentIntentError {
  if (refusal.status === 404) return notFound(what);
  if (PASSED_THROUGH.has(refusal.code as PaymentIntentErrorCode)) {
    return new PaymentIntentError(refusal.code as PaymentIntentErrorCode, refusal.detail);
  }
  if (refusal.status === 400 || refusal.code === 'validation_error') {
    return new PaymentIntentError(
      'invalid_request',
      `Accrue refused the request: ${refusal.detail}`,
      {
        ...(refusal.pointer ? { source: { pointer: refusal.pointer } } : {}),
      },
    );
  }
  return new PaymentIntentError(
    'provider_error',
    `Accrue refused the call (HTTP ${refusal.status} ${refusal.code}): ${refusal.detail}`,
  );
}

/** A provider that did not answer: 502 or 504; for a money move the outcome is unknown. */
export function providerDown(error: unknown, doing: string, movesMoney: boolean): unknown {
  if (!(error instanceof ProviderUnavailableError)) return error;
  const retry = movesMoney
    ? 'the outcome is unknown: retry the same call (the router asks Accrue with the same idempotency key, so it is never applied twice), or GET the payment.'
    : 'nothing changed; it is safe to retry.';
  return new PaymentIntentError(
    error.kind === 'timeout' ? 'provider_timeout' : 'provider_error',
    `Accrue did not answer when asked to ${doing} (${error.message}); ${retry}`,
    { cause: error },
  );
}
