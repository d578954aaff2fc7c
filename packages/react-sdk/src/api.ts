import {
  type BaseConfig,
  baseConfigSchema,
  describeIssues,
  errorEnvelopeSchema,
  jsonApiErrorDocumentSchema,
  type PublicClientSession,
  publicClientSessionSchema,
} from '@accrupay/contracts';
import type { AccruPayFormError } from './state.ts';

/** The paths of the contract's `public.getSession` and `public.getBaseConfig` routes. */
export const PUBLIC_SESSION_PATH = '/v1/public/:merchantPublicId/client-session';
export const PUBLIC_BASE_CONFIG_PATH = '/v1/public/:merchantPublicId/client-session/base-config';

/** How the form names its session: by id (documents 001, 002) or by token (document 003). */
export type SessionRef = { id: string } | { token: string };

export class PublicApiError extends Error {
  override readonly name = 'PublicApiError';
  constructor(readonly formError: AccruPayFormError) {
    super(formError.message);
  }
}

function url(baseUrl: string, path: string, merchantPublicId: string, ref: SessionRef): string {
  const query =
    'id' in ref ? `id=${encodeURIComponent(ref.id)}` : `token=${encodeURIComponent(ref.token)}`;
  return `${baseUrl.replace(/\/+$/, '')}${path.replace(':merchantPublicId', encodeURIComponent(merchantPublicId))}?${query}`;
}

/**
 * Whether the API answers at all when asked without CORS (an opaque answer): a read refused by
 * CORS fails like a network error, and this tells the two apart.
 */
async function answersWithoutCors(target: string, signal: AbortSignal): Promise<boolean> {
  try {
    await fetch(target, { signal, mode: 'no-cors', credentials: 'omit' });
    return true;
  } catch {
    return false;
  }
}

/** The message of an error answer: AccruPay's envelope, or document 004's `errors` array. */
function errorMessage(body: unknown, status: number): string {
  const envelope = errorEnvelopeSchema.safeParse(body);
  if (envelope.success) return envelope.data.error.message;
  const document = jsonApiErrorDocumentSchema.safeParse(body);
  if (document.success) return document.data.errors.map((error) => error.detail).join('; ');
  return `HTTP ${status}`;
}

/**
 * GETs a public route and parses its answer; every failure is a {@link PublicApiError} whose
 * message names what was loaded (`what`) and tells a refused origin from an unreachable API.
 */
export async function getJson<T>(
  target: string,
  parse: (
    body: unknown,
  ) => { success: true; data: T } | { success: false; error: Parameters<typeof describeIssues>[0] },
  what: string,
  signal: AbortSignal,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(target, {
      signal,
      credentials: 'omit',
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    if (signal.aborted) throw error;
    const api = new URL(target).origin;
    if (await answersWithoutCors(target, signal)) {
      const page = globalThis.location?.origin ?? 'this page';
      throw new PublicApiError({
        code: 'ORIGIN_NOT_ALLOWED',
        message: `AccruPay at ${api} answered, but not to ${page}: the merchant has not allowed this origin. Allow it with accrupay-sandbox merchant origins add ${page} (or the sandbox dashboard's Merchants page).`,
      });
    }
    throw new PublicApiError({
      code: 'NETWORK',
      message: `Could not reach AccruPay at ${api} to load the ${what}.`,
    });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = errorMessage(body, response.status);
    throw new PublicApiError({
      code: response.status === 404 ? 'SESSION_NOT_FOUND' : 'API_ERROR',
      message: `Could not load the ${what}: ${message}`,
    });
  }
  const parsed = parse(body);
  if (!parsed.success) {
    throw new PublicApiError({
      code: 'API_ERROR',
      message: `The ${what} answered by AccruPay is not valid: ${describeIssues(parsed.error)}`,
    });
  }
  return parsed.data;
}

/** Loads the public view of a session and its provider configuration, in parallel. */
export async function loadSession(
  options: { baseUrl: string; merchantPublicId: string; ref: SessionRef },
  signal: AbortSignal,
): Promise<{ session: PublicClientSession; config: BaseConfig }> {
  const { baseUrl, merchantPublicId, ref } = options;
  const [session, config] = await Promise.all([
    getJson(
      url(baseUrl, PUBLIC_SESSION_PATH, merchantPublicId, ref),
      (body) => publicClientSessionSchema.safeParse(body),
      'payment session',
      signal,
    ),
    getJson(
      url(baseUrl, PUBLIC_BASE_CONFIG_PATH, merchantPublicId, ref),
      (body) => baseConfigSchema.safeParse(body),
      'provider configuration',
      signal,
    ),
  ]);
  return { session, config };
}
