import type { PaymentIntentStatus, PaymentStatus, WebhookEventType } from '@accrupay/contracts';
import type { Kysely, Selectable } from 'kysely';
import { changed, type StoreContext, written } from './context.ts';
import { forUpdate, inTransaction, type ResourceObjectType, writeResourceEvent } from './events.ts';
import type { Database, PaymentIntentTable, PaymentTable } from './schema.ts';

/** A Payment (document 004) as stored; its status typed by the contract's PaymentStatus. */
export type PaymentRow = Selectable<PaymentTable>;
/** A Payment Intent as stored. */
export type PaymentIntentRow = Selectable<PaymentIntentTable>;

/** The columns a Payment's compare-and-set may change (everything Accrue may tell later). */
export type PaymentPatch = Partial<
  Omit<PaymentRow, 'id' | 'merchant_id' | 'payment_intent_id' | 'created_at'>
> & { updated_at: string };
/** The columns a Payment Intent's compare-and-set may change. */
export type PaymentIntentPatch = Partial<
  Pick<PaymentIntentRow, 'status' | 'payment_id' | 'expires_at'>
> & { updated_at: string };

/** The event a write sends: its type, and the JSON:API resource of the row after the change. */
export interface ResourceEvent<Row> {
  type: WebhookEventType | null;
  render: (row: Row) => Record<string, unknown>;
}

/** Document 004's rows: Payment Intents and Payments, each status change with its outbox event. */
export interface PaymentIntentQueries {
  findPaymentIntent(merchantId: string, id: string): Promise<PaymentIntentRow | undefined>;
  findPayment(merchantId: string, id: string): Promise<PaymentRow | undefined>;
  /** Inserts an intent first seen, with its event, in one database transaction; false when it was known. */
  insertPaymentIntent(
    row: PaymentIntentRow,
    event: ResourceEvent<PaymentIntentRow>,
  ): Promise<boolean>;
  /** Inserts a payment first seen, with its event; false when it was known. */
  insertPayment(row: PaymentRow, event: ResourceEvent<PaymentRow>): Promise<boolean>;
  /**
   * Compare-and-set: `UPDATE payment_intents ... WHERE id = ? AND status IN (from)`, with the
   * event of the change in the same database transaction; the row after, or undefined.
   */
  updatePaymentIntentIf(
    id: string,
    from: readonly PaymentIntentStatus[],
    patch: PaymentIntentPatch,
    event: ResourceEvent<PaymentIntentRow>,
  ): Promise<PaymentIntentRow | undefined>;
  /** Compare-and-set of a payment: `UPDATE payments ... WHERE id = ? AND status IN (from)`. */
  updatePaymentIf(
    id: string,
    from: readonly PaymentStatus[],
    patch: PaymentPatch,
    event: ResourceEvent<PaymentRow>,
  ): Promise<PaymentRow | undefined>;
}

const PAYMENT_PATCHABLE = [
  'amount',
  'amount_captured',
  'currency',
  'status',
  'capture_method',
  'payment_method',
  'description',
  'failure_code',
  'failure_message',
  'authorized_at',
  'captured_at',
  'succeeded_at',
  'settled_at',
  'canceled_at',
  'failed_at',
  'updated_at',
] as const satisfies readonly (keyof PaymentPatch)[];
const INTENT_PATCHABLE = [
  'status',
  'payment_id',
  'expires_at',
  'updated_at',
] as const satisfies readonly (keyof PaymentIntentPatch)[];

function only<T extends object>(patch: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(
    Object.entries(patch).filter(([key, value]) => keys.includes(key) && value !== undefined),
  ) as Partial<T>;
}

type ResourceTable = 'payments' | 'payment_intents';
type AnyRow = { id: string; merchant_id: string; status: string; updated_at: string };
const OBJECT_TYPE: Record<ResourceTable, ResourceObjectType> = {
  payments: 'payment',
  payment_intents: 'payment_intent',
};

/** The queries of document 004's tables. */
export function paymentIntentQueries(ctx: StoreContext): PaymentIntentQueries {
  const { db } = ctx;
  // Inside a caller's transaction, the caller tells once it has committed.
  const told = (wrote: boolean) => {
    if (wrote && !db.isTransaction) ctx.onEvent?.();
  };

  async function insertOnce<T extends ResourceTable>(
    table: T,
    row: Selectable<Database[T]>,
    event: ResourceEvent<Selectable<Database[T]>>,
  ): Promise<boolean> {
    let wrote = false;
    const common = row as AnyRow;
    const inserted = await inTransaction(db, async (trx) => {
      const result = await trx
        .insertInto(table)
        .values(row as never)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (!written(result)) return false;
      if (event.type !== null) {
        wrote = await writeResourceEvent(trx, {
          merchantId: common.merchant_id,
          objectType: OBJECT_TYPE[table],
          objectId: common.id,
          type: event.type,
          resource: event.render(row),
          previous: null,
          at: common.updated_at,
        });
      }
      return true;
    });
    told(wrote);
    return inserted;
  }

  async function updateIf<T extends ResourceTable>(
    table: T,
    id: string,
    from: readonly string[],
    values: Record<string, unknown>,
    event: ResourceEvent<Selectable<Database[T]>>,
  ): Promise<Selectable<Database[T]> | undefined> {
    if (from.length === 0) return undefined;
    let wrote = false;
    const after = await inTransaction(db, async (trx: Kysely<Database>) => {
      const before = (await forUpdate(
        ctx.dialect,
        trx
          .selectFrom(table as ResourceTable)
          .selectAll()
          .where('id', '=', id),
      ).executeTakeFirst()) as AnyRow | undefined;
      if (before === undefined || !from.includes(before.status)) return undefined;
      const result = await trx
        .updateTable(table as ResourceTable)
        .set(values)
        .where('id', '=', id)
        .where('status', 'in', from as never[])
        .executeTakeFirst();
      if (!changed(result)) return undefined;
      const row = { ...before, ...values } as AnyRow;
      if (event.type !== null && row.status !== before.status) {
        wrote = await writeResourceEvent(trx, {
          merchantId: row.merchant_id,
          objectType: OBJECT_TYPE[table],
          objectId: row.id,
          type: event.type,
          resource: event.render(row as Selectable<Database[T]>),
          previous: before.status,
          at: row.updated_at,
        });
      }
      return row as Selectable<Database[T]>;
    });
    told(wrote);
    return after;
  }

  return {
    findPaymentIntent: (merchantId, id) =>
      db
        .selectFrom('payment_intents')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    findPayment: (merchantId, id) =>
      db
        .selectFrom('payments')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    insertPaymentIntent: (row, event) => insertOnce('payment_intents', row, event),
    insertPayment: (row, event) => insertOnce('payments', row, event),
    updatePaymentIntentIf: (id, from, patch, event) =>
      updateIf('payment_intents', id, from, only(patch, INTENT_PATCHABLE), event),
    updatePaymentIf: (id, from, patch, event) =>
      updateIf('payments', id, from, only(patch, PAYMENT_PATCHABLE), event),
  };
}

/** Everything document 004 needs of the store. */
export type PaymentIntentStore = PaymentIntentQueries &
  import('./provider-accounts.ts').AccrueAccountQueries &
  import('./merchants.ts').ClientCredentialQueries;
