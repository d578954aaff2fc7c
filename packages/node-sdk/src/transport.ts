import {
  API_SECRET_HEADER,
  describeIssues,
  ERROR_CODE,
  IDEMPOTENCY_KEY_HEADER,
  REQUEST_ID_HEADER,
  toFieldIssues,
} from '@accrupay/contracts';
import type { z } from 'zod';
import {
  AccruPayApiError,
  AccruPayConnectionError,
  type AccruPayError,
  AccruPayRateLimitError,
  AccruPayTimeoutError,
  AccruPayValidationError,
  errorFromResponse,
  SDK_ERROR_CODE,
} from './errors.ts';

/** What the transport needs of a contract route: read from `contract`, never written twice. */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: unknown;
  body?: unknown;
  responses: Record<number, unknown>;
}

/** Per-call options, the second argument of every SDK method. */
export interface RequestOptions {
  /** The Idempotency-Key of a POST; by default the SDK makes one per call and reuses it on retries. */
  idempotencyKey?: string;
  /** Overrides the client's timeout for this call, in milliseconds. */
  timeout?: number;
  /** Overrides the client's maxNetworkRetries for this call. */
  maxNetworkRetries?: number;
}

export interface TransportOptions {
  apiSecret: string;
  baseUrl: string;
  timeout: number;
  maxNetworkRetries: number;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  userAgent: string;
}

/** The first retry waits about this long; each next one twice as long. */
export const INITIAL_RETRY_DELAY_MS = 500;
/** No backoff waits longer than this. */
export const MAX_RETRY_DELAY_MS = 8_000;
/** A Retry-After longer than this is not waited for: the rate-limit error is thrown instead. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Capped exponential backoff with jitter: between half and all of min(cap, initial * 2^attempt). */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** Whether an API error may be retried: 409 in flight, 429 and 5xx; never other 4xx. */
export function isRetryable(error: AccruPayError): boolean {
  if (error instanceof AccruPayConnectionError) return true;
  const status = error.statusCode;
  if (status === undefined) return false;
  if (status >= 500) return true;
  if (status === 429) return true;
  return (
    status === 409 &&
    (error.code === ERROR_CODE.IDEMPOTENCY_KEY_IN_USE || error.code === 'idempotency_key_in_use')
  );
}

/**
 * How bigint amounts go on the wire: the sandbox's canonical decimal strings, or document 004's
 * JSON numbers (a bigint beyond Number.MAX_SAFE_INTEGER still goes as a decimal string, which the
 * contract also accepts, so no amount ever loses a digit).
 */
export type AmountEncoding = 'string' | 'number';

function encodeJson(value: unknown, amounts: AmountEncoding): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    if (amounts === 'number' && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    return v.toString();
  });
}

/** What the transport sends a route: path parameters, query, body and how it authenticates. */
export interface RequestInput {
  params?: Record<string, string>;
  query?: unknown;
  body?: unknown;
  /** Default `string`; document 004's routes use `number`. */
  amounts?: AmountEncoding;
  /**
   * Headers that authenticate the call instead of the API secret (the secure card API's
   * x-client-id / x-client-secret pair): when given, the API secret is not sent.
   */
  credentials?: Record<string, string>;
}

/** The statuses a route answers on success: its 2xx responses, read from the contract. */
function successStatuses(route: Route): number[] {
  const statuses = Object.keys(route.responses)
    .map(Number)
    .filter((status) => status >= 200 && status < 300);
  return statuses.length > 0 ? statuses : [200];
}

function schemaOf(value: unknown): z.ZodTypeAny | undefined {
  return value && typeof (value as z.ZodTypeAny).safeParse === 'function'
    ? (value as z.ZodTypeAny)
    : undefined;
}

/** Validates input with a contract schema; a refusal names every field. */
export function validate<T>(schema: z.ZodTypeAny, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new AccruPayValidationError({
      code: ERROR_CODE.VALIDATION_ERROR,
      message: `${what}: ${describeIssues(parsed.error)}`,
      issues: toFieldIssues(parsed.error),
    });
  }
  return parsed.data as T;
}

/** Sends contract routes: validation, secret, Idempotency-Key, timeout, retries and decoding. */
export class Transport {
  constructor(private readonly options: TransportOptions) {}

  async request<T>(
    route: Route,
    input: RequestInput,
    what: string,
    options: RequestOptions = {},
  ): Promise<T> {
    let path = route.path;
    if (input.params) {
      for (const [name, value] of Object.entries(input.params)) {
        path = path.replace(`:${name}`, encodeURIComponent(value));
      }
    }
    let url = `${this.options.baseUrl}${path}`;
    const querySchema = schemaOf(route.query);
    if (querySchema) {
      const query = validate<Record<string, unknown>>(querySchema, input.query ?? {}, what);
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined && value !== null) search.set(key, String(value));
      }
      const text = search.toString();
      if (text) url += `?${text}`;
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(input.credentials ?? { [API_SECRET_HEADER]: this.options.apiSecret }),
      'user-agent': this.options.userAgent,
    };
    let body: string | undefined;
    const bodySchema = schemaOf(route.body);
    if (bodySchema) {
      body = encodeJson(validate(bodySchema, input.body ?? {}, what), input.amounts ?? 'string');
      headers['content-type'] = 'application/json';
    }
    if (route.method === 'POST') {
      const key = options.idempotencyKey ?? crypto.randomUUID();
      if (key.length === 0 || key.length > 255) {
        throw new AccruPayValidationError({
          code: ERROR_CODE.VALIDATION_ERROR,
          message: `${what}: idempotencyKey must be 1 to 255 characters; got ${key.length}`,
          issues: [{ path: 'idempotencyKey', message: 'must be 1 to 255 characters' }],
        });
      }
      headers[IDEMPOTENCY_KEY_HEADER] = key;
    }
    const success = successStatuses(route);
    const maxRetries = options.maxNetworkRetries ?? this.options.maxNetworkRetries;
    const timeout = options.timeout ?? this.options.timeout;

    for (let attempt = 0; ; attempt++) {
      let error: AccruPayError;
      try {
        const answer = await this.send(url, {
          method: route.method,
          headers,
          ...(body === undefined ? {} : { body }),
          timeout,
        });
        if (success.includes(answer.status)) {
          return this.decode<T>(answer, schemaOf(route.responses[answer.status]), what);
        }
        error = errorFromResponse(answer);
      } catch (caught) {
        if (!(caught instanceof AccruPayConnectionError)) throw caught;
        error = caught;
      }
      if (attempt >= maxRetries || !isRetryable(error)) throw error;
      let delay = backoffDelay(attempt, this.options.random);
      if (error instanceof AccruPayRateLimitError && error.retryAfterSeconds !== undefined) {
        const after = error.retryAfterSeconds * 1000;
        if (after > MAX_RETRY_AFTER_MS) throw error;
        delay = Math.max(delay, after);
      }
      await this.options.sleep(delay);
    }
  }

  private decode<T>(
    answer: { status: number; body: unknown; requestId: string | undefined },
    schema: z.ZodTypeAny | undefined,
    what: string,
  ): T {
    if (!schema) return answer.body as T;
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) {
      throw new AccruPayApiError({
        code: SDK_ERROR_CODE.INVALID_RESPONSE,
        message: `${what}: the API's answer does not match the contract (${describeIssues(parsed.error)}); is the SDK newer than the sandbox?`,
        statusCode: answer.status,
        requestId: answer.requestId,
      });
    }
    return parsed.data as T;
  }

  private async send(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string; timeout: number },
  ): Promise<{ status: number; body: unknown; headers: Headers; requestId: string | undefined }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), init.timeout);
    timer.unref?.();
    try {
      const response = await this.options.fetch(url, {
        method: init.method,
        headers: init.headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: controller.signal,
      });
      const text = await response.text();
      let body: unknown = text;
      if (text && response.headers.get('content-type')?.includes('json')) {
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON after all: keep the text for the error message.
        }
      }
      return {
        status: response.status,
        body,
        headers: response.headers,
        requestId: response.headers.get(REQUEST_ID_HEADER) ?? undefined,
      };
    } catch (cause) {
      if (controller.signal.aborted || (cause as Error)?.name === 'TimeoutError') {
        throw new AccruPayTimeoutError({
          code: SDK_ERROR_CODE.TIMEOUT,
          message: `${init.method} ${url} did not answer within ${init.timeout} ms.`,
          cause,
        });
      }
      throw new AccruPayConnectionError({
        code: SDK_ERROR_CODE.CONNECTION_ERROR,
        message: `Could not reach the AccruPay API at ${url}: ${describeCause(cause)}. Is the sandbox running (\`accrupay-sandbox start\`) and baseUrl right?`,
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as Error & { cause?: unknown }).cause;
  return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
}
