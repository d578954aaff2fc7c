import { z } from 'zod';

/**
 * Every error code the API answers with, and the HTTP status it comes with. The SDKs map each
 * code to one error class.
 */
export const ERROR_CODE = {
  VALIDATION_ERROR: 'VALIDATION_ERROR',
  CARD_DATA_REFUSED: 'CARD_DATA_REFUSED',
  MALFORMED_REQUEST: 'MALFORMED_REQUEST',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  AUTHENTICATION_FAILED: 'AUTHENTICATION_FAILED',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID_STATE_TRANSITION: 'INVALID_STATE_TRANSITION',
  AMOUNT_EXCEEDS_AUTHORIZED: 'AMOUNT_EXCEEDS_AUTHORIZED',
  /** A refund above what remains of the captured amount once earlier refunds are counted. */
  AMOUNT_EXCEEDS_REFUNDABLE: 'AMOUNT_EXCEEDS_REFUNDABLE',
  IDEMPOTENCY_KEY_IN_USE: 'IDEMPOTENCY_KEY_IN_USE',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  RATE_LIMITED: 'RATE_LIMITED',
  PROVIDER_ERROR: 'PROVIDER_ERROR',
  PROVIDER_TIMEOUT: 'PROVIDER_TIMEOUT',
  CALLBACK_SIGNATURE_INVALID: 'CALLBACK_SIGNATURE_INVALID',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;
/** An error code. */
export type ErrorCode = (typeof ERROR_CODE)[keyof typeof ERROR_CODE];

/** The HTTP status that comes with each error code. */
export const ERROR_HTTP_STATUS = {
  VALIDATION_ERROR: 400,
  CARD_DATA_REFUSED: 400,
  MALFORMED_REQUEST: 400,
  CALLBACK_SIGNATURE_INVALID: 400,
  AUTHENTICATION_FAILED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_STATE_TRANSITION: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  PAYLOAD_TOO_LARGE: 413,
  IDEMPOTENCY_KEY_REUSED: 422,
  AMOUNT_EXCEEDS_AUTHORIZED: 422,
  AMOUNT_EXCEEDS_REFUNDABLE: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  PROVIDER_ERROR: 502,
  PROVIDER_TIMEOUT: 504,
} as const satisfies Record<ErrorCode, number>;

const errorEnvelopeObject = z.object({
  error: z.object({
    code: z.nativeEnum(ERROR_CODE),
    message: z.string(),
    requestId: z.string(),
    /** For validation errors: each refused field with what is wrong. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    details: z.record(z.unknown()).optional(),
  }),
});
/** The error envelope of every non-2xx answer. */
export interface ErrorEnvelope extends z.output<typeof errorEnvelopeObject> {}
/** Zod schema of the error envelope. */
export const errorEnvelopeSchema: z.ZodType<ErrorEnvelope, z.ZodTypeDef, ErrorEnvelope> =
  errorEnvelopeObject;
