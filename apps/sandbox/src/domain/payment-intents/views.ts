import type { PaymentIntentResource, PaymentResourceWire } from '@accrupay/contracts';
import type { AccrueIntent, AccruePayment } from '../../providers/accrue/index.ts';
import type {
  PaymentIntentPatch,
  PaymentIntentRow,
  PaymentPatch,
  PaymentRow,
} from '../../store/payment-intents.ts';

/** A stored amount on document 004's wire: a JSON number of minor units while it is safe. */
function wireAmount(amount: string): number | string {
  const value = Number(amount);
  return Number.isSafeInteger(value) ? value : amount;
}

/** A Payment row as document 004's JSON:API resource. */
export function paymentResource(row: PaymentRow): PaymentResourceWire {
  return {
    id: row.id,
    type: 'payments',
    attributes: {
      amount: wireAmount(row.amount),
      amount_captured: wireAmount(row.amount_captured),
      currency: row.currency as PaymentResourceWire['attributes']['currency'],
      status: row.status,
      capture_method: row.capture_method,
      payment_method: row.payment_method,
      description: row.description,
      failure_code: row.failure_code,
      failure_message: row.failure_message,
      created_at: row.created_at,
      authorized_at: row.authorized_at,
      captured_at: row.captured_at,
      succeeded_at: row.succeeded_at,
      settled_at: row.settled_at,
      canceled_at: row.canceled_at,
      failed_at: row.failed_at,
    },
    relationships: {
      payment_intent: { data: { id: row.payment_intent_id, type: 'payment_intents' } },
    },
  };
}

type IntentWire = Omit<PaymentIntentResource, 'attributes'> & {
  attributes: Omit<PaymentIntentResource['attributes'], 'amount'> & { amount: number | string };
};

/** A Payment Intent row as document 004's JSON:API resource. */
export function paymentIntentResource(row: PaymentIntentRow): IntentWire {
  return {
    id: row.id,
    type: 'payment_intents',
    attributes: {
      amount: wireAmount(row.amount),
      currency: row.currency as IntentWire['attributes']['currency'],
      status: row.status,
      payment_method: row.payment_method,
      created_at: row.created_at,
      expires_at: row.expires_at,
    },
    relationships: {
      payment: { data: row.payment_id ? { id: row.payment_id, type: 'payments' } : null },
    },
  };
}

/** What Accrue says of a payment, as the columns a compare-and-set writes (status aside). */
export function paymentFields(p: AccruePayment, now: string): Omit<PaymentPatch, 'status'> {
  const a = p.attributes;
  return {
    amount: a.amount,
    amount_captured: a.amount_captured,
    currency: a.currency.toUpperCase(),
    capture_method: a.capture_method,
    payment_method: a.payment_method,
    description: a.description,
    failure_code: a.failure_code,
    failure_message: a.failure_message,
    authorized_at: a.authorized_at,
    captured_at: a.captured_at,
    succeeded_at: a.succeeded_at,
    settled_at: a.settled_at,
    canceled_at: a.canceled_at,
    failed_at: a.failed_at,
    updated_at: now,
  };
}

/** What Accrue says of an intent, as the columns a compare-and-set writes (status aside). */
export function intentFields(i: AccrueIntent, now: string): Omit<PaymentIntentPatch, 'status'> {
  return {
    payment_id: i.relationships?.payment?.data?.id ?? null,
    expires_at: i.attributes.expires_at,
    updated_at: now,
  };
}
