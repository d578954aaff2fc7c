import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that signs an Accrue Pay notification. */
export const ACCRUE_SIGNATURE_HEADER = 'accrue-signature';

/**
 * The `accrue-signature` header of a notification: `t=<unix seconds>,v1=<hex HMAC-SHA256(webhookSecret, "<t>.<raw body>")>`.
 *
 * @example signAccrueNotification('whsec_test', 1894190400, '{"id":"evt_1"}')
 */
export function signAccrueNotification(
  webhookSecret: string,
  timestampSeconds: number,
  rawBody: string,
): string {
  const v1 = createHmac('sha256', webhookSecret)
    .update(`${timestampSeconds}.${rawBody}`, 'utf8')
    .digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

/**
 * Checks an `accrue-signature` header against the raw body and the webhook secret; with
 * `toleranceSeconds` and `nowSeconds`, a timestamp further than the tolerance from now is refused.
 */
export function verifyAccrueNotification(
  webhookSecret: string,
  header: string,
  rawBody: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  const parts = new Map<string, string>();
  for (const kv of header.split(',')) {
    const i = kv.indexOf('=');
    if (i > 0) parts.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
  }
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (options.toleranceSeconds !== undefined && options.nowSeconds !== undefined) {
    if (Math.abs(options.nowSeconds - t) > options.toleranceSeconds) return false;
  }
  const expected = signAccrueNotification(webhookSecret, t, rawBody).slice(`t=${t},v1=`.length);
  return timingSafeEqual(Buffer.from(expected), Buffer.from(v1));
}
