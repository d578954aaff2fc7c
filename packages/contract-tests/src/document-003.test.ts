// Document 003's curl example, sent as curl sends it: the body below is the document's `-d`
// argument character for character; only the secret (header), the provider and the URL differ.
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { postGraphql, publishedClient } from './published.ts';
import { CARDS, databases, type Harness, harness, PROVIDERS } from './support.ts';

const DBS = await databases();
afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

/** The `-d` of document 003's "curl example" (the start of a payment session), verbatim. */
const CURL_BODY = `{
"query": "mutation StartPaymentSession($transactionProvider: TRANSACTION_PROVIDER!, $data: MerchantApiClientTransactionPaymentSessionStartSchema!) { merchantApiClientTransactionPaymentSessionStartV2(transactionProvider: $transactionProvider, data: $data) { id token providerCode status expiresAt } }",
"variables": {
"transactionProvider": "YOUR_PROVIDER",
"data": {
"amount": 10000,
"currency": "USD",
"merchantInternalTransactionCode": "order-001",
"merchantInternalCustomerCode": "customer-456",
"storePaymentMethod": false,
"billing": {
"billingFirstName": "Jane",
"billingLastName": "Smith",
"billingEmail": "jane@example.com",
"billingAddressCountry": "US"
}
}
}
}`;

interface Started {
  merchantApiClientTransactionPaymentSessionStartV2: {
    id: string;
    token: string;
    providerCode: string;
    status: string;
    expiresAt: string | null;
  };
}

describe.each(DBS)('on $name', (db) => {
  describe.skipIf(db.skip).each(PROVIDERS)('with %s', (provider) => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness(db.url(), provider);
    });
    afterEach(async () => {
      await h.close();
    });

    test("003's curl example answers 200 with a PENDING session; paid and verified, one charge", async () => {
      const body = CURL_BODY.replace('"YOUR_PROVIDER"', JSON.stringify(provider));
      expect(body).not.toBe(CURL_BODY);
      const answer = await postGraphql<Started>(h, body);
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      const session = answer.data?.merchantApiClientTransactionPaymentSessionStartV2;
      expect(session).toEqual({
        id: expect.any(String),
        token: expect.any(String),
        providerCode: expect.any(String),
        status: 'PENDING',
        expiresAt: expect.any(String),
      });
      expect(h.t.sim.ledger({ merchantRef: 'order-001' })).toHaveLength(0);

      await h.pay({ token: session?.token as string }, CARDS.success[provider]);
      const transaction = await publishedClient(h).transactions.clientSessions.payments.verify({
        id: session?.id as string,
      });
      expect(transaction).toMatchObject({ status: 'SUCCEEDED', amount: 10000n });
      expect(h.charges('order-001').map((entry) => [entry.kind, entry.amount])).toEqual([
        ['charge', 10000],
      ]);
    });
  });
});
