import { z } from 'zod';
import type { TransactionProvider } from './enums.ts';

/**
 * An API secret: `sk_test_`, 32 base62 characters, then a 6-character base62 checksum of those
 * 32 (the first six base62 digits of their SHA-256). Only the sandbox exists, so only `sk_test_`
 * secrets are issued; groups: 1 the body, 2 the checksum.
 */
export const API_SECRET_PATTERN = /^sk_test_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

/** Zod schema of an API secret's format (its checksum is checked where SHA-256 is at hand). */
export const apiSecretSchema = z
  .string()
  .regex(API_SECRET_PATTERN, 'must be sk_test_ followed by 38 letters and digits');

/** The header that carries the merchant's API secret (every merchant route, document 004's too). */
export const API_SECRET_HEADER = 'accrupay-api-secret';
/** The header that makes a POST idempotent. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** The header every answer carries its request id in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Where a client talks to AccruPay when no base URL is given: the local sandbox. */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:4000';

/** The prefix of every provider callback path; these routes take no API secret. */
export const PROVIDER_CALLBACK_PREFIX = '/v1/provider-callbacks/';

/** The path the provider posts a merchant provider account's callbacks to. */
export function providerCallbackPath(
  provider: TransactionProvider,
  merchantTransactionProviderId: string,
): string {
  return `${PROVIDER_CALLBACK_PREFIX}${provider.toLowerCase()}/${merchantTransactionProviderId}`;
}
