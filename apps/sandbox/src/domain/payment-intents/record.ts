import {
  CAPTURE_METHOD,
  PAYMENT_EVENT_TYPE,
  PAYMENT_INTENT_EVENT_TYPE,
  type PaymentStatus,
  paymentSourcesFor,
} from '@accrupay/contracts';
import type { AccrueIntent, AccruePayment } from '../../providers/accrue/index.ts';
import type { PaymentIntentRow, PaymentRow } from '../../store/payment-intents.ts';
import { nowIso } from '../context.ts';
import type { AccrueAccount } from './accounts.ts';
import type { PaymentIntentsContext } from './context.ts';
import { fromRefusal, providerDown } from './errors.ts';
import { intentFields, paymentFields, paymentIntentResource, paymentResource } from './views.ts';

const renderPayment = (row: PaymentRow) => paymentResource(row) as Record<string, unknown>;
const renderIntent = (row: PaymentIntentRow) =>
  paymentIntentResource(row) as Record<string, unknown>;

/** Records what Accrue says of an intent: inserted when first seen (payment_intent.created), then moved by compare-and-set. */
export async function recordIntent(
  p: PaymentIntentsContext,
  merchantId: string,
  intent: AccrueIntent,
): Promise<PaymentIntentRow> {
  const now = nowIso(p.ctx);
  const fields = intentFields(intent, now);
  const a = intent.attributes;
  await p.store.insertPaymentIntent(
    {
      id: intent.id,
      merchant_id: merchantId,
      amount: a.amount,
      currency: a.currency.toUpperCase(),
      status: 'created',
      payment_method: a.payment_method,
      payment_id: null,
      created_at: a.created_at,
      expires_at: fields.expires_at ?? null,
      updated_at: now,
    },
    { type: PAYMENT_INTENT_EVENT_TYPE.created, render: renderIntent },
  );
  if (a.status !== 'created') {
    await p.store.updatePaymentIntentIf(
      intent.id,
      ['created'],
      { ...fields, status: a.status },
      { type: PAYMENT_INTENT_EVENT_TYPE[a.status], render: renderIntent },
    );
  } else {
    await p.store.updatePaymentIntentIf(intent.id, ['created'], fields, {
      type: null,
      render: renderIntent,
    });
  }
  const row = await p.store.findPaymentIntent(merchantId, intent.id);
  if (!row) throw new Error(`payment intent ${intent.id} was not recorded`);
  return row;
}

const FORWARD: readonly PaymentStatus[] = ['captured', 'processing', 'succeeded', 'settled'];

/**
 * The statuses a payment went through from `from` to Accrue's `to`, as its timestamps show: a
 * notification dropped or a lookup made late still sends each event once, in order.
 */
function steps(from: PaymentStatus, p: AccruePayment): PaymentStatus[] {
  const to = p.attributes.status;
  if (from === to) return [];
  const a = p.attributes;
  const seen: Partial<Record<PaymentStatus, boolean>> = {
    captured: a.captured_at !== null,
    succeeded: a.succeeded_at !== null,
    settled: a.settled_at !== null,
  };
  const start = FORWARD.indexOf(from);
  const end = FORWARD.indexOf(to);
  const between = FORWARD.filter(
    (status, index) => index > start && (end === -1 || index < end) && seen[status] === true,
  );
  return [...between, to];
}

/**
 * Records what Accrue says of a payment: inserted when first seen (payment.authorized), then
 * moved along its statuses, each move a compare-and-set with its event in one database
 * transaction. Two recorders at once send each event once. The row as it stands after.
 */
export async function recordPayment(
  p: PaymentIntentsContext,
  merchantId: string,
  payment: AccruePayment,
): Promise<PaymentRow> {
  const now = nowIso(p.ctx);
  const fields = paymentFields(payment, now);
  const initial: PaymentStatus =
    payment.attributes.capture_method === CAPTURE_METHOD.manual ? 'requires_capture' : 'authorized';
  await p.store.insertPayment(
    {
      id: payment.id,
      merchant_id: merchantId,
      payment_intent_id: payment.relationships.payment_intent.data.id,
      amount: payment.attributes.amount,
      amount_captured: '0',
      currency: fields.currency ?? payment.attributes.currency,
      status: initial,
      capture_method: payment.attributes.capture_method,
      payment_method: payment.attributes.payment_method,
      description: fields.description ?? null,
      failure_code: null,
      failure_message: null,
      authorized_at: payment.attributes.authorized_at ?? payment.attributes.created_at,
      captured_at: null,
      succeeded_at: null,
      settled_at: null,
      canceled_at: null,
      failed_at: null,
      created_at: payment.attributes.created_at,
      updated_at: now,
    },
    { type: PAYMENT_EVENT_TYPE[initial], render: renderPayment },
  );
  let row = await p.store.findPayment(merchantId, payment.id);
  if (!row) throw new Error(`payment ${payment.id} was not recorded`);
  for (const status of steps(row.status, payment)) {
    const moved = await p.store.updatePaymentIf(
      payment.id,
      paymentSourcesFor(status),
      { ...fields, status },
      { type: PAYMENT_EVENT_TYPE[status], render: renderPayment },
    );
    if (moved) row = moved;
  }
  if (row.status === payment.attributes.status) {
    // The same status: what else Accrue says (amount captured, times) without an event.
    row =
      (await p.store.updatePaymentIf(payment.id, [row.status], fields, {
        type: null,
        render: renderPayment,
      })) ?? row;
  }
  return (await p.store.findPayment(merchantId, payment.id)) ?? row;
}

/** Asks Accrue for a payment and records it (its intent first, when the router has not seen it). */
export async function refreshPayment(
  p: PaymentIntentsContext,
  account: AccrueAccount,
  paymentId: string,
): Promise<PaymentRow> {
  const { api } = account.accrue;
  const answer = await api.getPayment(account.credentials, paymentId).catch((error: unknown) => {
    throw providerDown(error, `look up payment ${paymentId}`, false);
  });
  if (!answer.ok) throw fromRefusal(answer, `Payment ${paymentId}`);
  const merchantId = account.row.merchant_id;
  const intentId = answer.value.relationships.payment_intent.data.id;
  if (!(await p.store.findPaymentIntent(merchantId, intentId))) {
    const intent = await api.getIntent(account.credentials, intentId).catch((error: unknown) => {
      throw providerDown(error, `look up payment intent ${intentId}`, false);
    });
    if (!intent.ok) throw fromRefusal(intent, `Payment intent ${intentId}`);
    await recordIntent(p, merchantId, intent.value);
  }
  return recordPayment(p, merchantId, answer.value);
}
