import { describe, expect, it } from 'vitest';
import { signAccrueNotification, verifyAccrueNotification } from './signature.ts';

const SECRET = 'whsec_test_vector';
const BODY = '{"id":"evt_test","type":"payment.succeeded"}';
const T = 1_894_190_400;
/** Pinned: HMAC-SHA256("whsec_test_vector", "1894190400." + BODY) in hex, computed outside this code. */
const VECTOR = 't=1894190400,v1=3cd304cfc4cc32b99274aab479cdcdb83ae2ba4db2d3539136b6395e871ab061';

describe('accrue-signature', () => {
  it('signs t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")> (test vector)', () => {
    expect(signAccrueNotification(SECRET, T, BODY)).toBe(VECTOR);
  });

  it('verifies the vector and refuses another secret, body, timestamp or a malformed header', () => {
    expect(verifyAccrueNotification(SECRET, VECTOR, BODY)).toBe(true);
    expect(verifyAccrueNotification('whsec_other', VECTOR, BODY)).toBe(false);
    expect(verifyAccrueNotification(SECRET, VECTOR, `${BODY} `)).toBe(false);
    expect(
      verifyAccrueNotification(SECRET, VECTOR.replace('t=1894190400', 't=1894190401'), BODY),
    ).toBe(false);
    expect(verifyAccrueNotification(SECRET, `t=${T},v1=${'0'.repeat(64)}`, BODY)).toBe(false);
    expect(verifyAccrueNotification(SECRET, 'v1=abc', BODY)).toBe(false);
    expect(verifyAccrueNotification(SECRET, '', BODY)).toBe(false);
  });

  it('with a tolerance, refuses a timestamp too far from now', () => {
    expect(
      verifyAccrueNotification(SECRET, VECTOR, BODY, {
        toleranceSeconds: 300,
        nowSeconds: T + 299,
      }),
    ).toBe(true);
    expect(
      verifyAccrueNotification(SECRET, VECTOR, BODY, {
        toleranceSeconds: 300,
        nowSeconds: T + 301,
      }),
    ).toBe(false);
  });
});
