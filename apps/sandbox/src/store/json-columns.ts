import type { Billing, WebhookFaultSpec } from '@accrupay/contracts';
import type { Selectable } from 'kysely';
import type { EventSnapshot } from './events.ts';
import type { Database } from './schema.ts';

/**
 * The columns stored as JSON text (schema.ts keeps them strings) and handed to the domain as
 * values (store.ts): every read of these tables parses them, every write serialises them, so
 * that no JSON of a row is parsed or written outside the store.
 */
export interface JsonColumns {
  /** The origins allowed to use the public API and frame the card fields. */
  merchants: { allowed_origins: string[] };
  /** The credentials of the merchant's account at the provider (opened from the secret box first). */
  merchant_transaction_providers: { credentials: Record<string, unknown> };
  /** The session's data for the React SDK. */
  client_sessions: { payload: Record<string, unknown>; billing: Billing | null };
  /** The event types an endpoint takes, or ["*"]. */
  webhook_endpoints: { enabled_events: string[] };
  /** The row (and a session's transactions) after the change, as stored. */
  events: { snapshot: EventSnapshot };
  /** The faults that shape a delivery's sends. */
  webhook_deliveries: { faults: WebhookFaultSpec[] | null };
  webhook_attempts: { request_headers: Record<string, string> };
  webhook_faults: { spec: WebhookFaultSpec };
}

type JsonTable = keyof JsonColumns;

/** A row as stored: its JSON columns text. */
export type StoredRow<T extends JsonTable> = Selectable<Database[T]>;

/** A row as the domain sees it: its JSON columns parsed. */
export type ParsedRow<T extends JsonTable> = Omit<StoredRow<T>, keyof JsonColumns[T]> &
  JsonColumns[T];

/** Values to write, their JSON columns serialised. */
type Serialised<T extends JsonTable, V> = {
  [K in keyof V]: K extends keyof JsonColumns[T] ? string : V[K];
};

/** Every JSON column of every table: the compiler asks for each one JsonColumns names. */
const COLUMNS: { [T in JsonTable]: Record<keyof JsonColumns[T], true> } = {
  merchants: { allowed_origins: true },
  merchant_transaction_providers: { credentials: true },
  client_sessions: { payload: true, billing: true },
  webhook_endpoints: { enabled_events: true },
  events: { snapshot: true },
  webhook_deliveries: { faults: true },
  webhook_attempts: { request_headers: true },
  webhook_faults: { spec: true },
};

function convert(table: JsonTable, values: object, to: (value: never) => unknown) {
  const out: Record<string, unknown> = { ...values };
  for (const column of Object.keys(COLUMNS[table])) {
    // SQL null stays null both ways (a nullable JSON column holds no JSON text "null").
    if (out[column] !== undefined && out[column] !== null) out[column] = to(out[column] as never);
  }
  return out;
}

/** A stored row of `table`, its JSON columns parsed. */
export function parseRow<T extends JsonTable>(table: T, row: StoredRow<T>): ParsedRow<T> {
  return convert(table, row, JSON.parse) as ParsedRow<T>;
}

/** Same, for a row that may be missing. */
export function parseRowIfAny<T extends JsonTable>(
  table: T,
  row: StoredRow<T> | undefined,
): ParsedRow<T> | undefined {
  return row && parseRow(table, row);
}

/** Values to insert or set in `table`, its JSON columns among them serialised. */
export function serialiseRow<T extends JsonTable, V extends Partial<ParsedRow<T>>>(
  table: T,
  values: V,
): Serialised<T, V> {
  return convert(table, values, JSON.stringify) as Serialised<T, V>;
}
