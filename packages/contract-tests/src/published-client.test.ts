// The sandbox's GraphQL API driven by AccruPay's own published client, `@accrupay/node` 0.15.1
// from the npm registry: what a merchant who installed it today would run against the sandbox.
// Where the client has no method (authorizations), the operations go as plain GraphQL over fetch.
import {
  CURRENCY,
  PAYMENT_METHOD,
  TRANSACTION_ACTION,
  TRANSACTION_PROVIDER,
} from 'accrupay-node-published';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  dataOf,
  type GraphqlAnswer,
  PUBLISHED_BILLING,
  postGraphql,
  publishedClient,
} from './published.ts';
import { CARDS, databases, type Harness, harness, PROVIDERS } from './support.ts';

const DBS = await databases();
afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

const CUSTOMER = 'customer-4421';

/** A payment session start in the published client's shape (document 002's, amounts as BigInt). */
function paymentData(code: string, amount = 10000n) {
  return {
    amount,
    currency: CURRENCY.USD,
    merchantInternalCustomerCode: CUSTOMER,
    merchantInternalTransactionCode: code,
    billing: PUBLISHED_BILLING,
    storePaymentMethod: false,
  };
}

const AUTHORIZATION_START = /* GraphQL */ `
  mutation AuthorizationStart($merchantTransactionProviderId: String, $data: MerchantApiClientTransactionAuthorizationSessionStartSchema!) {
    merchantApiClientTransactionAuthorizationSessionStart(merchantTransactionProviderId: $merchantTransactionProviderId, data: $data) {
      id token status action amount
    }
  }`;
const AUTHORIZATION_VERIFY = /* GraphQL */ `
  mutation AuthorizationVerify($id: String) {
    merchantApiClientTransactionAuthorizationSessionVerify(id: $id) { id status action amount }
  }`;
const AUTHORIZATION_SETTLE = /* GraphQL */ `
  mutation AuthorizationSettle($id: String, $amount: BigInt) {
    merchantApiTransactionAuthorizationSettle(id: $id, amount: $amount) {
      id status action amount relatedTransactionId
    }
  }`;
const AUTHORIZATION_VOID = /* GraphQL */ `
  mutation AuthorizationVoid($id: String) {
    merchantApiTransactionAuthorizationVoid(id: $id) { id status action }
  }`;

interface Transaction {
  id: string;
  status: string;
  action: string;
  amount: number;
  relatedTransactionId?: string | null;
}

/** The error code of the first GraphQL error of an answer that must have failed. */
function errorCode(answer: GraphqlAnswer<unknown>): string | undefined {
  expect(answer.errors?.length).toBeGreaterThan(0);
  return answer.errors?.[0]?.extensions.code;
}

describe.each(DBS)('on $name', (db) => {
  describe.skipIf(db.skip).each(PROVIDERS)('with %s', (provider) => {
    let h: Harness;
    let client: ReturnType<typeof publishedClient>;
    beforeEach(async () => {
      h = await harness(db.url(), provider);
      client = publishedClient(h);
    });
    afterEach(async () => {
      await h.close();
    });

    /** What the provider moved for a merchant code, every kind (holds, charges, voids). */
    const moved = (code: string) => h.t.sim.ledger({ merchantRef: code });
    const start = (code: string, amount?: bigint) =>
      client.transactions.clientSessions.payments.start({
        merchantTransactionProviderId: h.providerId,
        data: paymentData(code, amount),
      });

    test('payment session (StartV2): pay with the success card, verify SUCCEEDED, one charge', async () => {
      const session = await start('pub-pay-1');
      expect(session).toMatchObject({
        action: 'PAYMENT',
        status: 'PENDING',
        amount: 10000n,
        currency: 'USD',
        merchantInternalTransactionCode: 'pub-pay-1',
        transactionProviderId: h.providerId,
        transactionProvider: { id: h.providerId, provider },
      });
      expect(session.token).toEqual(expect.any(String));
      expect(session.providerLastVerifiedAt).toBeInstanceOf(Date);
      expect(moved('pub-pay-1')).toHaveLength(0);

      expect(await h.pay({ id: session.id }, CARDS.success[provider])).toBe(200);
      const transaction = await client.transactions.clientSessions.payments.verify({
        id: session.id,
      });
      expect(transaction).toMatchObject({
        status: 'SUCCEEDED',
        action: 'PAYMENT',
        amount: 10000n,
        currency: 'USD',
        merchantInternalTransactionCode: 'pub-pay-1',
        transactionProvider: { provider },
      });
      // Verified again: the same transaction, no second charge.
      const again = await client.transactions.clientSessions.payments.verify({
        merchantInternalTransactionCode: 'pub-pay-1',
      });
      expect(again).toMatchObject({ id: transaction.id, status: 'SUCCEEDED' });
      expect(h.charges('pub-pay-1').map((entry) => [entry.kind, entry.amount])).toEqual([
        ['charge', 10000],
      ]);
      const session2 = await client.transactions.clientSessions.getOne({ id: session.id });
      expect(session2.status).toBe('COMPLETED');
    });

    test('a declined card: verify reports the decline, nothing charged', async () => {
      const session = await start('pub-decline-1');
      await h.pay({ id: session.id }, CARDS.genericDecline);
      const transaction = await client.transactions.clientSessions.payments.verify({
        id: session.id,
      });
      expect(transaction.status).toBe('DECLINED');
      expect(transaction.status).not.toBe('SUCCEEDED');
      expect(transaction.succeededAt).toBeNull();
      expect(h.charges('pub-decline-1')).toHaveLength(0);
    });

    test('add a payment method, then charge it from the server: one charge', async () => {
      const add = client.transactions.clientSessions.paymentMethod.add;
      const { amount: _amount, storePaymentMethod: _store, ...data } = paymentData('pub-add-1');
      const session = await add.start({ merchantTransactionProviderId: h.providerId, data });
      expect(session).toMatchObject({ action: 'ADD_PAYMENT_METHOD', status: 'PENDING' });
      await h.pay({ id: session.id }, CARDS.success[provider]);
      const added = await add.verify({ id: session.id });
      expect(added).toMatchObject({ status: 'SUCCEEDED', action: 'ADD_PAYMENT_METHOD' });
      const method = added.paymentMethod;
      expect(method).toMatchObject({
        merchantInternalCustomerCode: CUSTOMER,
        transactionProviderId: h.providerId,
        methodType: PAYMENT_METHOD.CARD,
        paymentMethodInfo: { __typename: 'MerchantCustomerPaymentMethodCreditCardInfo' },
      });
      expect(h.charges('pub-add-1')).toHaveLength(0);
      const id = method?.id as string;

      const charge = () =>
        client.transactions.payments.paymentMethod.charge({
          merchantTransactionProviderId: h.providerId,
          data: {
            merchantCustomerPaymentMethodId: id,
            merchantInternalCustomerCode: CUSTOMER,
            merchantInternalTransactionCode: 'pub-renewal-1',
            amount: 1500n,
            currency: CURRENCY.USD,
            billing: PUBLISHED_BILLING,
          },
        });
      const charged = await charge();
      expect(charged).toMatchObject({
        status: 'SUCCEEDED',
        amount: 1500n,
        merchantInternalCustomerCode: CUSTOMER,
        merchantInternalTransactionCode: 'pub-renewal-1',
        transactionProviderId: h.providerId,
      });
      // The same merchant code again: the same transaction, not a second charge.
      expect((await charge()).id).toBe(charged.id);
      expect(h.charges('pub-renewal-1').map((entry) => [entry.kind, entry.amount])).toEqual([
        ['charge', 1500],
      ]);

      const listed = await client.paymentMethods.getMany({
        merchantInternalCustomerCode: CUSTOMER,
      });
      expect(listed.items.map((item) => item.id)).toEqual([id]);
      expect(
        await client.paymentMethods.getOne({ merchantCustomerPaymentMethodId: id }),
      ).toMatchObject({ id, isEnabled: true });
    });

    test('sessions and transactions listed through the client, by offset and by cursor', async () => {
      const started = [await start('pub-list-1'), await start('pub-list-2')];
      const ids = started.map((session) => session.id).sort();
      const sessions = client.transactions.clientSessions;

      const byOffset = [
        ...(await sessions.getMany({ skip: 0, take: 1 })).items,
        ...(await sessions.getMany({ skip: 1, take: 1 })).items,
      ];
      expect(byOffset.map((session) => session.id).sort()).toEqual(ids);
      const first = await sessions.getMany({ first: 1 });
      expect(first.items).toHaveLength(1);
      const next = await sessions.getMany({ first: 1, after: first.items[0]?.cursor });
      expect([...first.items, ...next.items].map((session) => session.id).sort()).toEqual(ids);
      const filtered = await sessions.getMany({ merchantInternalTransactionCode: 'pub-list-2' });
      expect(filtered.items.map((session) => session.id)).toEqual([started[1]?.id]);

      for (const session of started) {
        await h.pay({ id: session.id }, CARDS.success[provider]);
        await sessions.payments.verify({ id: session.id });
      }
      const transactions = client.transactions;
      const paid = [
        ...(await transactions.getMany({ skip: 0, take: 1 })).items,
        ...(await transactions.getMany({ skip: 1, take: 1 })).items,
      ];
      const codes = paid.map((transaction) => transaction.merchantInternalTransactionCode).sort();
      expect(codes).toEqual(['pub-list-1', 'pub-list-2']);
      const page = await transactions.getMany({ first: 1 });
      const rest = await transactions.getMany({ first: 1, after: page.items[0]?.cursor });
      expect([...page.items, ...rest.items].map((transaction) => transaction.id).sort()).toEqual(
        paid.map((transaction) => transaction.id).sort(),
      );
      const ofSession = await transactions.getMany({ clientTransactionSessionId: started[0]?.id });
      expect(
        ofSession.items.map((transaction) => transaction.merchantInternalTransactionCode),
      ).toEqual(['pub-list-1']);
      expect(
        (await transactions.getOne({ id: paid[0]?.id })).merchantInternalTransactionCode,
      ).toEqual(paid[0]?.merchantInternalTransactionCode);
      for (const code of ['pub-list-1', 'pub-list-2']) expect(h.charges(code)).toHaveLength(1);
    });

    test('base config of the provider', async () => {
      const config = await client.transactions.clientSessions.getBaseConfig({
        merchantTransactionProviderId: h.providerId,
      });
      expect(config.provider).toBe(provider);
      if (provider === 'NUVEI') {
        expect(config.data).toMatchObject({
          __typename: 'MerchantClientTransactionSessionNuveiBaseConfig',
          provider: 'NUVEI',
          merchantId: expect.any(String),
          merchantSiteId: expect.any(String),
        });
        // The client's TRANSACTION_PROVIDER enum knows only NUVEI: by enum, for Nuvei only.
        const byEnum = await client.transactions.clientSessions.getBaseConfig({
          transactionProvider: TRANSACTION_PROVIDER.NUVEI,
        });
        expect(byEnum).toEqual(config);
      } else {
        expect(config.data).toMatchObject({
          __typename: 'MerchantClientTransactionSessionGenericBaseConfig',
          provider: 'STRIPE',
          publicKey: expect.stringMatching(/^pk_test_/),
        });
      }
    });

    test('the merchant and its provider records', async () => {
      const merchant = await client.merchants.getCurrent({});
      expect(merchant).toMatchObject({
        id: h.t.merchant.merchantId,
        publicId: h.t.merchant.merchantPublicId,
        name: h.t.merchant.name,
        status: 'ACTIVE',
      });
      expect(merchant.createdAt).toBeInstanceOf(Date);

      const providers = await client.transactionProviders.getMany({});
      const records = providers.items.map((record) => [record.provider, record.id]).sort();
      expect(records).toEqual(Object.entries(h.t.merchant.merchantTransactionProviderIds).sort());
      expect(
        await client.transactionProviders.getOne({ merchantTransactionProviderId: h.providerId }),
      ).toMatchObject({ id: h.providerId, provider, merchantId: merchant.id, status: 'ENABLED' });
    });

    test('a wrong secret: the client fails with its auth error, nothing starts', async () => {
      const onAuthError = vi.fn();
      const wrong = publishedClient(h, {
        apiSecret: 'sk_test_0000000000000000000000000000000000000a',
        onAuthError,
      });
      const unauthenticated = {
        graphQLErrors: [
          expect.objectContaining({
            extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }),
          }),
        ],
      };
      await expect(wrong.merchants.getCurrent({})).rejects.toMatchObject(unauthenticated);
      expect(onAuthError).toHaveBeenCalledTimes(1);
      const start = wrong.transactions.clientSessions.payments.start({
        merchantTransactionProviderId: h.providerId,
        data: paymentData('pub-wrong-1'),
      });
      await expect(start).rejects.toMatchObject(unauthenticated);
      expect(onAuthError).toHaveBeenCalledTimes(2);
      expect(
        (
          await client.transactions.clientSessions.getMany({
            merchantInternalTransactionCode: 'pub-wrong-1',
          })
        ).items,
      ).toEqual([]);
      expect(moved('pub-wrong-1')).toHaveLength(0);
    });

    // Found with the published client (its fragments select these): once answered null.
    describe('what the client selects is recorded', () => {
      test('a stored-method charge names the method it charged', async () => {
        const add = client.transactions.clientSessions.paymentMethod.add;
        const { amount: _amount, storePaymentMethod: _store, ...data } = paymentData('pub-add-2');
        const session = await add.start({ merchantTransactionProviderId: h.providerId, data });
        await h.pay({ id: session.id }, CARDS.success[provider]);
        const id = (await add.verify({ id: session.id })).paymentMethod?.id as string;
        const charged = await client.transactions.payments.paymentMethod.charge({
          merchantTransactionProviderId: h.providerId,
          data: {
            merchantCustomerPaymentMethodId: id,
            merchantInternalCustomerCode: CUSTOMER,
            merchantInternalTransactionCode: 'pub-renewal-2',
            amount: 1500n,
            currency: CURRENCY.USD,
            billing: PUBLISHED_BILLING,
          },
        });
        expect(h.charges('pub-renewal-2')).toHaveLength(1);
        expect(charged).toMatchObject({
          paymentMethodId: id,
          paymentMethodType: PAYMENT_METHOD.CARD,
          paymentMethod: { id },
        });
      });

      test('the session and its transaction keep the billing contact sent at start', async () => {
        const session = await start('pub-billing-1');
        await h.pay({ id: session.id }, CARDS.success[provider]);
        const transaction = await client.transactions.clientSessions.payments.verify({
          id: session.id,
        });
        expect(h.charges('pub-billing-1')).toHaveLength(1);
        const billing = {
          billingFirstName: PUBLISHED_BILLING.billingFirstName,
          billingEmail: PUBLISHED_BILLING.billingEmail,
          billingAddressCountry: PUBLISHED_BILLING.billingAddressCountry,
        };
        expect(session).toMatchObject(billing);
        expect(transaction).toMatchObject(billing);
      });
    });

    describe("refunds (the client's refundOne: merchantApiTransactionRefund)", () => {
      /** A payment paid with the success card and verified through the client. */
      async function paidPayment(code: string, amount = 10000n) {
        const session = await start(code, amount);
        await h.pay({ id: session.id }, CARDS.success[provider]);
        const payment = await client.transactions.clientSessions.payments.verify({
          id: session.id,
        });
        expect(payment).toMatchObject({ status: 'SUCCEEDED', action: 'PAYMENT' });
        await h.t.sim.flush();
        return payment;
      }
      /** What the provider gave back for a merchant code, entry by entry. */
      const refunds = (code: string) => h.t.sim.ledger({ merchantRef: code, kind: 'refund' });
      /** The ledger's refunds, each naming the payment's charge, add up to the router's total. */
      async function expectLedgerAgrees(code: string, paymentId: string, amounts: number[]) {
        const entries = refunds(code);
        expect(entries.map((entry) => entry.amount)).toEqual(amounts);
        const [charge, ...others] = h.charges(code);
        expect(others).toHaveLength(0);
        for (const entry of entries) expect(entry.relatedRef).toBe(charge?.providerRef);
        const total = entries.reduce((sum, entry) => sum + BigInt(entry.amount), 0n);
        const payment = await client.transactions.getOne({ id: paymentId });
        expect(payment.refundedAmount ?? 0n).toBe(total);
      }

      test('a full refund: the REFUND transaction, the payment refunded, one refund in the ledger', async () => {
        const payment = await paidPayment('pub-refund-1');
        const refunded = await client.transactions.refundOne({ id: payment.id, amount: 10000n });
        expect(refunded).toMatchObject({
          action: 'REFUND',
          status: 'SUCCEEDED',
          amount: 10000n,
          currency: 'USD',
          merchantInternalTransactionCode: 'pub-refund-1',
          relatedTransactionId: payment.id,
          transactionProviderId: h.providerId,
        });
        expect(refunded.id).not.toBe(payment.id);
        expect(refunded.providerCode).toBe(refunds('pub-refund-1')[0]?.providerRef);
        const after = await client.transactions.getOne({ id: payment.id });
        expect(after).toMatchObject({ status: 'SUCCEEDED', refundedAmount: 10000n });
        expect(after.refundedAt).toBeInstanceOf(Date);
        await expectLedgerAgrees('pub-refund-1', payment.id, [10000]);
        // Nothing remains: refused, nothing moves.
        await expect(
          client.transactions.refundOne({ id: payment.id, amount: 1n }),
        ).rejects.toMatchObject({
          graphQLErrors: [
            expect.objectContaining({
              extensions: expect.objectContaining({ code: 'CONFLICT', accrupayCode: 'CONFLICT' }),
            }),
          ],
        });
        await expectLedgerAgrees('pub-refund-1', payment.id, [10000]);
      });

      test('partial refunds, by id and by the merchant code, add up in the ledger', async () => {
        const payment = await paidPayment('pub-refund-2');
        const first = await client.transactions.refundOne({ id: payment.id, amount: 2500n });
        expect(first).toMatchObject({ status: 'SUCCEEDED', amount: 2500n });
        expect((await client.transactions.getOne({ id: payment.id })).refundedAmount).toBe(2500n);
        // By the merchant's code: the payment it names, not the refund that shares the code.
        const second = await client.transactions.refundOne({
          merchantInternalTransactionCode: 'pub-refund-2',
          amount: 4000n,
        });
        expect(second).toMatchObject({
          status: 'SUCCEEDED',
          amount: 4000n,
          relatedTransactionId: payment.id,
        });
        expect(second.id).not.toBe(first.id);
        await expectLedgerAgrees('pub-refund-2', payment.id, [2500, 4000]);
        const listed = await client.transactions.getMany({
          merchantInternalTransactionCode: 'pub-refund-2',
          action: TRANSACTION_ACTION.REFUND,
        });
        expect(listed.items.map((item) => item.id).sort()).toEqual([first.id, second.id].sort());
      });

      test('an over-refund: a GraphQL error, BAD_USER_INPUT / AMOUNT_EXCEEDS_REFUNDABLE with the amounts', async () => {
        const payment = await paidPayment('pub-refund-3');
        await client.transactions.refundOne({ id: payment.id, amount: 3000n });
        const over = client.transactions.refundOne({ id: payment.id, amount: 7001n });
        // The client throws Apollo's error: the sandbox's GraphQL error inside, as it was sent.
        await expect(over).rejects.toMatchObject({
          graphQLErrors: [
            expect.objectContaining({
              message: expect.stringContaining('7000 remains'),
              path: ['merchantApiTransactionRefund'],
              extensions: expect.objectContaining({
                code: 'BAD_USER_INPUT',
                accrupayCode: 'AMOUNT_EXCEEDS_REFUNDABLE',
                requestId: expect.any(String),
                details: {
                  captured: '10000',
                  refunded: '3000',
                  remaining: '7000',
                  requested: '7001',
                },
              }),
            }),
          ],
        });
        await expectLedgerAgrees('pub-refund-3', payment.id, [3000]);
        // What remains, exactly, is still refundable.
        expect(
          await client.transactions.refundOne({ id: payment.id, amount: 7000n }),
        ).toMatchObject({ status: 'SUCCEEDED', amount: 7000n });
        await expectLedgerAgrees('pub-refund-3', payment.id, [3000, 7000]);
      });
    });

    describe('authorizations (not in the 0.15.1 client: plain GraphQL over fetch)', () => {
      /** An authorization started, paid with the success card and verified: the hold, no charge. */
      async function authorized(code: string, amount: bigint): Promise<Transaction> {
        const started = dataOf(
          await postGraphql<{
            merchantApiClientTransactionAuthorizationSessionStart: { id: string; token: string };
          }>(h, {
            query: AUTHORIZATION_START,
            variables: {
              merchantTransactionProviderId: h.providerId,
              data: { ...paymentData(code, amount), billing: PUBLISHED_BILLING },
            },
          }),
        ).merchantApiClientTransactionAuthorizationSessionStart;
        expect(started).toMatchObject({ status: 'PENDING', action: 'AUTHORIZATION' });
        await h.pay(started, CARDS.success[provider]);
        const verified = dataOf(
          await postGraphql<{
            merchantApiClientTransactionAuthorizationSessionVerify: Transaction;
          }>(h, { query: AUTHORIZATION_VERIFY, variables: { id: started.id } }),
        ).merchantApiClientTransactionAuthorizationSessionVerify;
        expect(verified).toMatchObject({ status: 'SUCCEEDED', action: 'AUTHORIZATION' });
        expect(h.charges(code)).toHaveLength(0);
        return verified;
      }
      const settle = (id: string, amount?: bigint) =>
        postGraphql<{ merchantApiTransactionAuthorizationSettle: Transaction }>(h, {
          query: AUTHORIZATION_SETTLE,
          variables: { id, ...(amount === undefined ? {} : { amount }) },
        });
      const voidIt = (id: string) =>
        postGraphql<{ merchantApiTransactionAuthorizationVoid: Transaction }>(h, {
          query: AUTHORIZATION_VOID,
          variables: { id },
        });

      test('settle captures once; a second settle is refused with CONFLICT', async () => {
        const authorization = await authorized('pub-auth-1', 25000n);
        const settled = dataOf(
          await settle(authorization.id),
        ).merchantApiTransactionAuthorizationSettle;
        expect(settled).toMatchObject({
          status: 'SUCCEEDED',
          action: 'SETTLE',
          amount: 25000,
          relatedTransactionId: authorization.id,
        });
        expect(errorCode(await settle(authorization.id))).toBe('CONFLICT');
        expect(errorCode(await voidIt(authorization.id))).toBe('CONFLICT');
        expect(h.charges('pub-auth-1').map((entry) => [entry.kind, entry.amount])).toEqual([
          ['capture', 25000],
        ]);
      });

      test('void releases the hold; a settle after it is refused with CONFLICT, nothing captured', async () => {
        const authorization = await authorized('pub-auth-2', 5000n);
        expect(
          dataOf(await voidIt(authorization.id)).merchantApiTransactionAuthorizationVoid,
        ).toMatchObject({
          status: 'SUCCEEDED',
          action: 'VOID',
        });
        expect(errorCode(await settle(authorization.id))).toBe('CONFLICT');
        expect(moved('pub-auth-2').filter((entry) => entry.kind === 'void')).toHaveLength(1);
        expect(h.charges('pub-auth-2')).toHaveLength(0);
      });

      test("the client's own voidOne (merchantApiTransactionVoid) voids an authorization once", async () => {
        const authorization = await authorized('pub-auth-3', 7000n);
        const voided = await client.transactions.voidOne({ id: authorization.id });
        expect(voided).toMatchObject({ action: 'VOID', status: 'SUCCEEDED' });
        await expect(client.transactions.voidOne({ id: authorization.id })).rejects.toMatchObject({
          graphQLErrors: [
            expect.objectContaining({ extensions: expect.objectContaining({ code: 'CONFLICT' }) }),
          ],
        });
        expect(moved('pub-auth-3').filter((entry) => entry.kind === 'void')).toHaveLength(1);
        expect(h.charges('pub-auth-3')).toHaveLength(0);
      });
    });
  });
});
