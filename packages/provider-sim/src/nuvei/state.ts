import type { SimCore } from '../core.ts';
import { freshId, randomNumeric } from '../ids.ts';
import type { LedgerEvent } from '../ledger.ts';
import type { SessionKeys } from '../scenarios.ts';
import type { Table } from '../store.ts';

export type TxnStatus = 'APPROVED' | 'DECLINED' | 'ERROR' | 'REDIRECT';
export type TxnType = 'Auth' | 'Sale' | 'Settle' | 'Void' | 'Credit';

export interface CardOnTxn {
  bin: string;
  last4: string;
  expMonth: string;
  expYear: string;
  name: string;
}

export interface NuveiTxn {
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
  /** On a Sale or Settle: what its approved Credits (refunds) gave back, in minor units (absent: nothing). */
  refundedMinor?: number;
  /** The merchant's reference the request carried (the order's for a payment without one). */
  clientUniqueId: string;
  accountId: string;
  createdMs: number;
  card: CardOnTxn | undefined;
}

export interface NuveiOrder {
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
  /** The order's Credit (refund) transactions; kept apart from its payments, which getPaymentStatus reports (absent: none). */
  creditTxnIds?: string[];
  pending: { number: string; upoId: string } | undefined;
}

/** A stored card (user payment option) of one user token. */
export interface Upo {
  userPaymentOptionId: string;
  userTokenId: string;
  accountId: string;
  number: string;
  expMonth: string;
  expYear: string;
  name: string;
}

/** The card a payment is made with: typed in, or a stored UPO's. */
export interface CardSource {
  number: string;
  expMonth: string;
  expYear: string;
  name: string;
  upoId?: string;
}

/** A refusal in Nuvei's words: a 200 answer with `status: 'ERROR'`, this errCode and reason. */
export class NuveiApiError extends Error {
  constructor(
    readonly errCode: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Nuvei's masked card number: the first digit, four stars and the last four. */
export function maskedCard(card: CardOnTxn | undefined): string {
  return card ? `${card.bin.slice(0, 1)}****${card.last4}` : '';
}

function cuidKey(accountId: string, clientUniqueId: string): string {
  return `${accountId}\u0000${clientUniqueId}`;
}

/**
 * The Nuvei simulator's state: its durable tables (orders, transactions, stored cards), the
 * indexes rebuilt from them at load, the session token's expiry and the lookups every resource
 * shares.
 */
export class NuveiState {
  readonly orders: Table<NuveiOrder>;
  readonly txns: Table<NuveiTxn>;
  readonly upos: Table<Upo>;
  /** Derived (rebuilt at load): session token to orderId. */
  private readonly byToken = new Map<string, string>();
  /** Derived: the latest transaction carrying each (account, clientUniqueId). */
  private readonly byClientUniqueId = new Map<string, string>();
  /** Where the simulator is served (for the 3-D Secure acsUrl). */
  baseUrl = '';

  constructor(readonly core: SimCore) {
    this.orders = core.store.table('nuvei.orders');
    this.txns = core.store.table('nuvei.transactions');
    this.upos = core.store.table('nuvei.upos');
    core.onLoad(() => {
      for (const order of this.orders.values()) {
        this.byToken.set(order.sessionToken, order.orderId);
        if (!order.expired) this.armExpiry(order);
      }
      for (const txn of this.txns.values()) {
        if (txn.clientUniqueId) {
          this.byClientUniqueId.set(cuidKey(txn.accountId, txn.clientUniqueId), txn.transactionId);
        }
      }
    });
  }

  /** Forgets the derived indexes (on reset; the core clears the tables). */
  clearIndexes(): void {
    this.byToken.clear();
    this.byClientUniqueId.clear();
  }

  /** A fresh id of `digits` digits that `table` does not hold yet. */
  freshNumeric(digits: number, table: { has(id: string): boolean }): string {
    return freshId(
      () => randomNumeric(digits),
      (id) => table.has(id),
    );
  }

  /** Stores a new order and expires its session token `ttl.nuvei.sessionTokenMs` after it was opened. */
  addOrder(order: NuveiOrder): void {
    this.orders.set(order.orderId, order);
    this.byToken.set(order.sessionToken, order.orderId);
    this.armExpiry(order);
  }

  /** Expires the session token at its due time on the clock (by id, so that it also works after a restart). */
  private armExpiry(order: NuveiOrder): void {
    const { orderId } = order;
    this.core.scheduler.schedule(
      order.createdMs + this.core.options.ttl.nuvei.sessionTokenMs,
      () => {
        const due = this.orders.get(orderId);
        if (due) this.expireIfDue(due);
      },
    );
  }

  /** Marks the order expired once its token's time is up, unless a payment is approved. */
  expireIfDue(order: NuveiOrder): void {
    const ttl = this.core.options.ttl.nuvei.sessionTokenMs;
    if (order.expired || this.core.clock.now() < order.createdMs + ttl) return;
    const last = this.lastPayment(order, true);
    if (
      !last ||
      last.status === 'REDIRECT' ||
      last.status === 'DECLINED' ||
      last.status === 'ERROR'
    ) {
      this.orders.set(order.orderId, order);
      order.expired = true;
      order.pending = undefined;
    }
  }

  /** The order of a session token, if any, marked for saving unless `readOnly`. */
  findByToken(token: string, readOnly: boolean): NuveiOrder | undefined {
    const id = this.byToken.get(token);
    if (!id) return undefined;
    return readOnly ? this.orders.peek(id) : this.orders.get(id);
  }

  /** The order of a session token, marked for saving unless `readOnly` (a status read; an expiry it triggers saves itself). */
  orderByToken(token: string, accountId?: string, readOnly = false): NuveiOrder {
    const order = this.findByToken(token, readOnly);
    if (!order || (accountId && order.accountId !== accountId)) {
      throw new NuveiApiError(1065, 'Invalid token');
    }
    this.expireIfDue(order);
    return order;
  }

  /** The latest transaction whose request carried this clientUniqueId, for this account. */
  txnByClientUniqueId(accountId: string, clientUniqueId: string): NuveiTxn | undefined {
    const id = this.byClientUniqueId.get(cuidKey(accountId, clientUniqueId));
    return id ? this.txns.peek(id) : undefined;
  }

  /** The order's last payment-like transaction (payment, settle or void). */
  lastPayment(order: NuveiOrder, readOnly = false): NuveiTxn | undefined {
    const id = order.paymentTxnIds.at(-1);
    if (!id) return undefined;
    return readOnly ? this.txns.peek(id) : this.txns.get(id);
  }

  /** A new APPROVED transaction on the order, stored and indexed by its clientUniqueId. */
  newTxn(
    order: NuveiOrder,
    type: TxnType,
    amount: string,
    amountMinor: number,
    clientUniqueId: string,
    source?: CardSource,
  ): NuveiTxn {
    const txn: NuveiTxn = {
      transactionId: this.freshNumeric(19, this.txns),
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

  /** Writes what really happened to a transaction of the order to the ledger; a Credit names the transaction it refunds (`relatedRef`). */
  record(order: NuveiOrder, txn: NuveiTxn, event: LedgerEvent): void {
    this.core.ledger.record(
      {
        provider: 'nuvei',
        accountId: order.accountId,
        currency: txn.currency,
        providerRef: txn.transactionId,
        merchantRef: order.clientUniqueId || undefined,
        token: order.sessionToken,
        ...(txn.type === 'Credit' ? { relatedRef: txn.relatedTransactionId } : {}),
      },
      event,
    );
  }

  /** What scenarios match for this order. */
  keys(order: NuveiOrder): SessionKeys {
    return {
      provider: 'nuvei',
      tokens: [order.sessionToken],
      providerRefs: [order.orderId, ...order.paymentTxnIds, ...(order.creditTxnIds ?? [])],
      merchantRef: order.clientUniqueId || undefined,
    };
  }

  /** The status reported for the order: an unmappable_status scenario's, or the real one. */
  reportedStatus(order: NuveiOrder, status: string): string {
    return this.core.unmappableStatus('nuvei', this.keys(order)) ?? status;
  }
}
