import { describe, expect, it } from 'vitest';
import { PROVIDER_LIMITS } from '../limits.ts';
import { type Loose, nuvei, nuveiOpenOrder, nuveiPay } from '../test-helpers.ts';
import { nuveiDetails, nuveiRelated, simPerTest } from './test-support.ts';

const t = simPerTest();

function settle(relatedTransactionId: string, amount: string, clientUniqueId: string) {
  return nuveiRelated(t.server.url, 'settleTransaction', relatedTransactionId, amount, {
    clientUniqueId,
    clientRequestId: `settle-${clientUniqueId}`,
  });
}

function details(by: { transactionId?: string; clientUniqueId?: string }, key?: string) {
  return nuveiDetails(t.server.url, by, key);
}

async function authorized(): Promise<{ order: Loose; auth: Loose }> {
  const order = (await nuveiOpenOrder(t.server.url, { transactionType: 'Auth' })).body;
  const auth = (await nuveiPay(t.server.url, order.sessionToken, '4761344136141390')).body;
  expect(auth.transactionStatus).toBe('APPROVED');
  return { order, auth };
}

describe('getTransactionDetails', () => {
  it('finds a payment by transactionId and by the clientUniqueId its request carried', async () => {
    const order = (await nuveiOpenOrder(t.server.url, { clientUniqueId: 'order-9' })).body;
    const paid = (
      await nuveiPay(t.server.url, order.sessionToken, '4761344136141390', {
        clientUniqueId: 'attempt-9a',
      })
    ).body;
    const byId = await details({ transactionId: paid.transactionId });
    expect(byId.body).toMatchObject({
      status: 'SUCCESS',
      errCode: 0,
      transactionDetails: {
        transactionId: paid.transactionId,
        transactionType: 'Sale',
        transactionStatus: 'APPROVED',
        amount: '10.00',
        currency: 'USD',
        relatedTransactionId: '',
        clientUniqueId: 'attempt-9a',
        orderId: order.orderId,
        authCode: paid.authCode,
        date: '2030-01-15.12:00:00',
      },
    });
    const byCuid = await details({ clientUniqueId: 'attempt-9a' });
    expect(byCuid.body.transactionDetails.transactionId).toBe(paid.transactionId);
  });

  it('settle whose answer was lost (api_timeout, applied): the details show the APPROVED Settle, a retry is refused and the ledger has one capture', async () => {
    const { auth } = await authorized();
    t.sim.addScenario({ kind: 'api_timeout', holdMs: 30_000, applied: true, provider: 'nuvei' });
    const lost = settle(auth.transactionId, '10.00', 'settle-1').catch((e: unknown) => e);
    await new Promise<void>((resolve) => t.sim.events.once('request-held', () => resolve()));
    await t.sim.clock.advance(30_000);
    expect(await lost).toBeInstanceOf(Error);

    const found = await details({ clientUniqueId: 'settle-1' });
    expect(found.body).toMatchObject({
      status: 'SUCCESS',
      transactionDetails: {
        transactionType: 'Settle',
        transactionStatus: 'APPROVED',
        amount: '10.00',
        currency: 'USD',
        relatedTransactionId: auth.transactionId,
        clientUniqueId: 'settle-1',
      },
    });
    const retry = await settle(auth.transactionId, '10.00', 'settle-1');
    expect(retry.body).toMatchObject({ status: 'ERROR', errCode: 1058 });
    expect(retry.body.reason).toContain('already been settled');
    expect(t.sim.ledger({ kind: 'capture' })).toHaveLength(1);
    expect(t.sim.ledger({ kind: 'capture' })[0]?.providerRef).toBe(
      found.body.transactionDetails.transactionId,
    );
    const original = await details({ transactionId: auth.transactionId });
    expect(original.body.transactionDetails).toMatchObject({
      transactionType: 'Auth',
      isSettled: true,
      isVoided: false,
    });
  });

  it('a void by clientUniqueId; unknown references, a bad checksum and a missing key are refused', async () => {
    const { auth } = await authorized();
    const voided = await nuveiRelated(
      t.server.url,
      'voidTransaction',
      auth.transactionId,
      '10.00',
      {
        clientUniqueId: 'void-ref',
        clientRequestId: 'void-1',
      },
    );
    expect(voided.body.transactionStatus).toBe('APPROVED');
    expect((await details({ clientUniqueId: 'void-ref' })).body.transactionDetails).toMatchObject({
      transactionType: 'Void',
      relatedTransactionId: auth.transactionId,
    });
    expect((await details({ transactionId: '1234567890123456789' })).body).toMatchObject({
      status: 'ERROR',
      errCode: 1140,
    });
    expect((await details({ clientUniqueId: 'nobody' })).body).toMatchObject({
      status: 'ERROR',
      errCode: 1140,
    });
    expect((await details({ clientUniqueId: 'void-ref' }, 'wrong')).body.errCode).toBe(1001);
    const none = await details({});
    expect(none.body).toMatchObject({ status: 'ERROR', errCode: 1019 });
    expect(none.body.reason).toContain('transactionId');
  });
});

describe('several payment attempts in one order', () => {
  it('a declined card, then an approved one in the same session: getPaymentStatus reports the approval', async () => {
    const order = (await nuveiOpenOrder(t.server.url, { clientUniqueId: 'order-retry' })).body;
    const declined = await nuveiPay(t.server.url, order.sessionToken, '4000000000000002');
    expect(declined.body).toMatchObject({ status: 'SUCCESS', transactionStatus: 'DECLINED' });
    const approved = await nuveiPay(t.server.url, order.sessionToken, '4761344136141390');
    expect(approved.body).toMatchObject({ status: 'SUCCESS', transactionStatus: 'APPROVED' });
    expect(approved.body.transactionId).not.toBe(declined.body.transactionId);
    const status = await nuvei(t.server.url, 'getPaymentStatus', {
      sessionToken: order.sessionToken,
    });
    expect(status.body).toMatchObject({
      status: 'SUCCESS',
      transactionStatus: 'APPROVED',
      transactionId: approved.body.transactionId,
      amount: '10.00',
      currency: 'USD',
      clientUniqueId: 'order-retry',
    });
    expect(status.body.sessionExpired).toBeUndefined();
    const third = await nuveiPay(t.server.url, order.sessionToken, '4761344136141390');
    expect(third.body).toMatchObject({ status: 'ERROR', errCode: 1058 });
    expect(t.sim.ledger({ merchantRef: 'order-retry' }).map((e) => e.kind)).toEqual([
      'decline',
      'charge',
    ]);
    await t.sim.clock.advance(21 * 60_000);
    const later = await nuvei(t.server.url, 'getPaymentStatus', {
      sessionToken: order.sessionToken,
    });
    expect(later.body).toMatchObject({
      transactionStatus: 'APPROVED',
      transactionId: approved.body.transactionId,
    });
  });

  it('getPaymentStatus says the session expired after a decline and the TTL', async () => {
    const order = (await nuveiOpenOrder(t.server.url)).body;
    await nuveiPay(t.server.url, order.sessionToken, '4000000000000002');
    await t.sim.clock.advance(21 * 60_000);
    const status = await nuvei(t.server.url, 'getPaymentStatus', {
      sessionToken: order.sessionToken,
    });
    expect(status.body).toMatchObject({ transactionStatus: 'DECLINED', sessionExpired: true });
    const retry = await nuveiPay(t.server.url, order.sessionToken, '4761344136141390');
    expect(retry.body).toMatchObject({ status: 'ERROR', errCode: 1069 });
  });
});

describe('Nuvei limits', () => {
  it.each(['KWD', 'BHD', 'JOD', 'OMR', 'TND', 'CLF'])('refuses %s with errCode 1041', async (c) => {
    const res = await nuveiOpenOrder(t.server.url, { currency: c, amount: '10.00' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ERROR', errCode: 1041 });
    expect(res.body.reason).toContain(c);
  });

  it('refuses absurd amounts with errCode 1040, up to 2^63-1 and far beyond, and keeps working', async () => {
    const max = PROVIDER_LIMITS.nuvei.maxAmountMinor;
    for (const amount of [
      ((max + 1) / 100).toFixed(2),
      '92233720368547758.07',
      '9223372036854775807',
      '9'.repeat(60),
      `${'9'.repeat(380)}.99`,
    ]) {
      const res = await nuveiOpenOrder(t.server.url, { amount });
      expect(res.status, amount).toBe(200);
      expect(res.body, amount).toMatchObject({ status: 'ERROR', errCode: 1040 });
    }
    const atMax = await nuveiOpenOrder(t.server.url, { amount: (max / 100).toFixed(2) });
    expect(atMax.body.status).toBe('SUCCESS');
    const tooLong = await nuveiOpenOrder(t.server.url, { amount: '9'.repeat(500) });
    expect(tooLong.body).toMatchObject({ status: 'ERROR', errCode: 1019 });
    expect(tooLong.body.reason).toContain('amount');
  });
});
