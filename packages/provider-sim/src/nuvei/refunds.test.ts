import { describe, expect, it } from 'vitest';
import { type Loose, nuvei, nuveiOpenOrder, nuveiPay } from '../test-helpers.ts';
import {
  merchantId,
  merchantSiteId,
  nuveiDetails,
  nuveiRelated,
  secretKey,
  sha,
  simPerTest,
  TS,
} from './test-support.ts';

const t = simPerTest();
const ORDER = 'order-n1';

/** An approved payment of 10.00 USD for ORDER: a Sale, or an Auth with `transactionType: 'Auth'`. */
async function paid(
  card = '4761344136141390',
  transactionType?: 'Auth',
): Promise<Record<string, Loose>> {
  const order = await nuveiOpenOrder(t.server.url, {
    clientUniqueId: ORDER,
    ...(transactionType ? { transactionType } : {}),
  });
  const res = await nuveiPay(t.server.url, order.body.sessionToken, card);
  expect(res.body.transactionStatus).toBe('APPROVED');
  return { ...res.body, orderId: order.body.orderId };
}

/** A refundTransaction in USD, its checksum written out by hand in Nuvei's documented order. */
function refund(
  relatedTransactionId: string,
  amount: string,
  opts: { clientUniqueId?: string; authCode?: string; comment?: string; key?: string } = {},
) {
  const clientRequestId = `refund-${amount}`;
  const { clientUniqueId, authCode, comment, key = secretKey } = opts;
  return nuvei(t.server.url, 'refundTransaction', {
    merchantId,
    merchantSiteId,
    clientRequestId,
    ...(clientUniqueId === undefined ? {} : { clientUniqueId }),
    amount,
    currency: 'USD',
    relatedTransactionId,
    ...(authCode === undefined ? {} : { authCode }),
    ...(comment === undefined ? {} : { comment }),
    timeStamp: TS,
    checksum: sha(
      `${merchantId}${merchantSiteId}${clientRequestId}${clientUniqueId ?? ''}${amount}USD${relatedTransactionId}${authCode ?? ''}${comment ?? ''}${TS}${key}`,
    ),
  });
}

/** The order's ledger entries as [kind, amount]. */
const entries = () => t.sim.ledger({ merchantRef: ORDER }).map((e) => [e.kind, e.amount]);

/** The DMNs received so far, parsed, after delivering what is due. */
async function dmns(): Promise<Record<string, string>[]> {
  await t.sim.flush();
  return t.hooks.received.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
}

describe('Nuvei-like refundTransaction', () => {
  it('refunds a Sale in full: an APPROVED Credit, one refund entry findable by the payment, a checksummed DMN, found by getTransactionDetails', async () => {
    const sale = await paid();
    const res = await refund(sale.transactionId, '10.00', {
      clientUniqueId: 'refund-1',
      authCode: sale.authCode,
      comment: 'customer asked',
    });
    expect(res.body).toMatchObject({
      status: 'SUCCESS',
      errCode: 0,
      transactionStatus: 'APPROVED',
      transactionType: 'Credit',
      gwErrorCode: 0,
      gwErrorReason: '',
      clientUniqueId: 'refund-1',
      clientRequestId: 'refund-10.00',
      merchantId,
      merchantSiteId,
    });
    expect(res.body.transactionId).toMatch(/^\d{19}$/);
    expect(res.body.transactionId).not.toBe(sale.transactionId);

    const refunds = t.sim.ledger({ merchantRef: ORDER, kind: 'refund' });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      provider: 'nuvei',
      amount: 1000,
      currency: 'USD',
      providerRef: res.body.transactionId,
      relatedRef: sale.transactionId,
    });
    expect(entries()).toEqual([
      ['charge', 1000],
      ['refund', 1000],
    ]);

    const credit = (await dmns()).find((d) => d.transactionType === 'Credit');
    expect(credit).toMatchObject({
      Status: 'APPROVED',
      TransactionID: res.body.transactionId,
      relatedTransactionId: sale.transactionId,
      totalAmount: '10.00',
      currency: 'USD',
      PPP_TransactionID: sale.orderId,
    });
    expect(credit?.advanceResponseChecksum).toBe(
      sha(
        `${secretKey}${credit?.totalAmount}${credit?.currency}${credit?.responseTimeStamp}${credit?.PPP_TransactionID}${credit?.Status}${credit?.productId}`,
      ),
    );

    for (const by of [{ transactionId: res.body.transactionId }, { clientUniqueId: 'refund-1' }]) {
      const found = await nuveiDetails(t.server.url, by);
      expect(found.body.transactionDetails).toMatchObject({
        transactionId: res.body.transactionId,
        transactionType: 'Credit',
        transactionStatus: 'APPROVED',
        amount: '10.00',
        relatedTransactionId: sale.transactionId,
        clientUniqueId: 'refund-1',
      });
    }
  });

  it('partial refunds sum to the Sale, then one more is DECLINED (nothing moved); an over-refund is DECLINED', async () => {
    const sale = await paid();
    expect((await refund(sale.transactionId, '4.00')).body.transactionStatus).toBe('APPROVED');
    expect((await refund(sale.transactionId, '6.00')).body.transactionStatus).toBe('APPROVED');
    const more = await refund(sale.transactionId, '0.01');
    expect(more.body).toMatchObject({
      status: 'SUCCESS',
      transactionStatus: 'DECLINED',
      transactionType: 'Credit',
      gwErrorCode: -1,
      gwErrorReason: 'Credit Amount Exceed Total Charges',
    });
    expect(entries()).toEqual([
      ['charge', 1000],
      ['refund', 400],
      ['refund', 600],
      ['decline', 1],
    ]);
    const declinedDmn = (await dmns()).find((d) => d.TransactionID === more.body.transactionId);
    expect(declinedDmn).toMatchObject({ Status: 'DECLINED', transactionType: 'Credit' });

    const other = await paid();
    const over = await refund(other.transactionId, '10.01');
    expect(over.body).toMatchObject({
      transactionStatus: 'DECLINED',
      gwErrorReason: 'Credit Amount Exceed Total Charges',
    });
    expect(t.sim.ledger({ relatedRef: other.transactionId }).map((e) => e.kind)).toEqual([
      'decline',
    ]);
  });

  it('an Auth is refunded through its Settle, for at most what was settled; a refunded Sale cannot be voided; getPaymentStatus still reports the payment', async () => {
    const auth = await paid('4761344136141390', 'Auth');
    const refusedAuth = await refund(auth.transactionId, '10.00');
    expect(refusedAuth.body).toMatchObject({ status: 'ERROR', errCode: 1058 });
    expect(refusedAuth.body.reason).toContain('Settle');
    const settled = await nuveiRelated(
      t.server.url,
      'settleTransaction',
      auth.transactionId,
      '6.00',
      {
        authCode: auth.authCode,
      },
    );
    expect(settled.body.transactionStatus).toBe('APPROVED');
    const ok = await refund(settled.body.transactionId, '6.00');
    expect(ok.body.transactionStatus).toBe('APPROVED');
    expect((await refund(settled.body.transactionId, '0.01')).body.transactionStatus).toBe(
      'DECLINED',
    );

    const sale = await paid();
    await refund(sale.transactionId, '1.00');
    const voided = await nuveiRelated(t.server.url, 'voidTransaction', sale.transactionId, '10.00');
    expect(voided.body).toMatchObject({ status: 'ERROR', errCode: 1058 });
    const status = await nuvei(t.server.url, 'getPaymentStatus', {
      sessionToken: sale.sessionToken,
    });
    expect(status.body).toMatchObject({
      transactionType: 'Sale',
      transactionId: sale.transactionId,
    });
    expect(
      t.sim.ledger({ merchantRef: ORDER, kind: 'refund' }).map((e) => [e.amount, e.relatedRef]),
    ).toEqual([
      [600, settled.body.transactionId],
      [100, sale.transactionId],
    ]);
  });

  it('refuses a voided Sale (1058), an unknown transaction (1140), another currency (1041), a zero amount (1040) and a wrong checksum (1001): nothing moved', async () => {
    const sale = await paid();
    await nuveiRelated(t.server.url, 'voidTransaction', sale.transactionId, '10.00');
    expect((await refund(sale.transactionId, '10.00')).body).toMatchObject({
      status: 'ERROR',
      errCode: 1058,
    });
    expect((await refund('1234567890123456789', '1.00')).body.errCode).toBe(1140);
    const other = await paid();
    expect((await refund(other.transactionId, '0.00')).body.errCode).toBe(1040);
    const eur = await nuvei(t.server.url, 'refundTransaction', {
      merchantId,
      merchantSiteId,
      clientRequestId: 'r-eur',
      amount: '1.00',
      currency: 'EUR',
      relatedTransactionId: other.transactionId,
      timeStamp: TS,
      checksum: sha(
        `${merchantId}${merchantSiteId}r-eur1.00EUR${other.transactionId}${TS}${secretKey}`,
      ),
    });
    expect(eur.body.errCode).toBe(1041);
    const forged = await refund(other.transactionId, '1.00', { key: 'wrong-secret' });
    expect(forged.body).toMatchObject({ status: 'ERROR', errCode: 1001 });
    expect(forged.body.reason).toContain(
      'merchantId + merchantSiteId + clientRequestId + clientUniqueId + amount + currency + relatedTransactionId + authCode + comment + urlDetails + timeStamp',
    );
    expect(entries()).toEqual([
      ['charge', 1000],
      ['void', 1000],
      ['charge', 1000],
    ]);
  });

  it('4000000000005126: the refund of its payment is DECLINED ("Refund Declined") with a DMN; nothing moved', async () => {
    const sale = await paid('4000000000005126');
    const res = await refund(sale.transactionId, '10.00', { clientUniqueId: 'refund-fail' });
    expect(res.body).toMatchObject({
      status: 'SUCCESS',
      transactionStatus: 'DECLINED',
      transactionType: 'Credit',
      gwErrorCode: -1,
      gwErrorReason: 'Refund Declined',
    });
    expect(entries()).toEqual([
      ['charge', 1000],
      ['decline', 1000],
    ]);
    expect(t.sim.ledger({ kind: 'refund' })).toEqual([]);
    const dmn = (await dmns()).find((d) => d.transactionType === 'Credit');
    expect(dmn).toMatchObject({
      Status: 'DECLINED',
      ppp_status: 'FAIL',
      Reason: 'Refund Declined',
      relatedTransactionId: sale.transactionId,
    });
    const found = await nuveiDetails(t.server.url, { clientUniqueId: 'refund-fail' });
    expect(found.body.transactionDetails).toMatchObject({
      transactionType: 'Credit',
      transactionStatus: 'DECLINED',
    });
  });

  it('a refund whose answer was lost (api_timeout, applied): getTransactionDetails by clientUniqueId shows the Credit, the ledger has one refund', async () => {
    const sale = await paid();
    t.sim.addScenario({ kind: 'api_timeout', holdMs: 30_000, applied: true, provider: 'nuvei' });
    const lost = refund(sale.transactionId, '10.00', { clientUniqueId: 'refund-lost' }).catch(
      (e: unknown) => e,
    );
    await new Promise<void>((resolve) => t.sim.events.once('request-held', () => resolve()));
    await t.sim.clock.advance(30_000);
    expect(await lost).toBeInstanceOf(Error);
    const found = await nuveiDetails(t.server.url, { clientUniqueId: 'refund-lost' });
    expect(found.body.transactionDetails).toMatchObject({
      transactionType: 'Credit',
      transactionStatus: 'APPROVED',
      relatedTransactionId: sale.transactionId,
    });
    const retry = await refund(sale.transactionId, '10.00', { clientUniqueId: 'refund-lost' });
    expect(retry.body.transactionStatus).toBe('DECLINED');
    expect(t.sim.ledger({ kind: 'refund' })).toHaveLength(1);
    t.sim.addScenario({ kind: 'api_error', provider: 'nuvei' });
    const res = await fetch(`${t.server.url}/nuvei/ppp/api/v1/refundTransaction.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(500);
  });
});
