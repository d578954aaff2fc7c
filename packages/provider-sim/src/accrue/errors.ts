/** One error object of document 004's format (`status` is a string). */
export interface AccrueErrorObject {
  status: string;
  code: string;
  title: string;
  detail: string;
  source?: { pointer: string };
}

/** The error codes the simulated Accrue Pay API answers with. */
export const ACCRUE_ERROR_CODES = {
  invalid_request: 'Invalid Request',
  unauthorized: 'Unauthorized',
  not_found: 'Not Found',
  validation_error: 'Validation Error',
  idempotency_key_reused: 'Idempotency Key Reused',
  amount_mismatch: 'Amount Mismatch',
  currency_mismatch: 'Currency Mismatch',
  payment_intent_not_authorizable: 'Payment Intent Not Authorizable',
  insufficient_funds: 'Insufficient Funds',
  amount_exceeds_authorized: 'Amount Exceeds Authorized',
  invalid_state: 'Invalid State',
  card_unavailable: 'Card Unavailable',
  internal_server_error: 'Internal Server Error',
  service_unavailable: 'Service Unavailable',
} as const;

export type AccrueErrorCode = keyof typeof ACCRUE_ERROR_CODES;

/** A refusal of the Accrue Pay API: its HTTP status and one error object. */
export class AccrueApiError extends Error {
  override name = 'AccrueApiError';
  constructor(
    readonly status: number,
    readonly code: AccrueErrorCode,
    readonly detail: string,
    readonly pointer?: string,
  ) {
    super(detail);
  }

  get body(): { errors: AccrueErrorObject[] } {
    return accrueErrorBody(this.status, this.code, this.detail, this.pointer);
  }
}

/** `{ errors: [{ status, code, title, detail, source? }] }`. */
export function accrueErrorBody(
  status: number,
  code: AccrueErrorCode,
  detail: string,
  pointer?: string,
): { errors: AccrueErrorObject[] } {
  return {
    errors: [
      {
        status: String(status),
        code,
        title: ACCRUE_ERROR_CODES[code],
        detail,
        ...(pointer ? { source: { pointer } } : {}),
      },
    ],
  };
}

export const invalidState = (detail: string) => new AccrueApiError(422, 'invalid_state', detail);
