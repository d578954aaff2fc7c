import { describe, expect, it } from 'vitest';
import {
  nuveiDmnChecksum,
  nuveiRequestChecksum,
  stripeSignatureHeader,
  verifyStripeSignature,
} from './signatures.ts';

/** The test merchant, request id and timestamp every request vector below starts from. */
const request = (clientRequestId: string) => ({
  merchantId: '111222333',
  merchantSiteId: '4455',
  clientRequestId,
  timeStamp: '20300115120000',
});

// Each expected hex below was computed once, by hand, with node:crypto over the literal string shown.
describe('known vectors', () => {
  it('Stripe-Signature is HMAC-SHA256(secret, t + "." + rawBody)', () => {
    // createHmac('sha256','whsec_test_secret').update('1893931200.{"id":"evt_1","type":"payment_intent.succeeded"}')
    const body = '{"id":"evt_1","type":"payment_intent.succeeded"}';
    expect(stripeSignatureHeader('whsec_test_secret', 1893931200, body)).toBe(
      't=1893931200,v1=b4558d62ca8f56186eb9a6c256a77e84ab889aa5ad475d8845b2d5cb5a6fcbcb',
    );
    expect(
      verifyStripeSignature(
        'whsec_test_secret',
        't=1893931200,v1=b4558d62ca8f56186eb9a6c256a77e84ab889aa5ad475d8845b2d5cb5a6fcbcb',
        body,
      ),
    ).toBe(true);
    expect(verifyStripeSignature('whsec_other', 't=1893931200,v1=b4558d62', body)).toBe(false);
  });

  it.each([
    {
      name: 'openOrder checksum is sha256(merchantId merchantSiteId clientRequestId amount currency timeStamp secret)',
      // sha256('111222333' + '4455' + 'req-1' + '10.00' + 'USD' + '20300115120000' + 'nuvei_secret_key')
      method: 'openOrder',
      body: {
        ...request('req-1'),
        amount: '10.00',
        currency: 'USD',
        clientUniqueId: 'ignored-by-openOrder-checksum',
      },
      checksum: '597cc07809c99bdf97c01090ae9187fb669822a4f08b221939883fa1d8e2b76f',
    },
    {
      name: 'settleTransaction checksum follows the documented 13 fields, empty ones included',
      // sha256('111222333'+'4455'+'req-2'+''+'5.00'+'USD'+'9000000000000000001'+'ABC123'+''+''+''+''+'20300115120000'+'nuvei_secret_key')
      method: 'settleTransaction',
      body: {
        ...request('req-2'),
        amount: '5.00',
        currency: 'USD',
        relatedTransactionId: '9000000000000000001',
        authCode: 'ABC123',
      },
      checksum: '09787243ebdccd402e7146aa6104c4fb042d58cf844f5327950dbbf518de1819',
    },
  ] as const)('$name', ({ method, body, checksum }) => {
    expect(nuveiRequestChecksum(method, body, 'nuvei_secret_key')).toBe(checksum);
  });

  it('DMN advanceResponseChecksum is sha256(secret totalAmount currency responseTimeStamp PPP_TransactionID Status productId)', () => {
    // sha256('nuvei_secret_key'+'10.00'+'USD'+'2030-01-15.12:00:00'+'123456789'+'APPROVED'+'sku-1')
    expect(
      nuveiDmnChecksum('nuvei_secret_key', {
        totalAmount: '10.00',
        currency: 'USD',
        responseTimeStamp: '2030-01-15.12:00:00',
        PPP_TransactionID: '123456789',
        Status: 'APPROVED',
        productId: 'sku-1',
      }),
    ).toBe('49a89a2dc58ccaa0ead73793f1aeaf4923c40b5e6e77675687cf2a4c74a58330');
  });
});
