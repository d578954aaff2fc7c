import type { CallbackHint } from '../types.ts';
import { dmnChecksumMatches } from './checksum.ts';

/**
 * Checks a DMN (a form-encoded callback signed by `advanceResponseChecksum`) against the
 * account's secret key; hints at the order, never at its outcome.
 */
export function verifyNuveiDmn(
  secretKey: string,
  rawBody: Buffer,
  headers: Record<string, string | string[] | undefined>,
): { ok: true; hint: CallbackHint } | { ok: false; reason: string } {
  const header = headers['content-type'];
  const contentType = (Array.isArray(header) ? header[0] : header) ?? '';
  const text = rawBody.toString('utf8');
  if (
    (contentType && !/^application\/x-www-form-urlencoded\b/i.test(contentType)) ||
    /^\s*[{[<]/.test(text)
  ) {
    return {
      ok: false,
      reason: `not a form-encoded DMN (content-type ${contentType || 'missing'})`,
    };
  }
  const form = new URLSearchParams(text);
  const claimed = form.get('advanceResponseChecksum');
  if (!claimed) return { ok: false, reason: 'missing advanceResponseChecksum' };
  const orderId = form.get('PPP_TransactionID');
  if (!orderId) return { ok: false, reason: 'missing PPP_TransactionID' };
  if (!dmnChecksumMatches(form, claimed, secretKey)) {
    return { ok: false, reason: 'advanceResponseChecksum mismatch' };
  }
  return {
    ok: true,
    hint: {
      providerCode: orderId,
      token: null,
      eventType: `${form.get('transactionType') ?? ''}:${form.get('Status') ?? ''}`,
      // A DMN reports a transaction's result: always news.
      news: true,
    },
  };
}
