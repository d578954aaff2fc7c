import { createHash } from 'node:crypto';
import { nuveiDmnChecksum, nuveiRequestChecksum } from '@accrupay/provider-sim';
import { describe, expect, it } from 'vitest';
import { dmnChecksumMatches, requestChecksum, type SignedMethod } from './checksum.ts';

// The router's checksums are written independently of the simulator's; these pin both to
// Nuvei's documented field orders (the openOrder vector is computed by hand).
const BODY = {
  merchantId: '1234567890123456',
  merchantSiteId: '654321',
  clientRequestId: 'req-1',
  clientUniqueId: 'order-1',
  amount: '100.00',
  currency: 'USD',
  relatedTransactionId: '7110000000001',
  authCode: 'A1',
  descriptorMerchantName: 'Shop',
  descriptorMerchantPhone: '555',
  comment: 'c',
  urlDetails: { notificationUrl: 'https://shop.example/dmn' },
  transactionId: '7110000000002',
  timeStamp: '20300115120000',
};
const METHODS: SignedMethod[] = [
  'openOrder',
  'payment',
  'settleTransaction',
  'voidTransaction',
  'refundTransaction',
  'getTransactionDetails',
];

describe('Nuvei checksums', () => {
  it('openOrder: sha256 of merchantId, siteId, clientRequestId, amount, currency, timeStamp, secret', () => {
    const vector = createHash('sha256')
      .update('1234567890123456654321req-1100.00USD20300115120000secret')
      .digest('hex');
    expect(requestChecksum('openOrder', BODY, 'secret')).toBe(vector);
  });

  it.each(METHODS)('%s: the same checksum as the simulator computes', (method) => {
    expect(requestChecksum(method, BODY, 'secret')).toBe(
      nuveiRequestChecksum(method, BODY, 'secret'),
    );
  });

  it('a DMN checksum the simulator computes matches; another secret does not', () => {
    const form = new URLSearchParams(
      'totalAmount=1.00&currency=USD&responseTimeStamp=2030-01-15.12:00:00&PPP_TransactionID=42&Status=APPROVED&productId=p',
    );
    const fields = Object.fromEntries(form) as Parameters<typeof nuveiDmnChecksum>[1];
    const claimed = nuveiDmnChecksum('secret', fields);
    expect(dmnChecksumMatches(form, claimed, 'secret')).toBe(true);
    expect(dmnChecksumMatches(form, claimed.toUpperCase(), 'secret')).toBe(true);
    expect(dmnChecksumMatches(form, claimed, 'other')).toBe(false);
  });
});
