import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { type CardOutcome, cardOutcome, luhnValid, normalizeCardNumber } from './cards.ts';
import type { MerchantAccount } from './config.ts';
import type { SimCore } from './core.ts';
import type { CardInput, HostedProvider, HostedResult, HostedSession } from './hosted-types.ts';
import { bodyErrorHandler, bodyParsers, zodMessage } from './http.ts';
import { freshId, randomNumeric, randomUpperAlphanumeric, uuid } from './ids.ts';
import { PROVIDER_LIMITS } from './limits.ts';
import type { SessionKeys } from './scenarios.ts';
import {
  NUVEI_CHECKSUM_FIELDS,
  nuveiDmnChecksum,
  nuveiRequestChecksum,
  safeEqualHex,
} from './signatures.ts';
import type { Table } from './store.ts';

type TxnStatus = 'APPROVED' | 'DECLINED' | 'ERROR' | 'REDIRECT';
type TxnType = 'Auth' | 'Sale' | 'Settle' | 'Void';

interface NuveiTxn {
  transactionId: string;
  orderId: string;
  type: TxnType;
  status: TxnStatus;
  amount: string;
  amountMinor: number;
  currency: string;
  authCode: string;
  relatedTransactionId: string;
  gwErrorCode: number;
  gwErrorReason: string;
  userPaymentOptionId: string;
  settled: boolean;
  voided: boolean;
  /** The merchant's reference the request carried (the order's for a payment without one). */
  clientUniqueId: string;
  accountId: string;
  createdMs: number;
  card: { bin: string; last4: string; expMonth: string; expYear: string; name: string } | undefined;
}

interface NuveiOrder {
  orderId: string;
  sessionToken: string;
  accountId: string;
  clientRequestId: string;
  clientUniqueId: string;
  amount: string;
  amountMinor: number;
  currency: string;
  transactionType: 'Auth' | 'Sale';
  userTokenId: string;
  notificationUrl: string | undefined;
  productId: string;
  customer: { firstName: string; lastName: string; email: string };
  createdMs: number;
  expired: boolean;
  paymentTxnIds: string[];
  pending: { number: string; upoId: string } | undefined;
}

interface Upo {
  userPaymentOptionId: string;
  userTokenId: string;
  accountId: string;
  number: string;
  expMonth: string;
  expYear: string;
  name: string;
}

const DECLINE_REASONS: Record<
  Exclude<CardOutcome, 'success' | 'challenge_3ds'>,
  { status: TxnStatus; gwErrorCode: number; gwErrorReason: string }
> = {
  generic_decline: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Decline' },
  attach_ok_charge_declines: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Decline' },
  insufficient_funds: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Insufficient Funds' },
  lost_card: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Lost Card, Pick Up' },
  stolen_card: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Stolen Card, Pick Up' },
  expired_card: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Expired Card' },
  incorrect_cvc: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Invalid CVV2' },
  processing_error: { status: 'ERROR', gwErrorCode: -1100, gwErrorReason: 'Processing error' },
};

class NuveiApiError extends Error {
  constructor(
    readonly errCode: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const amountString = z
  .string()
  .regex(/^\d{1,400}(\.\d{1,2})?$/, 'must be a decimal string like "10.00"');
const timeStamp = z.string().regex(/^\d{14}$/, 'must be YYYYMMDDHHmmss');
const ident = {
  merchantId: z.string().min(1),
  merchantSiteId: z.string().min(1),
  clientRequestId: z.string().min(1).max(255).optional(),
  timeStamp,
  checksum: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 hex digest'),
};
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code');

const billingSchema = z
  .object({
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    email: z.string().optional(),
    country: z.string().optional(),
    address: z.string().optional(),
    city: z.string().optional(),
    zip: z.string().optional(),
    state: z.string().optional(),
    phone: z.string().optional(),
  })
  .strict();

const openOrderSchema = z
  .object({
    ...ident,
    clientUniqueId: z.string().max(255).optional(),
    amount: amountString,
    currency,
    transactionType: z.enum(['Auth', 'Sale']).optional(),
    userTokenId: z.string().optional(),
    productId: z.string().optional(),
    billingAddress: billingSchema.optional(),
    urlDetails: z.object({ notificationUrl: z.string().url().optional() }).passthrough().optional(),
    customData: z.string().optional(),
  })
  .strict();

const cardSchema = z
  .object({
    cardNumber: z.string().min(1),
    cardHolderName: z.string().min(1),
    expirationMonth: z.string().regex(/^(0?[1-9]|1[0-2])$/, 'must be a month 1-12'),
    expirationYear: z.string().regex(/^(\d{2}|\d{4})$/, 'must be YY or YYYY'),
    CVV: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
  })
  .strict();

const paymentSchema = z
  .object({
    ...ident,
    sessionToken: z.string().min(1),
    clientUniqueId: z.string().optional(),
    amount: amountString,
    currency,
    userTokenId: z.string().optional(),
    transactionType: z.enum(['Auth', 'Sale']).optional(),
    paymentOption: z.union([
      z.object({ card: cardSchema }).strict(),
      z.object({ userPaymentOptionId: z.string().min(1) }).strict(),
    ]),
    billingAddress: billingSchema.optional(),
    deviceDetails: z.record(z.string(), z.unknown()).optional(),
    isRebilling: z.enum(['0', '1']).optional(),
  })
  .strict();

const statusSchema = z
  .object({
    sessionToken: z.string().min(1),
    merchantId: z.string().optional(),
    merchantSiteId: z.string().optional(),
    clientRequestId: z.string().optional(),
  })
  .strict();

const relatedSchema = z
  .object({
    ...ident,
    clientUniqueId: z.string().optional(),
    amount: amountString,
    currency,
    relatedTransactionId: z.string().min(1),
    authCode: z.string().optional(),
    descriptorMerchantName: z.string().optional(),
    descriptorMerchantPhone: z.string().optional(),
    comment: z.string().optional(),
    urlDetails: z.object({ notificationUrl: z.string().url().optional() }).passthrough().optional(),
  })
  .strict();

const sessionTokenSchema = z.object({ ...ident }).strict();

const detailsSchema = z
  .object({
    ...ident,
    transactionId: z.string().min(1).max(20).optional(),
    clientUniqueId: z.string().min(1).max(255).optional(),
  })
  .strict()
  .refine((v) => v.transactionId !== undefined || v.clientUniqueId !== undefined, {
    message: 'give transactionId or clientUniqueId',
    path: ['transactionId'],
  });

function cuidKey(accountId: string, clientUniqueId: string): string {
  return `${accountId}\u0000${clientUniqueId}`;
}

/** Parses a Nuvei decimal amount string into minor units. */
export function nuveiAmountToMinor(amount: string, currency: string): number {
  return Number(amountToMinorExact(amount, currency));
}

function amountToMinorExact(amount: string, currency: string): bigint {
  const digits = ZERO_DECIMAL_CURRENCIES.has(currency.toUpperCase()) ? 0 : 2;
  const [whole = '0', frac = ''] = amount.split('.');
  const wholeDigits = /^\d+$/.test(whole) ? whole : '0';
  const fracDigits = frac.padEnd(digits, '0').slice(0, digits);
  return (
    BigInt(wholeDigits) * 10n ** BigInt(digits) +
    BigInt(/^\d+$/.test(fracDigits) ? fracDigits : '0')
  );
}

/** ISO 4217 currencies whose minor unit is the unit itself (1500 JPY is "1500"). */
const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(
  PROVIDER_LIMITS.nuvei.zeroDecimalCurrencies,
);
const UNSUPPORTED_CURRENCIES: ReadonlySet<string> = new Set(
  PROVIDER_LIMITS.nuvei.unsupportedCurrencies,
);

/** Refuses what Nuvei refuses before any state changes: currencies it does not process and amounts above its maximum. */
function checkLimits(amount: string, currency: string): void {
  if (UNSUPPORTED_CURRENCIES.has(currency)) {
    throw new NuveiApiError(1041, `Invalid currency: ${currency} is not processed`);
  }
  if (amountToMinorExact(amount, currency) > BigInt(PROVIDER_LIMITS.nuvei.maxAmountMinor)) {
    const max = PROVIDER_LIMITS.nuvei.maxAmountMinor;
    const shown = ZERO_DECIMAL_CURRENCIES.has(currency) ? String(max) : (max / 100).toFixed(2);
    throw new NuveiApiError(1040, `Invalid amount: above the maximum of ${shown} ${currency}`);
  }
}

/** Formats a date as Nuvei's `YYYYMMDDHHmmss` (UTC). */
export function nuveiTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function dmnTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)}.${iso.slice(11, 19)}`;
}

/** The Nuvei-like provider: state, HTTP routes and the hosted-page hooks. */
export class NuveiProvider implements HostedProvider {
  private readonly orders: Table<NuveiOrder>;
  private readonly txns: Table<NuveiTxn>;
  private readonly upos: Table<Upo>;
  /** Derived (rebuilt at load): session token to orderId. */
  private byToken = new Map<string, string>();
  /** Derived: the latest transaction carrying each (account, clientUniqueId). */
  private byClientUniqueId = new Map<string, string>();
  private baseUrl = '';

  constructor(private readonly core: SimCore) {
    this.orders = core.store.table('nuvei.orders');
    this.txns = core.store.table('nuvei.transactions');
    this.upos = core.store.table('nuvei.upos');
    core.onReset(() => {
      this.byToken.clear();
      this.byClientUniqueId.clear();
    });
    core.onLoad(() => {
      const ttl = core.options.ttl.nuvei.sessionTokenMs;
      for (const order of this.orders.values()) {
        this.byToken.set(order.sessionToken, order.orderId);
        if (!order.expired) this.armExpiry(order.orderId, order.createdMs + ttl);
      }
      for (const txn of this.txns.values()) {
        if (txn.clientUniqueId) {
          this.byClientUniqueId.set(cuidKey(txn.accountId, txn.clientUniqueId), txn.transactionId);
        }
      }
    });
  }

  /** Expires the session token at `at` on the clock (by id, so that it also works after a restart). */
  private armExpiry(orderId: string, at: number): void {
    this.core.scheduler.schedule(at, () => {
      const order = this.orders.get(orderId);
      if (order) this.expireIfDue(order);
    });
  }

  setBaseUrl(url: string): void {
    this.baseUrl = url;
  }

  private numeric(n: number): string {
    return randomNumeric(n);
  }

  keys(order: NuveiOrder): SessionKeys {
    return {
      provider: 'nuvei',
      tokens: [order.sessionToken],
      providerRefs: [order.orderId, ...order.paymentTxnIds],
      merchantRef: order.clientUniqueId || undefined,
    };
  }

  private account(body: { merchantId: string; merchantSiteId: string }): MerchantAccount {
    const byMerchant = this.core.findAccount((a) => a.nuvei?.merchantId === body.merchantId);
    if (!byMerchant) throw new NuveiApiError(1013, 'Invalid merchant ID');
    if (byMerchant.nuvei?.merchantSiteId !== body.merchantSiteId) {
      throw new NuveiApiError(1022, 'Invalid merchant site ID');
    }
    return byMerchant;
  }

  private verify(
    method: keyof typeof NUVEI_CHECKSUM_FIELDS,
    body: Record<string, unknown> & {
      merchantId: string;
      merchantSiteId: string;
      checksum: string;
    },
  ): MerchantAccount {
    const account = this.account(body);
    const expected = nuveiRequestChecksum(method, body, account.nuvei?.secretKey ?? '');
    if (!safeEqualHex(expected, body.checksum.toLowerCase())) {
      throw new NuveiApiError(
        1001,
        `Invalid checksum: expected sha256(${NUVEI_CHECKSUM_FIELDS[method].join(' + ')} + merchantSecretKey)`,
      );
    }
    return account;
  }

  private expireIfDue(order: NuveiOrder): void {
    const ttl = this.core.options.ttl.nuvei.sessionTokenMs;
    if (order.expired || this.core.clock.now() < order.createdMs + ttl) return;
    const last = this.lastPayment(order);
    if (
      !last ||
      last.status === 'REDIRECT' ||
      last.status === 'DECLINED' ||
      last.status === 'ERROR'
    ) {
      order.expired = true;
      order.pending = undefined;
    }
  }

  private lastPayment(order: NuveiOrder): NuveiTxn | undefined {
    const id = order.paymentTxnIds.at(-1);
    return id ? this.txns.get(id) : undefined;
  }

  private reportedStatus(order: NuveiOrder, status: string): string {
    return this.core.unmappableStatus('nuvei', this.keys(order)) ?? status;
  }

  private common(account: MerchantAccount, clientRequestId?: string) {
    return {
      internalRequestId: Number(this.numeric(9)),
      status: 'SUCCESS' as const,
      errCode: 0,
      reason: '',
      merchantId: account.nuvei?.merchantId,
      merchantSiteId: account.nuvei?.merchantSiteId,
      version: '1.0',
      ...(clientRequestId ? { clientRequestId } : {}),
    };
  }

  // ---------- operations ----------

  openOrder(input: z.infer<typeof openOrderSchema>): Record<string, unknown> {
    const account = this.verify('openOrder', input);
    const type = input.transactionType ?? 'Sale';
    checkLimits(input.amount, input.currency);
    if (ZERO_DECIMAL_CURRENCIES.has(input.currency.toUpperCase()) && input.amount.includes('.')) {
      throw new NuveiApiError(1040, `Invalid amount: ${input.currency} takes no decimals`);
    }
    const amountMinor = nuveiAmountToMinor(input.amount, input.currency);
    if (amountMinor === 0 && type !== 'Auth') {
      throw new NuveiApiError(
        1040,
        'Invalid or missing amount: a zero amount needs transactionType "Auth"',
      );
    }
    const f = this.core.faker;
    const firstName = input.billingAddress?.firstName ?? f.person.firstName();
    const lastName = input.billingAddress?.lastName ?? f.person.lastName();
    const order: NuveiOrder = {
      orderId: freshId(
        () => this.numeric(9),
        (id) => this.orders.has(id),
      ),
      sessionToken: uuid(),
      accountId: account.id,
      clientRequestId: input.clientRequestId ?? '',
      clientUniqueId: input.clientUniqueId ?? '',
      amount: input.amount,
      amountMinor,
      currency: input.currency,
      transactionType: type,
      userTokenId: input.userTokenId ?? '',
      notificationUrl: input.urlDetails?.notificationUrl ?? account.nuvei?.notificationUrl,
      productId: input.productId ?? '',
      customer: {
        firstName,
        lastName,
        email: input.billingAddress?.email ?? f.internet.email({ firstName, lastName }),
      },
      createdMs: this.core.clock.now(),
      expired: false,
      paymentTxnIds: [],
      pending: undefined,
    };
    this.orders.set(order.orderId, order);
    this.byToken.set(order.sessionToken, order.orderId);
    this.armExpiry(order.orderId, order.createdMs + this.core.options.ttl.nuvei.sessionTokenMs);
    return {
      sessionToken: order.sessionToken,
      orderId: order.orderId,
      clientUniqueId: order.clientUniqueId,
      ...this.common(account, input.clientRequestId),
    };
  }

  private orderByToken(token: string, accountId?: string): NuveiOrder {
    const id = this.byToken.get(token);
    const order = id ? this.orders.get(id) : undefined;
    if (!order || (accountId && order.accountId !== accountId)) {
      throw new NuveiApiError(1065, 'Invalid token');
    }
    this.expireIfDue(order);
    return order;
  }

  private ensurePayable(order: NuveiOrder): void {
    if (order.expired) throw new NuveiApiError(1069, 'Session expired');
    const last = this.lastPayment(order);
    if (last && (last.status === 'APPROVED' || last.status === 'REDIRECT')) {
      throw new NuveiApiError(
        1058,
        'Requested operation cannot be performed on this order: it already has an approved or pending payment',
      );
    }
  }

  private pay(
    order: NuveiOrder,
    source: { number: string; expMonth: string; expYear: string; name: string; upoId?: string },
    viaUpo: boolean,
    clientUniqueId: string,
  ): NuveiTxn {
    const outcome = cardOutcome('nuvei', source.number);
    const txn = this.newTxn(
      order,
      order.transactionType,
      order.amount,
      order.amountMinor,
      clientUniqueId,
      source,
    );
    order.paymentTxnIds.push(txn.transactionId);
    if (outcome === 'challenge_3ds' && !viaUpo) {
      txn.status = 'REDIRECT';
      order.pending = { number: source.number, upoId: txn.userPaymentOptionId };
      return txn;
    }
    if (
      outcome === 'success' ||
      outcome === 'challenge_3ds' ||
      (outcome === 'attach_ok_charge_declines' && order.amountMinor === 0)
    ) {
      this.approve(order, txn);
    } else this.fail(order, txn, DECLINE_REASONS[outcome]);
    return txn;
  }

  private newTxn(
    order: NuveiOrder,
    type: TxnType,
    amount: string,
    amountMinor: number,
    clientUniqueId: string,
    source?: { number: string; expMonth: string; expYear: string; name: string; upoId?: string },
  ): NuveiTxn {
    const txn: NuveiTxn = {
      transactionId: freshId(
        () => this.numeric(19),
        (id) => this.txns.has(id),
      ),
      orderId: order.orderId,
      type,
      status: 'APPROVED',
      amount,
      amountMinor,
      currency: order.currency,
      authCode: '',
      relatedTransactionId: '',
      gwErrorCode: 0,
      gwErrorReason: '',
      userPaymentOptionId: source?.upoId ?? '',
      settled: false,
      voided: false,
      clientUniqueId,
      accountId: order.accountId,
      createdMs: this.core.clock.now(),
      card: source
        ? {
            bin: source.number.slice(0, 6),
            last4: source.number.slice(-4),
            expMonth: source.expMonth,
            expYear: source.expYear,
            name: source.name,
          }
        : undefined,
    };
    this.txns.set(txn.transactionId, txn);
    if (clientUniqueId)
      this.byClientUniqueId.set(cuidKey(order.accountId, clientUniqueId), txn.transactionId);
    return txn;
  }

  private approve(order: NuveiOrder, txn: NuveiTxn): void {
    txn.status = 'APPROVED';
    txn.authCode = randomUpperAlphanumeric(6);
    order.pending = undefined;
    const kind =
      order.amountMinor === 0 ? 'verification' : txn.type === 'Auth' ? 'authorization' : 'charge';
    this.core.record({
      provider: 'nuvei',
      accountId: order.accountId,
      kind,
      amount: txn.amountMinor,
      currency: txn.currency,
      providerRef: txn.transactionId,
      merchantRef: order.clientUniqueId || undefined,
      token: order.sessionToken,
      detail: `orderId ${order.orderId}`,
    });
    this.dmn(order, txn);
  }

  private fail(
    order: NuveiOrder,
    txn: NuveiTxn,
    reason: { status: TxnStatus; gwErrorCode: number; gwErrorReason: string },
  ): void {
    txn.status = reason.status;
    txn.gwErrorCode = reason.gwErrorCode;
    txn.gwErrorReason = reason.gwErrorReason;
    order.pending = undefined;
    this.core.record({
      provider: 'nuvei',
      accountId: order.accountId,
      kind: reason.status === 'ERROR' ? 'error' : 'decline',
      amount: txn.amountMinor,
      currency: txn.currency,
      providerRef: txn.transactionId,
      merchantRef: order.clientUniqueId || undefined,
      token: order.sessionToken,
      detail: reason.gwErrorReason,
    });
    this.dmn(order, txn);
  }

  private paymentResponse(
    order: NuveiOrder,
    txn: NuveiTxn,
    account: MerchantAccount,
    crid?: string,
  ) {
    return {
      orderId: order.orderId,
      userTokenId: order.userTokenId,
      paymentOption: {
        userPaymentOptionId: txn.userPaymentOptionId,
        card: {
          ccCardNumber: txn.card ? `${txn.card.bin.slice(0, 1)}****${txn.card.last4}` : '',
          bin: txn.card?.bin ?? '',
          last4Digits: txn.card?.last4 ?? '',
          ccExpMonth: txn.card?.expMonth ?? '',
          ccExpYear: txn.card?.expYear ?? '',
          threeD:
            txn.status === 'REDIRECT'
              ? {
                  acsUrl: `${this.baseUrl}/hosted/3ds?provider=nuvei&token=${encodeURIComponent(order.sessionToken)}`,
                  cReq: Buffer.from(txn.transactionId).toString('base64'),
                  version: '2.2.0',
                }
              : {},
        },
      },
      transactionStatus: this.reportedStatus(order, txn.status),
      gwErrorCode: txn.gwErrorCode,
      gwErrorReason: txn.gwErrorReason,
      gwExtendedErrorCode: 0,
      transactionType: txn.type,
      transactionId: txn.transactionId,
      externalTransactionId: '',
      authCode: txn.authCode,
      sessionToken: order.sessionToken,
      clientUniqueId: order.clientUniqueId,
      ...this.common(account, crid),
    };
  }

  private dmn(order: NuveiOrder, txn: NuveiTxn): void {
    const account = this.core.accounts.peek(order.accountId);
    const secret = account?.nuvei?.secretKey ?? '';
    const now = this.core.clock.now();
    const status = this.reportedStatus(order, txn.status);
    const fields = (st: string, tx: NuveiTxn, key: string): Record<string, string> => {
      const base: Record<string, string> = {
        ppp_status: st === 'APPROVED' ? 'OK' : 'FAIL',
        Status: st,
        ExErrCode: String(tx.gwErrorCode === 0 ? 0 : -1),
        ErrCode: String(tx.gwErrorCode),
        errApmCode: '0',
        errApmDescription: '',
        Reason: st === 'APPROVED' ? '' : tx.gwErrorReason,
        ReasonCode: String(tx.gwErrorCode === 0 ? 0 : 1),
        PPP_TransactionID: order.orderId,
        userid: order.userTokenId,
        user_token_id: order.userTokenId,
        merchant_unique_id: order.clientUniqueId,
        clientUniqueId: order.clientUniqueId,
        clientRequestId: order.clientRequestId,
        customData: '',
        productId: order.productId,
        first_name: order.customer.firstName,
        last_name: order.customer.lastName,
        email: order.customer.email,
        currency: tx.currency,
        totalAmount: tx.amount,
        TransactionID: tx.transactionId,
        relatedTransactionId: tx.relatedTransactionId,
        AuthCode: tx.authCode,
        transactionType: tx.type,
        payment_method: 'cc_card',
        nameOnCard: tx.card?.name ?? '',
        cardNumber: tx.card ? `${tx.card.bin.slice(0, 1)}****${tx.card.last4}` : '',
        bin: tx.card?.bin ?? '',
        expMonth: tx.card?.expMonth ?? '',
        expYear: tx.card?.expYear ?? '',
        userPaymentOptionId: tx.userPaymentOptionId,
        responseTimeStamp: dmnTimestamp(now),
        message: st,
        merchant_id: account?.nuvei?.merchantId ?? '',
        merchant_site_id: account?.nuvei?.merchantSiteId ?? '',
        requestVersion: '4.0.0',
        type: 'DEPOSIT',
      };
      base.advanceResponseChecksum = nuveiDmnChecksum(key, {
        totalAmount: base.totalAmount ?? '',
        currency: base.currency ?? '',
        responseTimeStamp: base.responseTimeStamp ?? '',
        PPP_TransactionID: base.PPP_TransactionID ?? '',
        Status: base.Status ?? '',
        productId: base.productId ?? '',
      });
      return base;
    };
    const body = new URLSearchParams(fields(status, txn, secret)).toString();
    this.core.emitCallback({
      provider: 'nuvei',
      accountId: order.accountId,
      url: order.notificationUrl,
      eventType: `${txn.type}:${status}`,
      keys: this.keys(order),
      contentType: 'application/x-www-form-urlencoded',
      body,
      signing: { scheme: 'none' },
      forge: (mode) => {
        if (mode === 'bad_signature') {
          const f = fields(status, txn, secret);
          f.advanceResponseChecksum = '0'.repeat(64);
          return { body: new URLSearchParams(f).toString(), signing: { scheme: 'none' } };
        }
        const forgedTxn: NuveiTxn = {
          ...txn,
          status: 'APPROVED',
          gwErrorCode: 0,
          gwErrorReason: '',
          authCode: txn.authCode || '111111',
        };
        return {
          body: new URLSearchParams(
            fields('APPROVED', forgedTxn, 'forger-wrong-secret'),
          ).toString(),
          signing: { scheme: 'none' },
        };
      },
    });
  }

  payment(input: z.infer<typeof paymentSchema>) {
    const account = this.verify('payment', input);
    const order = this.orderByToken(input.sessionToken, account.id);
    checkLimits(input.amount, input.currency);
    this.ensurePayable(order);
    const cuid = input.clientUniqueId ?? order.clientUniqueId;
    if (
      input.amount !== order.amount &&
      nuveiAmountToMinor(input.amount, input.currency) !== order.amountMinor
    ) {
      throw new NuveiApiError(
        1040,
        `Invalid or missing amount: the order amount is ${order.amount}`,
      );
    }
    if (input.currency !== order.currency) {
      throw new NuveiApiError(
        1041,
        `Invalid or missing amount currency: the order currency is ${order.currency}`,
      );
    }
    if (input.userTokenId && !order.userTokenId) order.userTokenId = input.userTokenId;
    let txn: NuveiTxn;
    if ('card' in input.paymentOption) {
      const c = input.paymentOption.card;
      const number = normalizeCardNumber(c.cardNumber);
      if (!luhnValid(number))
        throw new NuveiApiError(
          1004,
          'Missing or invalid CardData data: card number fails the Luhn check',
        );
      const year =
        c.expirationYear.length === 2 ? 2000 + Number(c.expirationYear) : Number(c.expirationYear);
      const now = new Date(this.core.clock.now());
      if (
        year < now.getUTCFullYear() ||
        (year === now.getUTCFullYear() && Number(c.expirationMonth) < now.getUTCMonth() + 1)
      ) {
        throw new NuveiApiError(1029, 'Invalid expired date');
      }
      let upoId = '';
      if (order.userTokenId) {
        const upo: Upo = {
          userPaymentOptionId: freshId(
            () => this.numeric(8),
            (id) => this.upos.has(id),
          ),
          userTokenId: order.userTokenId,
          accountId: account.id,
          number,
          expMonth: c.expirationMonth,
          expYear: c.expirationYear,
          name: c.cardHolderName,
        };
        upoId = upo.userPaymentOptionId;
        const outcome = cardOutcome('nuvei', number);
        if (
          outcome === 'success' ||
          outcome === 'attach_ok_charge_declines' ||
          outcome === 'challenge_3ds'
        ) {
          this.upos.set(upoId, upo);
        } else upoId = '';
      }
      txn = this.pay(
        order,
        {
          number,
          expMonth: c.expirationMonth,
          expYear: c.expirationYear,
          name: c.cardHolderName,
          upoId,
        },
        false,
        cuid,
      );
    } else {
      const upo = this.upos.get(input.paymentOption.userPaymentOptionId);
      if (
        !upo ||
        upo.accountId !== account.id ||
        upo.userTokenId !== (input.userTokenId ?? order.userTokenId)
      ) {
        throw new NuveiApiError(1011, 'Missing or invalid UserPaymentOption data');
      }
      txn = this.pay(
        order,
        {
          number: upo.number,
          expMonth: upo.expMonth,
          expYear: upo.expYear,
          name: upo.name,
          upoId: upo.userPaymentOptionId,
        },
        true,
        cuid,
      );
    }
    return this.paymentResponse(order, txn, account, input.clientRequestId);
  }

  getPaymentStatus(input: z.infer<typeof statusSchema>) {
    const order = this.orderByToken(input.sessionToken);
    const account = this.core.accounts.peek(order.accountId) as MerchantAccount;
    const txn = this.lastPayment(order);
    if (!txn) {
      if (order.expired) throw new NuveiApiError(1069, 'Session expired');
      return {
        transactionStatus: this.reportedStatus(order, 'PENDING'),
        sessionToken: order.sessionToken,
        clientUniqueId: order.clientUniqueId,
        amount: order.amount,
        currency: order.currency,
        ...this.common(account, input.clientRequestId),
      };
    }
    const res = this.paymentResponse(order, txn, account, input.clientRequestId);
    return {
      ...res,
      amount: txn.amount,
      currency: txn.currency,
      ...(order.expired ? { sessionExpired: true } : {}),
    };
  }

  private related(input: z.infer<typeof relatedSchema>, account: MerchantAccount) {
    const txn = this.txns.get(input.relatedTransactionId);
    const order = txn ? this.orders.get(txn.orderId) : undefined;
    if (!txn || !order || order.accountId !== account.id) {
      throw new NuveiApiError(
        1140,
        `Invalid relatedTransactionId: no transaction ${input.relatedTransactionId}`,
      );
    }
    if (input.currency !== txn.currency) {
      throw new NuveiApiError(
        1041,
        `Invalid or missing amount currency: the transaction currency is ${txn.currency}`,
      );
    }
    return { txn, order };
  }

  settle(input: z.infer<typeof relatedSchema>) {
    const account = this.verify('settleTransaction', input);
    const { txn, order } = this.related(input, account);
    if (txn.type === 'Auth' && txn.settled) {
      throw new NuveiApiError(
        1058,
        `Requested operation cannot be performed: transaction ${txn.transactionId} has already been settled`,
      );
    }
    if (txn.type !== 'Auth' || txn.status !== 'APPROVED' || txn.voided) {
      throw new NuveiApiError(
        1058,
        `Requested operation cannot be performed: transaction ${txn.transactionId} is not an open approved Auth`,
      );
    }
    const minor = nuveiAmountToMinor(input.amount, input.currency);
    if (minor <= 0 || minor > txn.amountMinor) {
      throw new NuveiApiError(
        1040,
        `Invalid or missing amount: settle amount must be between 0.01 and ${txn.amount}`,
      );
    }
    txn.settled = true;
    const settle = this.newTxn(order, 'Settle', input.amount, minor, input.clientUniqueId ?? '');
    settle.relatedTransactionId = txn.transactionId;
    settle.authCode = txn.authCode;
    settle.card = txn.card;
    settle.userPaymentOptionId = txn.userPaymentOptionId;
    this.core.record({
      provider: 'nuvei',
      accountId: order.accountId,
      kind: 'capture',
      amount: minor,
      currency: txn.currency,
      providerRef: settle.transactionId,
      merchantRef: order.clientUniqueId || undefined,
      token: order.sessionToken,
      detail: `settles ${txn.transactionId}`,
    });
    order.paymentTxnIds.push(settle.transactionId);
    this.dmn(order, settle);
    return this.relatedResponse(settle, account, input.clientRequestId, input.clientUniqueId);
  }

  void(input: z.infer<typeof relatedSchema>) {
    const account = this.verify('voidTransaction', input);
    const { txn, order } = this.related(input, account);
    if (
      txn.status !== 'APPROVED' ||
      txn.voided ||
      txn.type === 'Void' ||
      (txn.type === 'Auth' && txn.settled)
    ) {
      throw new NuveiApiError(
        1058,
        `Requested operation cannot be performed: transaction ${txn.transactionId} cannot be voided`,
      );
    }
    txn.voided = true;
    const v = this.newTxn(order, 'Void', txn.amount, txn.amountMinor, input.clientUniqueId ?? '');
    v.relatedTransactionId = txn.transactionId;
    v.authCode = txn.authCode;
    v.card = txn.card;
    this.core.record({
      provider: 'nuvei',
      accountId: order.accountId,
      kind: 'void',
      amount: txn.amountMinor,
      currency: txn.currency,
      providerRef: v.transactionId,
      merchantRef: order.clientUniqueId || undefined,
      token: order.sessionToken,
      detail: `voids ${txn.transactionId} (${txn.type})`,
    });
    order.paymentTxnIds.push(v.transactionId);
    this.dmn(order, v);
    return this.relatedResponse(v, account, input.clientRequestId, input.clientUniqueId);
  }

  /** Finds one transaction by its id or by the clientUniqueId its request carried (the latest such), as Nuvei's getTransactionDetails. */
  getTransactionDetails(input: z.infer<typeof detailsSchema>) {
    const account = this.verify('getTransactionDetails', input);
    let txn = input.transactionId ? this.txns.peek(input.transactionId) : undefined;
    if (!input.transactionId && input.clientUniqueId) {
      const id = this.byClientUniqueId.get(cuidKey(account.id, input.clientUniqueId));
      txn = id ? this.txns.peek(id) : undefined;
    }
    if (
      !txn ||
      txn.accountId !== account.id ||
      (input.transactionId && input.clientUniqueId && txn.clientUniqueId !== input.clientUniqueId)
    ) {
      throw new NuveiApiError(
        1140,
        input.transactionId
          ? `Transaction not found: no transaction ${input.transactionId}`
          : `Transaction not found: no transaction with clientUniqueId ${input.clientUniqueId}`,
      );
    }
    const order = this.orders.peek(txn.orderId) as NuveiOrder;
    return {
      transactionDetails: {
        transactionId: txn.transactionId,
        transactionType: txn.type,
        transactionStatus: this.reportedStatus(order, txn.status),
        amount: txn.amount,
        currency: txn.currency,
        relatedTransactionId: txn.relatedTransactionId,
        clientUniqueId: txn.clientUniqueId,
        orderId: txn.orderId,
        authCode: txn.authCode,
        date: dmnTimestamp(txn.createdMs),
        gwErrorCode: txn.gwErrorCode,
        gwErrorReason: txn.gwErrorReason,
        userPaymentOptionId: txn.userPaymentOptionId,
        isVoided: txn.voided,
        isSettled: txn.settled,
      },
      ...this.common(account, input.clientRequestId),
    };
  }

  private relatedResponse(t: NuveiTxn, account: MerchantAccount, crid?: string, cuid?: string) {
    return {
      transactionId: t.transactionId,
      externalTransactionId: '',
      transactionStatus: t.status,
      transactionType: t.type,
      authCode: t.authCode,
      gwErrorCode: 0,
      gwErrorReason: '',
      gwExtendedErrorCode: 0,
      clientUniqueId: cuid ?? '',
      ...this.common(account, crid),
    };
  }

  // ---------- hosted page hooks ----------

  session(token: string): HostedSession | undefined {
    const id = this.byToken.get(token);
    const order = id ? this.orders.get(id) : undefined;
    if (!order) return undefined;
    this.expireIfDue(order);
    const last = this.lastPayment(order);
    return {
      provider: 'nuvei',
      token,
      accountId: order.accountId,
      kind: order.amountMinor === 0 ? 'setup' : 'payment',
      amount: order.amountMinor,
      currency: order.currency,
      open: !order.expired && (!last || last.status === 'DECLINED' || last.status === 'ERROR'),
      awaitingChallenge: !order.expired && last?.status === 'REDIRECT',
      expired: order.expired,
      keys: this.keys(order),
    };
  }

  private hostedResult(order: NuveiOrder): HostedResult {
    const txn = this.lastPayment(order);
    if (order.expired) {
      return {
        status: 'expired',
        providerStatus: 'ERROR',
        providerRef: order.orderId,
        error: { code: '1069', message: 'Session expired' },
      };
    }
    const status = txn?.status ?? 'PENDING';
    const map: Record<string, HostedResult['status']> = {
      APPROVED: 'approved',
      DECLINED: 'declined',
      ERROR: 'error',
      REDIRECT: 'requires_action',
    };
    return {
      status: map[status] ?? 'error',
      providerStatus: this.reportedStatus(order, status),
      providerRef: txn?.transactionId ?? order.orderId,
      error:
        txn && txn.gwErrorCode !== 0
          ? { code: String(txn.gwErrorCode), message: txn.gwErrorReason }
          : undefined,
    };
  }

  submitCard(token: string, card: CardInput): HostedResult {
    const order = this.orderByToken(token);
    const account = this.core.accounts.peek(order.accountId) as MerchantAccount;
    const secret = account.nuvei?.secretKey ?? '';
    const ts = nuveiTimestamp(this.core.clock.now());
    const body = {
      merchantId: account.nuvei?.merchantId ?? '',
      merchantSiteId: account.nuvei?.merchantSiteId ?? '',
      clientRequestId: `hosted-${order.orderId}`,
      sessionToken: token,
      amount: order.amount,
      currency: order.currency,
      timeStamp: ts,
      checksum: '',
      paymentOption: {
        card: {
          cardNumber: card.number,
          cardHolderName: card.name || `${order.customer.firstName} ${order.customer.lastName}`,
          expirationMonth: String(card.expMonth),
          expirationYear: String(card.expYear),
          CVV: card.cvc,
        },
      },
    };
    body.checksum = nuveiRequestChecksum('payment', body, secret);
    try {
      this.payment(body);
    } catch (err) {
      if (err instanceof NuveiApiError) {
        const status: HostedResult['status'] = err.errCode === 1069 ? 'expired' : 'declined';
        return {
          status,
          providerStatus: 'ERROR',
          providerRef: order.orderId,
          error: { code: String(err.errCode), message: err.reason },
        };
      }
      throw err;
    }
    return this.hostedResult(order);
  }

  decideChallenge(token: string, approve: boolean): HostedResult {
    const order = this.orderByToken(token);
    const txn = this.lastPayment(order);
    if (txn?.status !== 'REDIRECT' || order.expired) return this.hostedResult(order);
    if (approve) this.approve(order, txn);
    else
      this.fail(order, txn, {
        status: 'DECLINED',
        gwErrorCode: -1,
        gwErrorReason: '3D Secure authentication failed',
      });
    return this.hostedResult(order);
  }

  // ---------- HTTP ----------

  router(): Router {
    const r = express.Router();
    r.use(...bodyParsers(this.core.options.bodyLimitBytes));
    r.use(
      bodyErrorHandler((status, message) => ({
        status,
        body: {
          status: 'ERROR',
          errCode: status === 413 ? 1066 : 1019,
          reason: message,
          version: '1.0',
        },
      })),
    );
    const handle =
      <S extends z.ZodTypeAny>(
        schema: S,
        fn: (input: z.infer<S>) => Record<string, unknown>,
        tokenOf?: (b: Record<string, unknown>) => string | undefined,
      ) =>
      (req: Request, res: Response) => {
        const raw = (req.body ?? {}) as Record<string, unknown>;
        let keys: SessionKeys | undefined;
        const token = tokenOf?.(raw);
        if (token) {
          const id = this.byToken.get(token);
          const order = id ? this.orders.peek(id) : undefined;
          if (order) keys = this.keys(order);
        } else if (
          typeof raw.relatedTransactionId === 'string' ||
          typeof raw.transactionId === 'string'
        ) {
          const t = this.txns.peek(String(raw.relatedTransactionId ?? raw.transactionId));
          const order = t ? this.orders.peek(t.orderId) : undefined;
          if (order) keys = this.keys(order);
        } else if (typeof raw.clientUniqueId === 'string') {
          keys = {
            provider: 'nuvei',
            tokens: [],
            providerRefs: [],
            merchantRef: raw.clientUniqueId,
          };
        }
        const fault = this.core.apiFault('nuvei', keys);
        if (fault.kind === 'error') {
          res
            .status(fault.status)
            .type('text/html')
            .send('<html><body><h1>Internal Server Error</h1></body></html>');
          return;
        }
        if (fault.kind === 'timeout' && !fault.applied) {
          this.core.hold(res, fault.holdMs);
          return;
        }
        let body: Record<string, unknown>;
        const parsed = schema.safeParse(raw);
        if (!parsed.success) {
          const { message } = zodMessage(parsed.error);
          body = {
            status: 'ERROR',
            errCode: 1019,
            reason: `Validation Error: ${message}`,
            version: '1.0',
          };
        } else {
          try {
            body = fn(parsed.data);
          } catch (err) {
            if (!(err instanceof NuveiApiError)) throw err;
            body = {
              status: 'ERROR',
              errCode: err.errCode,
              reason: err.reason,
              version: '1.0',
              ...(typeof raw.clientRequestId === 'string'
                ? { clientRequestId: raw.clientRequestId }
                : {}),
            };
          }
        }
        this.core.kick();
        if (fault.kind === 'timeout') {
          this.core.hold(res, fault.holdMs);
          return;
        }
        res.status(200).json(body);
      };
    const tokenOf = (b: Record<string, unknown>) =>
      typeof b.sessionToken === 'string' ? b.sessionToken : undefined;
    r.post(
      '/ppp/api/v1/getSessionToken.do',
      handle(sessionTokenSchema, (input) => {
        const account = this.verify('getSessionToken', input);
        return {
          sessionToken: uuid(),
          ...this.common(account, input.clientRequestId),
        };
      }),
    );
    r.post(
      '/ppp/api/v1/openOrder.do',
      handle(openOrderSchema, (i) => this.openOrder(i)),
    );
    r.post(
      '/ppp/api/v1/payment.do',
      handle(paymentSchema, (i) => this.payment(i), tokenOf),
    );
    r.post(
      '/ppp/api/v1/getPaymentStatus.do',
      handle(statusSchema, (i) => this.getPaymentStatus(i), tokenOf),
    );
    r.post(
      '/ppp/api/v1/settleTransaction.do',
      handle(relatedSchema, (i) => this.settle(i)),
    );
    r.post(
      '/ppp/api/v1/voidTransaction.do',
      handle(relatedSchema, (i) => this.void(i)),
    );
    r.post(
      '/ppp/api/v1/getTransactionDetails.do',
      handle(detailsSchema, (i) => this.getTransactionDetails(i)),
    );
    r.use((_req, res) => {
      res.status(404).json({
        status: 'ERROR',
        errCode: 1066,
        reason: 'Invalid request: unknown method',
        version: '1.0',
      });
    });
    return r;
  }
}
