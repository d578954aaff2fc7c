import { timingSafeEqual } from 'node:crypto';
import {
  describeIssues,
  type FieldIssue,
  toFieldIssues,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_HEADERS,
  type WebhookEvent,
  webhookEventSchema,
} from '@accrupay/contracts';
import { Webhook } from 'standardwebhooks';
import type { z } from 'zod';
import {
  AccruPayValidationError,
  ERROR_CLASS_BY_WEBHOOK_CODE,
  SDK_ERROR_CODE,
  type WebhookErrorCode,
} from './errors.ts';

/** How far a delivery's webhook-timestamp may be from now by default, in seconds. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** The body exactly as it arrived: a string, a Buffer, a Uint8Array or an ArrayBuffer. */
export type WebhookRawBody = string | Uint8Array | ArrayBuffer;

/** The request's headers: Node's `req.headers` (any case), or a Fetch `Headers`. */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Record<string, string | readonly string[] | undefined>;

/**
 * One endpoint's `whsec_...` secret, or several during a rotation (any of them may match);
 * `undefined` is accepted so `process.env.ACCRUPAY_WEBHOOK_SECRET` type-checks, and refused at run time.
 */
export type WebhookSecrets = string | readonly string[] | undefined;

/** Options of `webhooks.verify()` and `webhooks.constructEvent()`. */
export interface VerifyWebhookOptions {
  /** How far webhook-timestamp may be from now, in seconds; default 300. */
  toleranceSeconds?: number | undefined;
  /** The current time (a Date or epoch milliseconds); default the system clock. */
  now?: Date | number | undefined;
}

/** What `webhooks.verify()` vouches for: the delivery's webhook-id and webhook-timestamp. */
export interface VerifiedWebhook {
  /** The webhook-id header: the event's id (`evt_...`), the same on every delivery of the event. */
  id: string;
  /** The webhook-timestamp header: when this delivery was signed. */
  timestamp: Date;
}

const RAW_BODY_FIX =
  "pass the raw body as it arrived: express.raw({ type: 'application/json' }) and req.body (a Buffer), or await request.text() in a Fetch handler; never a JSON.parse()d or re-serialised object";
const HEADERS_FIX =
  'pass the request headers as they arrived (req.headers in express, request.headers in a Fetch handler); a proxy in front of your server may be stripping them';
const SECRET_FIX =
  "pass the endpoint's secret (whsec_...) that webhookEndpoints.create() or rotateSecret() returned";

function fail(code: WebhookErrorCode, path: string, problem: string, fix?: string): never {
  const message = fix ? `${problem}: ${fix}.` : `${problem}.`;
  throw new ERROR_CLASS_BY_WEBHOOK_CODE[code]({
    code,
    message: `webhooks: ${message}`,
    issues: [{ path, message: problem }],
  });
}

function configError(path: string, problem: string): never {
  throw new AccruPayValidationError({
    code: SDK_ERROR_CODE.CONFIGURATION_ERROR,
    message: `webhooks: options.${path}: ${problem}`,
    issues: [{ path, message: problem }],
  });
}

function signers(secrets: WebhookSecrets): Webhook[] {
  const many = Array.isArray(secrets);
  const list: readonly unknown[] = many ? secrets : [secrets];
  if (list.length === 0) {
    fail('WEBHOOK_SECRET_INVALID', 'secret', 'the list of secrets is empty', SECRET_FIX);
  }
  return list.map((secret, index) => {
    const path = many ? `secret[${index}]` : 'secret';
    if (typeof secret !== 'string' || secret === '') {
      fail(
        'WEBHOOK_SECRET_INVALID',
        path,
        `${path} is ${secret === '' ? 'empty' : secret === undefined ? 'missing' : `a ${typeof secret}`} (is ACCRUPAY_WEBHOOK_SECRET set in this process?)`,
        SECRET_FIX,
      );
    }
    if (!secret.startsWith('whsec_')) {
      const hint = secret.startsWith('sk_')
        ? ' (it is an API secret, sk_...; webhooks are signed with the endpoint secret)'
        : '';
      fail('WEBHOOK_SECRET_INVALID', path, `${path} does not start with whsec_${hint}`, SECRET_FIX);
    }
    try {
      return new Webhook(secret);
    } catch {
      return fail(
        'WEBHOOK_SECRET_INVALID',
        path,
        `${path} is not whsec_ followed by base64 (was it cut short or wrapped in quotes?)`,
        SECRET_FIX,
      );
    }
  });
}

function bodyBytes(rawBody: unknown): string | Uint8Array {
  if (typeof rawBody === 'string' || rawBody instanceof Uint8Array) return rawBody;
  if (rawBody instanceof ArrayBuffer) return new Uint8Array(rawBody);
  if (rawBody === undefined || rawBody === null) {
    fail('WEBHOOK_RAW_BODY_REQUIRED', 'rawBody', `rawBody is ${rawBody}`, RAW_BODY_FIX);
  }
  const parsed =
    typeof rawBody === 'object' && Object.keys(rawBody).length === 0
      ? 'an empty object (express.raw() did not match the content-type, or express.json() ran first)'
      : `a parsed ${typeof rawBody}`;
  return fail(
    'WEBHOOK_RAW_BODY_REQUIRED',
    'rawBody',
    `rawBody is ${parsed}, not the raw body; the signature covers the exact bytes sent`,
    RAW_BODY_FIX,
  );
}

function readHeaders(headers: WebhookHeaders): Record<string, string | undefined> {
  if (headers === null || typeof headers !== 'object') {
    fail('WEBHOOK_MISSING_HEADERS', 'headers', `headers is ${headers}`, HEADERS_FIX);
  }
  const wanted: string[] = Object.values(WEBHOOK_HEADERS);
  const found: Record<string, string | undefined> = {};
  if (typeof headers.get === 'function') {
    for (const name of wanted) found[name] = headers.get(name) ?? undefined;
    return found;
  }
  for (const [key, value] of Object.entries(headers)) {
    const name = key.toLowerCase();
    if (!wanted.includes(name) || value === undefined) continue;
    if (typeof value !== 'string' && !(Array.isArray(value) && value.length === 1)) {
      fail('WEBHOOK_HEADER_INVALID', name, `${name} was sent more than once`, HEADERS_FIX);
    }
    const text: string = typeof value === 'string' ? value : value[0];
    if (found[name] !== undefined && found[name] !== text) {
      fail('WEBHOOK_HEADER_INVALID', name, `${name} is given twice with different values`);
    }
    found[name] = text;
  }
  return found;
}

function clock(options: VerifyWebhookOptions): { nowSeconds: number; toleranceSeconds: number } {
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (typeof toleranceSeconds !== 'number' || !(toleranceSeconds >= 0)) {
    configError(
      'toleranceSeconds',
      `must be a number of seconds, 0 or more; got ${toleranceSeconds}`,
    );
  }
  const now = options.now ?? Date.now();
  const ms = now instanceof Date ? now.getTime() : now;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    configError('now', 'must be a valid Date or epoch milliseconds');
  }
  return { nowSeconds: Math.floor(ms / 1000), toleranceSeconds };
}

function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}

/**
 * Checks that AccruPay signed these exact bytes with one of the secrets, recently; it does not
 * parse the body (use `constructEvent()` for the typed event).
 *
 * @example
 * ```ts
 * // A webhook is a hint: fulfil only after clientSessions.payments.verify() says SUCCEEDED.
 * app.post('/webhooks/accrupay', express.raw({ type: 'application/json' }), async (req, res) => {
 *   const { id } = webhooks.verify(req.body, req.headers, process.env.ACCRUPAY_WEBHOOK_SECRET);
 *   const event = JSON.parse(req.body.toString('utf8')); // constructEvent() also types it
 *   if (event.type === 'client_session.completed') {
 *     const transaction = await accrupay.transactions.clientSessions.payments.verify({
 *       id: event.data.object.id,
 *     });
 *     if (transaction.status === 'SUCCEEDED') await fulfil(transaction, id);
 *   }
 *   res.sendStatus(200);
 * });
 * ```
 */
export function verifyWebhook(
  rawBody: WebhookRawBody,
  headers: WebhookHeaders,
  secrets: WebhookSecrets,
  options: VerifyWebhookOptions = {},
): VerifiedWebhook {
  const candidates = signers(secrets);
  const { nowSeconds, toleranceSeconds } = clock(options);
  const bytes = bodyBytes(rawBody);
  const found = readHeaders(headers);
  const missing = Object.values(WEBHOOK_HEADERS).filter((name) => !found[name]);
  if (missing.length > 0) {
    fail(
      'WEBHOOK_MISSING_HEADERS',
      missing[0] as string,
      `the ${missing.join(', ')} header${missing.length > 1 ? 's are' : ' is'} missing`,
      HEADERS_FIX,
    );
  }
  const id = found[WEBHOOK_HEADERS.id] as string;
  const timestampHeader = (found[WEBHOOK_HEADERS.timestamp] as string).trim();
  const signatureHeader = found[WEBHOOK_HEADERS.signature] as string;

  if (!/^\d{1,12}$/.test(timestampHeader)) {
    fail(
      'WEBHOOK_HEADER_INVALID',
      WEBHOOK_HEADERS.timestamp,
      `webhook-timestamp must be whole seconds since the epoch, such as 1767225600; got ${shown(timestampHeader)}`,
    );
  }
  const timestamp = Number(timestampHeader);
  const age = nowSeconds - timestamp;
  if (Math.abs(age) > toleranceSeconds) {
    fail(
      'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
      WEBHOOK_HEADERS.timestamp,
      age > 0
        ? `webhook-timestamp is ${age} s old, beyond the tolerance of ${toleranceSeconds} s (a replayed delivery, or this server's clock is behind)`
        : `webhook-timestamp is ${-age} s in the future, beyond the tolerance of ${toleranceSeconds} s (this server's clock is ahead)`,
      'check the clock (NTP); if the event is genuine, send it again with events.redeliver()',
    );
  }

  const passed = signatureHeader
    .trim()
    .split(/\s+/)
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry));
  if (passed.length === 0) {
    fail(
      'WEBHOOK_SIGNATURE_INVALID',
      WEBHOOK_HEADERS.signature,
      `webhook-signature carries no v1 signature; expected "v1,<base64>" entries separated by spaces, got ${shown(signatureHeader)}`,
    );
  }
  const signedAt = new Date(timestamp * 1000);
  const matches = candidates.some((signer) => {
    const expected = Buffer.from(signer.sign(id, signedAt, bytes));
    return passed.some(
      (signature) => signature.length === expected.length && timingSafeEqual(signature, expected),
    );
  });
  if (!matches) {
    fail(
      'WEBHOOK_SIGNATURE_INVALID',
      WEBHOOK_HEADERS.signature,
      `webhook-signature matches none of the ${candidates.length} secret${candidates.length > 1 ? 's' : ''} given`,
      "verify the raw bytes as received (a parsed and re-serialised body never matches), with this endpoint's own secret; after rotateSecret() pass [newSecret, oldSecret] until the grace period ends",
    );
  }
  return { id, timestamp: signedAt };
}

/** The issues of the event's own kind (session or transaction), not zod's bare "Invalid input" of the union. */
function eventIssues(
  json: unknown,
  error: z.ZodError,
): { issues: FieldIssue[]; described: string } {
  const type = (json as { type?: unknown } | null)?.type;
  if (!(WEBHOOK_EVENT_TYPES as unknown[]).includes(type)) {
    const message = `must be an event type this SDK knows (${WEBHOOK_EVENT_TYPES.join(', ')}); got ${JSON.stringify(type) ?? 'nothing'}`;
    return { issues: [{ path: 'type', message }], described: `type: ${message}` };
  }
  const union = error.issues.find((issue) => issue.code === 'invalid_union');
  const own =
    union?.code === 'invalid_union'
      ? union.unionErrors.find((branch) => !branch.issues.some((issue) => issue.path[0] === 'type'))
      : undefined;
  const chosen = own ?? error;
  return { issues: toFieldIssues(chosen), described: describeIssues(chosen) };
}

/**
 * Verifies a delivery as `verify()` does, then parses it into the typed event (amounts as bigint);
 * a body that is not an event of this SDK's contract is refused with WEBHOOK_PAYLOAD_INVALID.
 *
 * @example
 * ```ts
 * const event = webhooks.constructEvent(req.body, req.headers, process.env.ACCRUPAY_WEBHOOK_SECRET);
 * if (event.type === 'client_session.completed') {
 *   // A hint only: fulfil after verify() says SUCCEEDED.
 *   const transaction = await accrupay.transactions.clientSessions.payments.verify({
 *     id: event.data.object.id,
 *   });
 * }
 * ```
 */
export function constructEvent(
  rawBody: WebhookRawBody,
  headers: WebhookHeaders,
  secrets: WebhookSecrets,
  options: VerifyWebhookOptions = {},
): WebhookEvent {
  const { id } = verifyWebhook(rawBody, headers, secrets, options);
  const bytes = bodyBytes(rawBody);
  let text: string;
  try {
    text =
      typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('WEBHOOK_PAYLOAD_INVALID', 'rawBody', 'the body is not UTF-8 text');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('WEBHOOK_PAYLOAD_INVALID', 'rawBody', `the body is not JSON: ${shown(text)}`);
  }
  const parsed = webhookEventSchema.safeParse(json);
  if (!parsed.success) {
    const { issues, described } = eventIssues(json, parsed.error);
    throw new ERROR_CLASS_BY_WEBHOOK_CODE.WEBHOOK_PAYLOAD_INVALID({
      code: 'WEBHOOK_PAYLOAD_INVALID',
      message: `webhooks: the signed body is not an AccruPay event this SDK knows (${described}): if the sandbox is newer than @accrupay/node, upgrade the SDK; webhooks.verify() checks the signature without parsing.`,
      issues,
    });
  }
  if (parsed.data.id !== id) {
    fail(
      'WEBHOOK_PAYLOAD_INVALID',
      'id',
      `the event's id ${shown(parsed.data.id)} differs from its webhook-id header ${shown(id)}`,
    );
  }
  return parsed.data;
}

/** Webhook verification, usable without an API secret: `webhooks.verify()`, `webhooks.constructEvent()`. */
export const webhooks = {
  /** Checks a delivery's signature and timestamp; see {@link verifyWebhook}. */
  verify: verifyWebhook,
  /** Checks a delivery and returns its typed event; see {@link constructEvent}. */
  constructEvent,
} as const;

/** `accrupay.webhooks`, also exported as `webhooks`. */
export type WebhooksApi = typeof webhooks;
