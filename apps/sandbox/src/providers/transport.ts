import http from 'node:http';
import https from 'node:https';
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

/**
 * How long a connection to a provider stays open idle, at most: a second less than the provider's
 * announced Keep-Alive timeout when it announces a shorter one. Node's agent applies that
 * announcement only below a timeout of its own: without one it kept idle connections forever, and
 * a call that took one just as the provider closed it (Node's server: after 5 s idle) failed with
 * ECONNRESET (seen once in a `pnpm bench` run, a start answered PROVIDER_ERROR).
 */
export const IDLE_CONNECTION_MS = 4_000;

export function createTransport(
  options: { timeoutMs?: number; idleConnectionMs?: number } = {},
): ProviderTransport {
  const timeoutMs = options.timeoutMs ?? 10_000;
  // One keep-alive pool per transport: a call reuses an idle connection to the provider (closed
  // before the provider's announced Keep-Alive timeout) instead of opening one. The agent's
  // timeout applies to idle connections only (a call's own is `timeoutMs`, below).
  const idle = { keepAlive: true, timeout: options.idleConnectionMs ?? IDLE_CONNECTION_MS };
  const agents = {
    'http:': new http.Agent(idle),
    'https:': new https.Agent(idle),
  };

  async function send(what: string, request: ProviderRequest): Promise<ProviderResponse> {
    let response: ProviderResponse;
    try {
      response = await exchange(request, agents, timeoutMs);
    } catch (error) {
      if (error instanceof TimeoutError) {
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

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * One request and its whole answer over `agents`, failing with a {@link TimeoutError} when the
 * answer is not complete within `timeoutMs`.
 */
function exchange(
  request: ProviderRequest,
  agents: Record<'http:' | 'https:', http.Agent>,
  timeoutMs: number,
): Promise<ProviderResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(new Error(`unsupported protocol ${url.protocol}`));
      return;
    }
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const headers: http.OutgoingHttpHeaders = { ...request.headers };
    if (body !== undefined) headers['content-length'] = body.length;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: request.method, headers, agent: agents[url.protocol] },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('aborted', () => fail(new Error('the connection closed before the answer ended')));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    const timer = setTimeout(
      () => fail(new TimeoutError(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    // Never sent again here, even on a reused connection: a provider that dropped a connection may
    // have applied the request, and only a lookup can tell (the callers' rule).
    req.on('error', fail);
    req.end(body);
  });
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
