import {
  CAPTURABLE_PAYMENT_STATUSES,
  type PaymentStatus,
  type VirtualDebitCard,
} from '@accrupay/contracts';
import {
  ACCRUE_SIGNATURE_HEADER,
  accrueNotificationSchema,
  verifyAccrueSignature,
} from '../../providers/accrue/index.ts';
import type { PaymentRow } from '../../store/payment-intents.ts';
import type { MerchantRow } from '../../store/store.ts';
import { canonicalJson, sha256Hex } from '../ids.ts';
import { type AccrueAccount, accrueAccountOf, authenticateClient } from './accounts.ts';
import type { PaymentIntentsContext } from './context.ts';
import { fromRefusal, notFound, PaymentIntentError, providerDown } from './errors.ts';
import { recordIntent, recordPayment, refreshPayment } from './record.ts';
import { paymentIntentResource, paymentResource } from './views.ts';

/** Amounts go to Accrue as JSON numbers: refused above what a JSON number holds exactly. */
function jsonAmount(amount: bigint, pointer: string): number {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new PaymentIntentError(
      'invalid_request',
      `The amount must be at most ${Number.MAX_SAFE_INTEGER} minor units.`,
      { source: { pointer } },
    );
  }
  return Number(amount);
}

/** An intent at Accrue, only if it is this merchant's (its merchant_public_id); else 404. */
async function merchantIntent(
  p: PaymentIntentsContext,
  merchant: MerchantRow,
  account: AccrueAccount,
  id: string,
) {
  const answer = await account.accrue.api.getIntent(account.credentials, id).catch((error) => {
    throw providerDown(error, `look up payment intent ${id}`, false);
  });
  if (!answer.ok) throw fromRefusal(answer, `Payment intent ${id}`);
  if (answer.value.attributes.merchant_public_id !== merchant.public_id) {
    throw notFound(`Payment intent ${id}`);
  }
  return recordIntent(p, merchant.id, answer.value);
}

/** `GET /payment-intents/:id`: the intent as Accrue has it now, recorded. */
export async function getPaymentIntent(
  p: PaymentIntentsContext,
  merchant: MerchantRow,
  id: string,
) {
  const account = await accrueAccountOf(p, merchant);
  return { data: paymentIntentResource(await merchantIntent(p, merchant, account, id)) };
}

export interface AuthorizeInput {
  amount: bigint;
  currency: string;
  capture_method: 'automatic' | 'manual';
  description?: string | undefined;
}

/**
 * `POST /payment-intents/:id/authorize`: asks Accrue to reserve the funds (the amount and
 * currency must be the intent's) and records the Payment it answers.
 */
export async function authorizePaymentIntent(
  p: PaymentIntentsContext,
  merchant: MerchantRow,
  id: string,
  input: AuthorizeInput,
) {
  const account = await accrueAccountOf(p, merchant);
  await merchantIntent(p, merchant, account, id);
  const attributes = {
    amount: jsonAmount(input.amount, '/data/attributes/amount'),
    currency: input.currency,
    capture_method: input.capture_method,
    ...(input.description === undefined ? {} : { description: input.description }),
  };
  // The same request again is the same call at Accrue: a retry after a lost answer replays it.
  const key = `authorize_${id}_${sha256Hex(canonicalJson(attributes)).slice(0, 24)}`;
  const answer = await account.accrue.api
    .authorize(account.credentials, id, attributes, key)
    .catch((error: unknown) => {
      throw providerDown(error, `authorize payment intent ${id}`, true);
    });
  if (!answer.ok) {
    if (answer.code === 'insufficient_funds' || answer.code === 'payment_intent_not_authorizable') {
      // The intent moved (failed, canceled, authorized): record that before answering.
      await merchantIntent(p, merchant, account, id).catch(() => undefined);
    }
    throw fromRefusal(answer, `Payment intent ${id}`);
  }
  const row = await recordPayment(p, merchant.id, answer.value);
  await merchantIntent(p, merchant, account, id).catch(() => undefined);
  return { data: paymentResource(row) };
}

/** The merchant's payment: the router's row, else Accrue's (a payment whose answer was lost). */
async function merchantPayment(
  p: PaymentIntentsContext,
  merchant: MerchantRow,
  account: AccrueAccount,
  id: string,
): Promise<PaymentRow> {
  return (await p.store.findPayment(merchant.id, id)) ?? refreshPayment(p, account, id);
}

const WHY_NOT_CAPTURABLE: Partial<Record<PaymentStatus, string>> = {
  canceled: 'it was canceled',
  failed: 'it failed',
};

function refuseUnlessCapturable(row: PaymentRow, doing: 'capture' | 'cancel'): void {
  if ((CAPTURABLE_PAYMENT_STATUSES as readonly PaymentStatus[]).includes(row.status)) return;
  const why = WHY_NOT_CAPTURABLE[row.status] ?? `it is already ${row.status}`;
  throw new PaymentIntentError(
    'invalid_state',
    doing === 'capture'
      ? `Payment ${row.id} cannot be captured: ${why}. A payment is captured once, while it is authorized or requires_capture.`
      : `Payment ${row.id} cannot be canceled: ${why}. Only an authorized payment not yet captured can be canceled; give money back by other means once captured.`,
  );
}

/**
 * The idempotency key a capture or cancel is sent to Accrue with. With the merchant's key, a
 * retry of a request whose answer was lost (Accrue applied it) is the same call, replayed by
 * Accrue even though the router has since learnt that the payment moved on; without one, the
 * same request (payment and amount) is: two captures at once are one call.
 */
function accrueKey(
  action: 'capture' | 'cancel',
  id: string,
  merchantKey: string | undefined,
  request: string,
) {
  return merchantKey === undefined
    ? `${action}_${id}_${request}`
    : `${action}_${id}_key_${sha256Hex(merchantKey).slice(0, 32)}`;
}

/** Accrue refused a capture or cancel for the payment's state: the router catches up first. */
async function catchUp(p: PaymentIntentsContext, account: AccrueAccount, id: string) {
  await refreshPayment(p, account, id).catch(() => undefined);
}

/**
 * `POST /payments/:id/capture`: in full or in part, once; refused above the authorized amount
 * or after a cancel, here and by Accrue. Two captures at once are one call at Accrue (the same
 * idempotency key) and one compare-and-set here.
 */
export async function capturePayment(
  p: PaymentIntentsContext,
  merchant: MerchantRow,
  id: string,
  amount: bigint | undefined,
  idempotencyKey?: string,
) {
  const account = await accrueAccountOf(p, merchant);
  const row = await merchantPayment(p, merchant, account, id);
  // With a key the request may be the retry of one Accrue applied: Accrue answers (replays or refuses).
  if (idempotencyKey === undefined) refuseUnlessCapturable(row, 'capture');
  if (amount !== undefined && amount > BigInt(row.amount)) {
    throw new PaymentIntentError(
      'amount_exceeds_authorized',
      `The capture amount ${amount} is more than the ${row.amount} authorized on payment ${id}: capture at most ${row.amount}, or omit the amount to capture it all.`,
      { source: { pointer: '/data/attributes/amount' } },
    );
  }
  const wire = amount === undefined ? undefined : jsonAmount(amount, '/data/attributes/amount');
  const answer = await account.accrue.api
    .capture(
      account.credentials,
      id,
      wire,
      accrueKey('capture', id, idempotencyKey, `${wire ?? 'full'}`),
    )
    .catch((error: unknown) => {
      throw providerDown(error, `capture payment ${id}`, true);
    });
  if (!answer.ok) {
    if (answer.code === 'invalid_state') await catchUp(p, account, id);
    throw fromRefusal(answer, `Payment ${id}`);
  }
  return { data: paymentResource(await recordPayment(p, merchant.id, answer.value)) };
}

/** `POST /payments/:id/cancel`: releases an authorization not yet captured. */
export async function cancelPayment(
  p: PaymentIntentsContext,
  merchant: MerchantRow,
  id: string,
  idempotencyKey?: string,
) {
  const account = await accrueAccountOf(p, merchant);
  const row = await merchantPayment(p, merchant, account, id);
  if (idempotencyKey === undefined) refuseUnlessCapturable(row, 'cancel');
  const answer = await account.accrue.api
    .cancel(account.credentials, id, accrueKey('cancel', id, idempotencyKey, 'all'))
    .catch((error: unknown) => {
      throw providerDown(error, `cancel payment ${id}`, true);
    });
  if (!answer.ok) {
    if (answer.code === 'invalid_state') await catchUp(p, account, id);
    throw fromRefusal(answer, `Payment ${id}`);
  }
  return { data: paymentResource(await recordPayment(p, merchant.id, answer.value)) };
}

/** `GET /payments/:id`: asks Accrue each time (as verify() does) and records what changed. */
export async function getPayment(p: PaymentIntentsContext, merchant: MerchantRow, id: string) {
  const account = await accrueAccountOf(p, merchant);
  return { data: paymentResource(await refreshPayment(p, account, id)) };
}

/**
 * `GET /api/v1/payments/:id/card`: the single-use virtual debit card, for the card API's
 * credential pair only. Card data passes through: never stored, never logged.
 */
export async function getPaymentCard(
  p: PaymentIntentsContext,
  credentials: { clientId: string | undefined; clientSecret: string | undefined },
  id: string,
): Promise<{ data: VirtualDebitCard }> {
  const merchant = await authenticateClient(p, credentials.clientId, credentials.clientSecret);
  const account = await accrueAccountOf(p, merchant);
  await merchantPayment(p, merchant, account, id);
  const answer = await account.accrue.api.getCard(account.credentials, id).catch((error) => {
    throw providerDown(error, `fetch the virtual card of payment ${id}`, false);
  });
  if (!answer.ok) {
    if (answer.code === 'card_unavailable') await catchUp(p, account, id);
    throw fromRefusal(answer, `Payment ${id}`);
  }
  return { data: answer.value };
}

/**
 * A notification from Accrue: refused unless its signature verifies; then only a hint: the
 * router asks Accrue for the object it names and records that.
 */
export async function receiveNotification(
  p: PaymentIntentsContext,
  accountId: string,
  rawBody: Buffer,
  headers: Record<string, string | string[] | undefined>,
): Promise<'refreshed' | 'ignored'> {
  const row = await p.store.findAccrueAccountById(accountId);
  if (!row) throw notFound(`Accrue account ${accountId}`);
  const merchant = await p.ctx.store.findMerchantById(row.merchant_id);
  if (!merchant) throw notFound(`Accrue account ${accountId}`);
  const account = await accrueAccountOf(p, merchant);
  const header = headers[ACCRUE_SIGNATURE_HEADER];
  const checked = verifyAccrueSignature(
    account.credentials.webhookSecret,
    Array.isArray(header) ? header[0] : header,
    rawBody,
    p.ctx.clock.now(),
  );
  if (!checked.ok) {
    throw new PaymentIntentError(
      'authentication_failed',
      `Notification refused: ${checked.reason}.`,
      {
        source: { header: ACCRUE_SIGNATURE_HEADER },
      },
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new PaymentIntentError('invalid_request', 'The notification body is not JSON.');
  }
  const notification = accrueNotificationSchema.safeParse(body);
  if (!notification.success) return 'ignored';
  const { data } = notification.data;
  if (data.type === 'payments') {
    await refreshPayment(p, account, data.id);
    return 'refreshed';
  }
  if (data.type === 'payment_intents') {
    await merchantIntent(p, merchant, account, data.id);
    return 'refreshed';
  }
  return 'ignored';
}

/**
 * `GET /v1/public/accrue-pay/page`: the hosted Accrue Pay page's address for this merchant,
 * amount and origin; the origin must be one of the merchant's allowed origins.
 */
export async function accruePayPage(
  p: PaymentIntentsContext,
  query: { merchantPublicId: string; amount: bigint; currency: string; origin: string },
) {
  const merchant = await p.ctx.store.findMerchantByPublicId(query.merchantPublicId);
  if (!merchant) {
    throw new PaymentIntentError(
      'not_found',
      `No merchant has the merchantPublicId ${query.merchantPublicId}: use the pk_test_... printed when the merchant was created.`,
      { source: { parameter: 'merchantPublicId' } },
    );
  }
  if (!merchant.allowed_origins.includes(query.origin)) {
    throw new PaymentIntentError(
      'permission_denied',
      `The origin ${query.origin} is not an allowed origin of this merchant: allow it with accrupay-sandbox merchant origins add ${query.origin} --merchant ${merchant.id} (or the dashboard's Merchants page).`,
      { source: { parameter: 'origin' } },
    );
  }
  const account = await accrueAccountOf(p, merchant);
  const url = new URL(`${account.accrue.baseUrl}/accrue/pay`);
  url.searchParams.set('merchantPublicId', merchant.public_id);
  url.searchParams.set('amount', String(query.amount));
  url.searchParams.set('currency', query.currency);
  url.searchParams.set('origin', query.origin);
  return { url: url.toString() };
}
