import type { z } from 'zod';
import { ProviderUnavailableError } from './types.ts';

/** An answer a provider gave below HTTP 500 (the transport throws for everything else). */
export interface ProviderResponse {
  status: number;
  text: string;
}

export interface ProviderRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * The one way an adapter reaches a provider over HTTP: each call is bounded by `timeoutMs` (real
 * time), and a timeout, a connection failure or an HTTP 5xx is a {@link ProviderUnavailableError}
 * that names the call (`what`) and its URL. Every other answer is returned as it came.
 */
export interface ProviderTransport {
  readonly timeoutMs: number;
  send(what: string, request: ProviderRequest): Promise<ProviderResponse>;
  /** Sends `body` as JSON and reads the answer as JSON; a body that is not JSON is unavailable. */
  sendJson(
    what: string,
    request: Omit<ProviderRequest, 'body'> & { body: unknown },
  ): Promise<{ status: number; json: unknown }>;
}

export function createTransport(options: { timeoutMs?: number } = {}): ProviderTransport {
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function send(what: string, request: ProviderRequest): Promise<ProviderResponse> {
    let response: ProviderResponse;
    try {
      const res = await fetch(request.url, {
        method: request.method,
        ...(request.headers ? { headers: request.headers } : {}),
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      response = { status: res.status, text: await res.text() };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ProviderUnavailableError(
          `${what} timed out after ${timeoutMs} ms (${request.url})`,
          'timeout',
          { cause: error },
        );
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProviderUnavailableError(
        `${what} gave no answer at ${request.url}: ${reason}`,
        'error',
        {
          cause: error,
        },
      );
    }
    if (response.status >= 500) {
      throw new ProviderUnavailableError(`${what} answered HTTP ${response.status}`, 'error');
    }
    return response;
  }

  return {
    timeoutMs,
    send,
    async sendJson(what, request) {
      const { status, text } = await send(what, {
        ...request,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...request.headers,
        },
        body: JSON.stringify(request.body),
      });
      return { status, json: parseJson(what, { status, text }) };
    },
  };
}

/** The answer's body as JSON; a body that is not JSON is a {@link ProviderUnavailableError}. */
export function parseJson(what: string, response: ProviderResponse): unknown {
  try {
    return JSON.parse(response.text);
  } catch (error) {
    throw new ProviderUnavailableError(
      `${what} answered HTTP ${response.status} with a body that is not JSON`,
      'error',
      { cause: error },
    );
  }
}

/** The answer read by `schema`, or a {@link ProviderUnavailableError} saying what did not fit. */
export function readAnswer<T>(
  what: string,
  status: number,
  json: unknown,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ProviderUnavailableError(
    `${what} answered HTTP ${status} with an unexpected body: ${issue?.path.join('.')} ${issue?.message}`,
    'error',
  );
}
