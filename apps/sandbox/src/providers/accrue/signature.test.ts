import { signAccrueNotification } from '@accrupay/provider-sim';
import { describe, expect, it } from 'vitest';
import { accrueSignature, verifyAccrueSignature } from './signature.ts';

const SECRET = 'whsec_test_vector';
const BODY =
  '{"id":"evt_1","type":"payment.captured","data":{"id":"pay_abc123xyz789","type":"payments"}}';
const T = 1_894_190_400;
/** Computed once from the simulator's signAccrueNotification and pinned: a change on either side fails. */
const PINNED = 't=1894190400,v1=927436ad28b2900f8efa96e9efc0c961c1bcdadf2088589a47f33bfb9993f620';

describe('accrue-signature', () => {
  it('signs as the simulator does (pinned test vector)', () => {
    const ours = accrueSignature(SECRET, T, Buffer.from(BODY));
    expect(ours).toBe(signAccrueNotification(SECRET, T, BODY));
    expect(ours).toBe(PINNED);
  });

  it('verifies a good signature and refuses a forged, stale or missing one', () => {
    const header = accrueSignature(SECRET, T, Buffer.from(BODY));
    expect(verifyAccrueSignature(SECRET, header, Buffer.from(BODY), T * 1000)).toEqual({
      ok: true,
    });
    expect(verifyAccrueSignature('whsec_other', header, Buffer.from(BODY), T * 1000).ok).toBe(
      false,
    );
    expect(verifyAccrueSignature(SECRET, header, Buffer.from(`${BODY} `), T * 1000).ok).toBe(false);
    expect(verifyAccrueSignature(SECRET, header, Buffer.from(BODY), (T + 3600) * 1000).ok).toBe(
      false,
    );
    expect(verifyAccrueSignature(SECRET, undefined, Buffer.from(BODY), T * 1000).ok).toBe(false);
    expect(verifyAccrueSignature(SECRET, 't=abc,v1=zz', Buffer.from(BODY), T * 1000).ok).toBe(
      false,
    );
  });
});
