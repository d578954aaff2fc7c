import { describe, expect, it } from 'vitest';
import { type CardOutcome, NUVEI_TEST_CARDS } from '../cards.ts';
import { type Loose, nuvei, nuveiPay } from '../test-helpers.ts';
import {
  merchantId,
  merchantSiteId,
  nuveiRelated,
  secretKey,
  sha,
  simPerTest,
  TS,
} from './test-support.ts';

const t = simPerTest();

async function openOrder(extra: Record<string, unknown> = {}, amount = '10.00') {
  const clientRequestId = `req-${Math.random().toString(36).slice(2)}`;
  const res = await nuvei(t.server.url, 'openOrder', {
    merchantId,
    merchantSiteId,
    clientRequestId,
    clientUniqueId: 'order-77',
    amount,
    currency: 'USD',
    timeStamp: TS,
    checksum: sha(`${merchantId}${merchantSiteId}${clientRequestId}${amount}USD${TS}${secretKey}`),
    ...extra,
  });
  expect(res.body.status).toBe('SUCCESS');
  return res.body as { sessionToken: string; orderId: string };
}

function pay(sessionToken: string, cardNumber: string, amount = '10.00') {
  return nuveiPay(t.server.url, sessionToken, cardNumber, { amount });
}

/** Settles or voids an approved payment (the answer of `pay`), with its authCode. */
function related(
  method: 'settleTransaction' | 'voidTransaction',
  paid: { body: Loose },
  amount: string,
) {
  return nuveiRelated(t.server.url, method, paid.body.transactionId, amount, {
    authCode: paid.body.authCode,
  });
}

describe('Nuvei lifecycle', () => {
  it('Sale: openOrder, payment, getPaymentStatus; one charge; a DMN with a valid advanceResponseChecksum', async () => {
    const order = await openOrder({ productId: 'sku-9' });
    expect(order.sessionToken).toMatch(/^[0-9a-f-]{36}$/);
    const paid = await pay(order.sessionToken, '4761344136141390');
    expect(paid.body).toMatchObject({
      status: 'SUCCESS',
      transactionStatus: 'APPROVED',
      transactionType: 'Sale',
    });
    expect(JSON.stringify(paid.body)).not.toContain('4761344136141390');
    const status = await nuvei(t.server.url, 'getPaymentStatus', {
      sessionToken: order.sessionToken,
    });
    expect(status.body).toMatchObject({
      transactionStatus: 'APPROVED',
      transactionId: paid.body.transactionId,
    });
    await t.sim.flush();
    expect(t.hooks.received).toHaveLength(1);
    const hook = t.hooks.received[0];
    expect(hook?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const dmn = Object.fromEntries(new URLSearchParams(hook?.body));
    expect(dmn).toMatchObject({
      Status: 'APPROVED',
      ppp_status: 'OK',
      totalAmount: '10.00',
      currency: 'USD',
      PPP_TransactionID: order.orderId,
      TransactionID: paid.body.transactionId,
      merchant_unique_id: 'order-77',
      productId: 'sku-9',
    });
    expect(dmn.advanceResponseChecksum).toBe(
      sha(
        `${secretKey}${dmn.totalAmount}${dmn.currency}${dmn.responseTimeStamp}${dmn.PPP_TransactionID}${dmn.Status}${dmn.productId}`,
      ),
    );
    expect(dmn.responseTimeStamp).toBe('2030-01-15.12:00:00');
    expect(t.sim.ledger({ merchantRef: 'order-77' }).map((e) => [e.kind, e.amount])).toEqual([
      ['charge', 1000],
    ]);
  });

  it('Auth then settle (once, never above the authorization) and void', async () => {
    const order = await openOrder({ transactionType: 'Auth' });
    const auth = await pay(order.sessionToken, '4761344136141390');
    expect(auth.body.transactionType).toBe('Auth');
    const tooMuch = await related('settleTransaction', auth, '10.01');
    expect(tooMuch.body).toMatchObject({ status: 'ERROR', errCode: 1040 });
    const settle = await related('settleTransaction', auth, '6.00');
    expect(settle.body).toMatchObject({
      status: 'SUCCESS',
      transactionStatus: 'APPROVED',
      transactionType: 'Settle',
    });
    const twice = await related('settleTransaction', auth, '1.00');
    expect(twice.body).toMatchObject({ status: 'ERROR', errCode: 1058 });
    const order2 = await openOrder({ transactionType: 'Auth' });
    const auth2 = await pay(order2.sessionToken, '4761344136141390');
    const voided = await related('voidTransaction', auth2, '10.00');
    expect(voided.body).toMatchObject({ status: 'SUCCESS', transactionType: 'Void' });
    const settleVoided = await related('settleTransaction', auth2, '10.00');
    expect(settleVoided.body.status).toBe('ERROR');
    expect(t.sim.ledger({ provider: 'nuvei' }).map((e) => [e.kind, e.amount])).toEqual([
      ['authorization', 1000],
      ['capture', 600],
      ['authorization', 1000],
      ['void', 1000],
    ]);
  });

  it('the session token expires 20 minutes after openOrder by clock', async () => {
    const order = await openOrder();
    await t.sim.clock.advance(20 * 60_000 - 1);
    expect(
      (await nuvei(t.server.url, 'getPaymentStatus', { sessionToken: order.sessionToken })).body
        .status,
    ).toBe('SUCCESS');
    await t.sim.clock.advance(1);
    const paid = await pay(order.sessionToken, '4761344136141390');
    expect(paid.body).toMatchObject({ status: 'ERROR', errCode: 1069, reason: 'Session expired' });
    const status = await nuvei(t.server.url, 'getPaymentStatus', {
      sessionToken: order.sessionToken,
    });
    expect(status.body).toMatchObject({ status: 'ERROR', errCode: 1069 });
    expect(t.sim.ledger()).toEqual([]);
  });

  it('a configured Nuvei TTL replaces the default', async () => {
    await t.restart({ ttl: { nuvei: { sessionTokenMs: 1_000 } } });
    const order = await openOrder();
    await t.sim.clock.advance(1_000);
    expect((await pay(order.sessionToken, '4761344136141390')).body.errCode).toBe(1069);
  });

  it('a zero-amount Auth stores the card (UPO); with the 0341 card the later charge declines', async () => {
    const save = await openOrder({ transactionType: 'Auth', userTokenId: 'user-1' }, '0');
    const saved = await pay(save.sessionToken, '4000000000000341', '0');
    expect(saved.body.transactionStatus).toBe('APPROVED');
    const upo = saved.body.paymentOption.userPaymentOptionId as string;
    expect(upo).toMatch(/^\d+$/);
    const charge = await openOrder({ userTokenId: 'user-1' });
    const clientRequestId = 'pay-upo';
    const res = await nuvei(t.server.url, 'payment', {
      merchantId,
      merchantSiteId,
      sessionToken: charge.sessionToken,
      clientRequestId,
      amount: '10.00',
      currency: 'USD',
      userTokenId: 'user-1',
      timeStamp: TS,
      checksum: sha(`${merchantId}${merchantSiteId}${clientRequestId}10.00USD${TS}${secretKey}`),
      paymentOption: { userPaymentOptionId: upo },
    });
    expect(res.body).toMatchObject({ status: 'SUCCESS', transactionStatus: 'DECLINED' });
    expect(t.sim.ledger().map((e) => e.kind)).toEqual(['verification', 'decline']);
  });
});

describe('Nuvei test cards', () => {
  /** What each test card's payment answers: [transactionStatus, gwErrorReason] (no reason when it is not declined). */
  const want: Record<CardOutcome, readonly [string, string]> = {
    success: ['APPROVED', ''],
    generic_decline: ['DECLINED', 'Decline'],
    attach_ok_charge_declines: ['DECLINED', 'Decline'],
    insufficient_funds: ['DECLINED', 'Insufficient Funds'],
    lost_card: ['DECLINED', 'Lost Card, Pick Up'],
    stolen_card: ['DECLINED', 'Stolen Card, Pick Up'],
    expired_card: ['DECLINED', 'Expired Card'],
    incorrect_cvc: ['DECLINED', 'Invalid CVV2'],
    processing_error: ['ERROR', 'Processing error'],
    challenge_3ds: ['REDIRECT', ''],
  };
  for (const c of NUVEI_TEST_CARDS) {
    it(`${c.number} (${c.outcome})`, async () => {
      const order = await openOrder();
      const res = await pay(order.sessionToken, c.number);
      expect(res.body.status).toBe('SUCCESS');
      expect([res.body.transactionStatus, res.body.gwErrorReason]).toEqual(want[c.outcome]);
    });
  }

  it('3-D Secure challenge: REDIRECT with an acsUrl; denial declines, approval on a new order approves', async () => {
    const order = await openOrder();
    const res = await pay(order.sessionToken, '4000027891380961');
    expect(res.body.paymentOption.card.threeD.acsUrl).toContain('/hosted/3ds?provider=nuvei');
    const decide = (token: string, decision: string) =>
      fetch(`${t.server.url}/hosted/3ds`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ provider: 'nuvei', token, decision }),
      });
    await decide(order.sessionToken, 'deny');
    expect(
      (await nuvei(t.server.url, 'getPaymentStatus', { sessionToken: order.sessionToken })).body
        .transactionStatus,
    ).toBe('DECLINED');
    const order2 = await openOrder();
    await pay(order2.sessionToken, '4000027891380961');
    await decide(order2.sessionToken, 'approve');
    expect(
      (await nuvei(t.server.url, 'getPaymentStatus', { sessionToken: order2.sessionToken })).body
        .transactionStatus,
    ).toBe('APPROVED');
    expect(t.sim.ledger().map((e) => e.kind)).toEqual(['decline', 'charge']);
  });

  it('refuses a number that fails the Luhn check', async () => {
    const order = await openOrder();
    const res = await pay(order.sessionToken, '4761344136141391');
    expect(res.body).toMatchObject({ status: 'ERROR', errCode: 1004 });
  });
});

describe('Nuvei bad input', () => {
  it('a wrong checksum is refused with errCode 1001', async () => {
    const res = await nuvei(t.server.url, 'openOrder', {
      merchantId,
      merchantSiteId,
      clientRequestId: 'r',
      amount: '1.00',
      currency: 'USD',
      timeStamp: TS,
      checksum: sha('wrong'),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ERROR', errCode: 1001 });
  });

  it('an unknown merchant, a bad amount and a bad timestamp are refused by name', async () => {
    const unknown = await nuvei(t.server.url, 'openOrder', {
      merchantId: 'nope',
      merchantSiteId,
      amount: '1.00',
      currency: 'USD',
      timeStamp: TS,
      checksum: sha('x'),
    });
    expect(unknown.body).toMatchObject({ status: 'ERROR', errCode: 1013 });
    const amount = await nuvei(t.server.url, 'openOrder', {
      merchantId,
      merchantSiteId,
      amount: '1,00',
      currency: 'USD',
      timeStamp: TS,
      checksum: sha('x'),
    });
    expect(amount.body).toMatchObject({ status: 'ERROR', errCode: 1019 });
    expect(amount.body.reason).toContain('amount');
    const ts = await nuvei(t.server.url, 'openOrder', {
      merchantId,
      merchantSiteId,
      amount: '1.00',
      currency: 'USD',
      timeStamp: '2030-01-15',
      checksum: sha('x'),
    });
    expect(ts.body.reason).toContain('timeStamp');
  });

  it('bad JSON is a 400 and an oversized body a 413, both in Nuvei style', async () => {
    const badJson = await fetch(`${t.server.url}/nuvei/ppp/api/v1/openOrder.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ status: 'ERROR' });
    const big = await fetch(`${t.server.url}/nuvei/ppp/api/v1/openOrder.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(200_000) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ status: 'ERROR' });
  });

  it('an unknown session token is refused', async () => {
    const res = await nuvei(t.server.url, 'getPaymentStatus', { sessionToken: 'nope' });
    expect(res.body).toMatchObject({ status: 'ERROR', errCode: 1065 });
  });
});

describe('amounts in zero-decimal currencies', () => {
  it('1500 JPY is 1500 minor units; 15.00 USD is 1500', async () => {
    const { nuveiAmountToMinor } = await import('./index.ts');
    expect(nuveiAmountToMinor('1500', 'JPY')).toBe(1500);
    expect(nuveiAmountToMinor('15.00', 'USD')).toBe(1500);
    expect(nuveiAmountToMinor('15.5', 'EUR')).toBe(1550);
    expect(nuveiAmountToMinor('0', 'KRW')).toBe(0);
  });
});
