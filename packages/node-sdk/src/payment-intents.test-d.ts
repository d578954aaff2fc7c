import { describe, expectTypeOf, test } from 'vitest';
import type AccruPay from './index.ts';
import type {
  AccruPayErrorCode,
  AccruPayPaymentError,
  JsonApiError,
  Payment,
  PaymentEvent,
  PaymentIntent,
  PaymentIntentEvent,
  PaymentStatus,
  VirtualDebitCard,
  WebhookEvent,
} from './index.ts';

declare const accrupay: AccruPay;

describe('paymentIntents', () => {
  test('authorize takes a bigint amount, a currency and a capture method, and answers a Payment', () => {
    expectTypeOf(
      accrupay.paymentIntents.authorize('pi_def456uvw123', {
        amount: 10000n,
        currency: 'USD',
        captureMethod: 'automatic',
        description: 'Order #12345',
      }),
    ).resolves.toEqualTypeOf<Payment>();
    expectTypeOf(accrupay.paymentIntents.authorize).toBeCallableWith(
      'pi_def456uvw123',
      { amount: 1n, currency: 'USD' },
      { idempotencyKey: 'order-12345' },
    );
    // @ts-expect-error a number amount
    void accrupay.paymentIntents.authorize('pi_x', { amount: 10000, currency: 'USD' });
    void accrupay.paymentIntents.authorize('pi_x', {
      amount: 1n,
      currency: 'USD',
      // @ts-expect-error snake_case is the wire's; the SDK takes captureMethod
      capture_method: 'manual',
    });
    void accrupay.paymentIntents.authorize('pi_x', {
      amount: 1n,
      currency: 'USD',
      // @ts-expect-error not a capture method
      captureMethod: 'later',
    });
    // @ts-expect-error the currency is required
    void accrupay.paymentIntents.authorize('pi_x', { amount: 1n });
  });

  test('get answers a Payment Intent', () => {
    expectTypeOf(accrupay.paymentIntents.get('pi_x')).resolves.toEqualTypeOf<PaymentIntent>();
    expectTypeOf<PaymentIntent['attributes']['amount']>().toEqualTypeOf<bigint>();
  });
});

describe('payments', () => {
  test('capture takes an optional bigint amount', () => {
    expectTypeOf(accrupay.payments.capture('pay_x')).resolves.toEqualTypeOf<Payment>();
    expectTypeOf(accrupay.payments.capture).toBeCallableWith('pay_x', { amount: 500n });
    expectTypeOf(accrupay.payments.capture).toBeCallableWith('pay_x', {}, { idempotencyKey: 'k' });
    // @ts-expect-error a string amount
    void accrupay.payments.capture('pay_x', { amount: '500' });
  });

  test('cancel, get and card', () => {
    expectTypeOf(accrupay.payments.cancel('pay_x')).resolves.toEqualTypeOf<Payment>();
    expectTypeOf(accrupay.payments.get('pay_x')).resolves.toEqualTypeOf<Payment>();
    expectTypeOf(accrupay.payments.card('pay_x')).resolves.toEqualTypeOf<VirtualDebitCard>();
    expectTypeOf(accrupay.payments.card).toBeCallableWith('pay_x', {
      clientId: 'cli_x',
      clientSecret: 'cs_x',
    });
    // @ts-expect-error the pair goes together
    void accrupay.payments.card('pay_x', { clientId: 'cli_x' });
    expectTypeOf<VirtualDebitCard['attributes']['number']>().toEqualTypeOf<string>();
  });

  test('a Payment has bigint amounts and the contract statuses', () => {
    expectTypeOf<Payment['attributes']['amount']>().toEqualTypeOf<bigint>();
    expectTypeOf<Payment['attributes']['amount_captured']>().toEqualTypeOf<bigint>();
    expectTypeOf<Payment['attributes']['status']>().toEqualTypeOf<PaymentStatus>();
    const check = (payment: Payment) =>
      // @ts-expect-error SUCCEEDED is a transaction status; a Payment's are lower case
      payment.attributes.status === 'SUCCEEDED' || payment.attributes.status === 'settled';
    expectTypeOf(check).returns.toEqualTypeOf<boolean>();
  });

  test('the constructor takes the card API pair', () => {
    expectTypeOf<ConstructorParameters<typeof AccruPay>[0]>().toExtend<{
      clientId?: string | undefined;
      clientSecret?: string | undefined;
    }>();
  });
});

describe('errors and events', () => {
  test("document 004's codes are error codes; the errors array is kept", () => {
    expectTypeOf<'insufficient_funds'>().toExtend<AccruPayErrorCode>();
    expectTypeOf<AccruPayPaymentError['errors']>().toEqualTypeOf<JsonApiError[]>();
  });

  test('payment events narrow on type to the JSON:API resources', () => {
    const handle = (event: WebhookEvent) => {
      if (event.type === 'payment.succeeded' || event.type === 'payment.settled') {
        expectTypeOf(event).toEqualTypeOf<PaymentEvent>();
        expectTypeOf(event.data.object).toEqualTypeOf<Payment>();
        return event.data.object.relationships.payment_intent.data.id;
      }
      if (event.type === 'payment_intent.created') {
        expectTypeOf(event).toEqualTypeOf<PaymentIntentEvent>();
        expectTypeOf(event.data.object).toEqualTypeOf<PaymentIntent>();
        // @ts-expect-error an intent is not a payment: it has no amount_captured
        void event.data.object.attributes.amount_captured;
        return event.data.object.id;
      }
      // @ts-expect-error not an event type
      if (event.type === 'payment.paid') return null;
      return null;
    };
    expectTypeOf(handle).returns.toEqualTypeOf<string | null>();
  });
});
