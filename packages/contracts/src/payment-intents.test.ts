import { describe, expect, it } from 'vitest';
import { describeIssues } from './fields.ts';
import {
  authorizePaymentIntentSchema,
  CAPTURABLE_PAYMENT_STATUSES,
  cancelPaymentSchema,
  canTransitionPayment,
  capturePaymentSchema,
  jsonApiErrorDocumentSchema,
  PAYMENT_INTENT_ERROR_STATUS,
  PAYMENT_STATUS,
  PAYMENT_TRANSITIONS,
  type PaymentStatus,
  paymentDocumentSchema,
  paymentSourcesFor,
  TERMINAL_PAYMENT_STATUSES,
} from './payment-intents.ts';
import { PAYMENT_EVENT_TYPE, webhookEventSchema } from './webhooks.ts';

const STATUSES = Object.values(PAYMENT_STATUS);

describe('the payment state machine', () => {
  it('computes the compare-and-set sources of every status from the table', () => {
    for (const to of STATUSES) {
      const sources = paymentSourcesFor(to);
      for (const from of STATUSES) {
        expect(sources.includes(from)).toBe(
          (PAYMENT_TRANSITIONS[from] as readonly PaymentStatus[]).includes(to),
        );
      }
    }
    expect(paymentSourcesFor('captured').sort()).toEqual(['authorized', 'requires_capture']);
    expect(paymentSourcesFor('authorized')).toEqual([]);
  });

  it('never leaves settled, canceled or failed, and never moves backwards', () => {
    expect(TERMINAL_PAYMENT_STATUSES.sort()).toEqual(['canceled', 'failed', 'settled']);
    expect(canTransitionPayment('captured', 'requires_capture')).toBe(false);
    expect(canTransitionPayment('succeeded', 'processing')).toBe(false);
    expect(canTransitionPayment('settled', 'failed')).toBe(false);
    // A bank transfer returned after it succeeded, before settlement.
    expect(canTransitionPayment('succeeded', 'failed')).toBe(true);
  });

  it('captures and cancels only what is authorized and not captured', () => {
    for (const status of CAPTURABLE_PAYMENT_STATUSES) {
      expect(canTransitionPayment(status, 'captured')).toBe(true);
      expect(canTransitionPayment(status, 'canceled')).toBe(true);
    }
    for (const status of STATUSES.filter(
      (s) => !CAPTURABLE_PAYMENT_STATUSES.includes(s as never),
    )) {
      expect(canTransitionPayment(status, 'canceled')).toBe(false);
    }
  });
});

describe("document 004's bodies", () => {
  it("parses the document's authorize request, amounts to bigint, automatic capture by default", () => {
    const body = authorizePaymentIntentSchema.parse({
      data: {
        type: 'payment_authorizations',
        attributes: { amount: 10000, currency: 'USD', description: 'Order #12345' },
      },
    });
    expect(body.data.attributes).toEqual({
      amount: 10000n,
      currency: 'USD',
      capture_method: 'automatic',
      description: 'Order #12345',
    });
    expect(
      authorizePaymentIntentSchema.parse({
        data: { type: 'payment_authorizations', attributes: { amount: '10000', currency: 'USD' } },
      }).data.attributes.amount,
    ).toBe(10000n);
  });

  it('refuses a wrong body with messages that name the field and the fix', () => {
    const refused = (input: unknown) => {
      const result = authorizePaymentIntentSchema.safeParse(input);
      if (result.success) throw new Error('accepted');
      return describeIssues(result.error);
    };
    expect(
      refused({
        data: { type: 'payment_authorizations', attributes: { amount: 0, currency: 'USD' } },
      }),
    ).toMatch(/data\.attributes\.amount: must be at least 1/);
    expect(
      refused({
        data: {
          type: 'payment_authorizations',
          attributes: { amount: 1, currency: 'USD', captureMethod: 'manual' },
        },
      }),
    ).toMatch(/'captureMethod': write capture_method/);
    expect(
      refused({ data: { type: 'payments', attributes: { amount: 1, currency: 'USD' } } }),
    ).toMatch(/data\.type: must be "payment_authorizations"/);
    expect(
      refused({
        data: {
          type: 'payment_authorizations',
          attributes: { amount: 1, currency: 'USD', capture_method: 'later' },
        },
      }),
    ).toMatch(/capture_method: must be a capture method: automatic, manual/);
    expect(
      refused({ data: { type: 'payment_authorizations', attributes: { amount: 1.5 } } }),
    ).toMatch(/amount: must be a whole number/);
  });

  it('takes a capture without an amount (the whole authorization) and a cancel without a body', () => {
    expect(
      capturePaymentSchema.parse({ data: { type: 'payment_captures' } }).data.attributes,
    ).toEqual({});
    expect(
      capturePaymentSchema.parse({
        data: { type: 'payment_captures', attributes: { amount: 500 } },
      }).data.attributes.amount,
    ).toBe(500n);
    expect(cancelPaymentSchema.parse({})).toEqual({});
    expect(cancelPaymentSchema.safeParse({ data: { type: 'payment_captures' } }).success).toBe(
      false,
    );
  });

  it("parses the document's example payment and error", () => {
    const payment = paymentDocumentSchema.parse({
      data: {
        id: 'pay_abc123xyz789',
        type: 'payments',
        attributes: {
          amount: 10000,
          amount_captured: 0,
          currency: 'USD',
          status: 'authorized',
          capture_method: 'automatic',
          payment_method: 'wallet',
          description: 'Order #12345',
          failure_code: null,
          failure_message: null,
          created_at: '2025-05-12T14:22:33Z',
          authorized_at: '2025-05-12T14:22:33Z',
          captured_at: null,
          succeeded_at: null,
          settled_at: null,
          canceled_at: null,
          failed_at: null,
        },
        relationships: {
          payment_intent: { data: { id: 'pi_def456uvw123', type: 'payment_intents' } },
        },
      },
    });
    expect(payment.data.attributes.amount).toBe(10000n);
    expect(
      jsonApiErrorDocumentSchema.parse({
        errors: [
          {
            status: '422',
            code: 'insufficient_funds',
            title: 'Insufficient Funds',
            detail: "The customer's account has insufficient funds to complete this payment",
          },
        ],
      }).errors[0]?.code,
    ).toBe('insufficient_funds');
    expect(PAYMENT_INTENT_ERROR_STATUS.insufficient_funds).toBe(422);
    expect(jsonApiErrorDocumentSchema.safeParse({ errors: [] }).success).toBe(false);
  });

  it('types a payment event by its type, with the payment resource as its object', () => {
    expect(PAYMENT_EVENT_TYPE.requires_capture).toBe('payment.authorized');
    const event = webhookEventSchema.parse({
      id: 'evt_1',
      type: 'payment.succeeded',
      createdAt: '2026-01-01T00:00:00Z',
      data: {
        object: {
          id: 'pay_abc123xyz789',
          type: 'payments',
          attributes: {
            amount: '10000',
            amount_captured: '10000',
            currency: 'USD',
            status: 'succeeded',
            capture_method: 'manual',
            payment_method: 'bank',
            description: null,
            failure_code: null,
            failure_message: null,
            created_at: '2026-01-01T00:00:00Z',
            authorized_at: null,
            captured_at: null,
            succeeded_at: '2026-01-01T00:00:00Z',
            settled_at: null,
            canceled_at: null,
            failed_at: null,
          },
          relationships: { payment_intent: { data: { id: 'pi_1', type: 'payment_intents' } } },
        },
      },
    });
    if (event.type !== 'payment.succeeded') throw new Error(event.type);
    expect(event.data.object.attributes.amount_captured).toBe(10000n);
  });
});
