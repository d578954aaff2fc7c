import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that signs an Accrue Pay notification. */
export const ACCRUE_SIGNATURE_HEADER = 'accrue-signature';

/** How far a notification's timestamp may be from the router's clock. */
export const ACCRUE_SIGNATURE_TOLERANCE_SECONDS = 300;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(webhookSecret, "<t>.<raw body>")>`, as Accrue signs. */
export function accrueSignature(webhookSecret: string, timestampSeconds: number, rawBody: Buffer) {
  const mac = createHmac('sha256', webhookSecret)
    .update(`${timestampSeconds}.`, 'utf8')
    .update(rawBody)
    .digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/**
 * Whether an `accrue-signature` header signs `rawBody` with `webhookSecret` within the tolerance
 * of `nowMs`; the reason when it does not.
 */
export function verifyAccrueSignature(
  webhookSecret: string,
  header: string | undefined,
  rawBody: Buffer,
  nowMs: number,
): { ok: true } | { ok: false; reason: string } {
  if (!header) return { ok: false, reason: `the ${ACCRUE_SIGNATURE_HEADER} header is missing` };
  const parts = new Map<string, string>();
  for (const pair of header.split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) parts.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isSafeInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) {
    return { ok: false, reason: `the ${ACCRUE_SIGNATURE_HEADER} header is not t=...,v1=...` };
  }
  if (Math.abs(nowMs / 1000 - t) > ACCRUE_SIGNATURE_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'the signature timestamp is too far from now' };
  }
  const expected = Buffer.from(accrueSignature(webhookSecret, t, rawBody).split('v1=')[1] ?? '');
  const given = Buffer.from(v1);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'the signature does not match the body' };
  }
  return { ok: true };
}
