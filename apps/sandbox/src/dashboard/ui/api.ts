import {
  type AdminContract,
  adminContract,
  DASHBOARD_TOKEN_HEADER,
  errorEnvelopeSchema,
} from '@accrupay/contracts';
import type { AppRoute } from '@ts-rest/core';
import type { z } from 'zod';

export type { AdminMerchant } from '@accrupay/contracts';

type RouteName = {
  [K in keyof AdminContract]: AdminContract[K] extends AppRoute ? K : never;
}[keyof AdminContract];
type OkSchema<K extends RouteName> = AdminContract[K] extends { responses: { 200: infer S } }
  ? S
  : never;

/** What a successful call of an admin route answers, parsed by its schema (amounts as bigint). */
export type Ok<K extends RouteName> =
  OkSchema<K> extends z.ZodTypeAny ? z.output<OkSchema<K>> : never;

/** What a call sends: path parameters, query and body, each as the contract declares it. */
export interface CallInput {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

/** An answer other than 200: the error envelope's message, or what went wrong getting one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly requestId: string | undefined,
  ) {
    super(message);
  }
}

function pathOf(template: string, params: Record<string, string> = {}): string {
  return template.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`the path ${template} needs :${name}`);
    return encodeURIComponent(value);
  });
}

/**
 * The dashboard token, for a sandbox started with --dashboard-token and opened from another
 * address: given once in the page's URL (`/dashboard/?token=...`), kept for the tab, and taken
 * out of the address bar so that it is not shared with the URL.
 */
function dashboardToken(): string | undefined {
  const url = new URL(window.location.href);
  const given = url.searchParams.get('token');
  if (given) {
    sessionStorage.setItem(DASHBOARD_TOKEN_HEADER, given);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url);
  }
  return sessionStorage.getItem(DASHBOARD_TOKEN_HEADER) ?? undefined;
}

/** Calls one route of the sandbox's admin API on this page's origin and parses the answer. */
export async function call<K extends RouteName>(name: K, input: CallInput = {}): Promise<Ok<K>> {
  const route = adminContract[name] as AppRoute;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(input.query ?? {})) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const url = `${pathOf(route.path, input.params)}${search.size ? `?${search}` : ''}`;
  const token = dashboardToken();
  let response: Response;
  try {
    response = await fetch(url, {
      method: route.method,
      headers: {
        ...(input.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { [DASHBOARD_TOKEN_HEADER]: token }),
      },
      ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
    });
  } catch (error) {
    throw new ApiError(
      `The sandbox did not answer ${route.method} ${url}: ${error instanceof Error ? error.message : String(error)}`,
      0,
      undefined,
      undefined,
    );
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.status !== 200) {
    const envelope = errorEnvelopeSchema.safeParse(json);
    if (envelope.success) {
      const { message, code, requestId, issues } = envelope.data.error;
      const unsaid = (issues ?? []).filter((issue) => !message.includes(issue.message));
      const fields = unsaid.map((issue) => `${issue.path || 'body'} ${issue.message}`).join('; ');
      throw new ApiError(
        fields ? `${message}: ${fields}` : message,
        response.status,
        code,
        requestId,
      );
    }
    throw new ApiError(
      `${route.method} ${url} answered ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`,
      response.status,
      undefined,
      undefined,
    );
  }
  const schema = route.responses[200] as z.ZodTypeAny;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ApiError(
      `${route.method} ${url} answered what the admin contract does not allow: ${issues}`,
      200,
      undefined,
      undefined,
    );
  }
  return parsed.data as Ok<K>;
}
