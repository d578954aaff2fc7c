import { z } from 'zod';
import { optionalStrings } from './http.ts';
import { PROVIDERS, type Provider } from './provider.ts';
import type { Table } from './store.ts';

export const LEDGER_KINDS = [
  'authorization',
  'capture',
  'charge',
  'void',
  'decline',
  'error',
  'verification',
  'refund',
  'refund_failed',
  'settlement',
  'transfer_failed',
  'transfer_returned',
] as const;

export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** One thing the provider really did, whatever its callbacks said. */
export interface LedgerEntry {
  id: string;
  at: string;
  provider: Provider;
  accountId: string;
  kind: LedgerKind;
  amount: number;
  currency: string;
  providerRef: string;
  merchantRef: string | undefined;
  token: string | undefined;
  detail?: string | undefined;
  /**
   * On a `refund` or `refund_failed` entry: the provider reference of the payment it refunds (the
   * `providerRef` of its `charge` or `capture` entry), so that a payment's refunds can be found.
   */
  relatedRef?: string | undefined;
}

/** What every entry about one payment (intent, order, transaction) repeats; a refund adds the payment it refunds. */
export type LedgerSubject = Pick<
  LedgerEntry,
  'provider' | 'accountId' | 'currency' | 'providerRef' | 'merchantRef' | 'token'
> &
  Partial<Pick<LedgerEntry, 'relatedRef'>>;

/** What one entry adds to its subject. */
export interface LedgerEvent {
  kind: LedgerKind;
  amount: number;
  detail?: string | undefined;
}

/** The fields the ledger can be filtered on (the library's `ledger(filter)` and `GET /__sim/ledger`). */
export const LEDGER_FILTER_FIELDS = [
  'provider',
  'kind',
  'merchantRef',
  'providerRef',
  'token',
  'accountId',
  'relatedRef',
] as const;

export type LedgerFilter = Partial<Pick<LedgerEntry, (typeof LEDGER_FILTER_FIELDS)[number]>>;

/** The query of `GET /__sim/ledger`: every filter field a string, `provider` one of the providers. */
export const ledgerQuerySchema = z
  .object({
    ...optionalStrings(LEDGER_FILTER_FIELDS),
    provider: z.enum(PROVIDERS).optional(),
  })
  .strict();

/** True when the entry has every value the filter gives (an undefined value filters nothing). */
export function matchesLedgerFilter(entry: LedgerEntry, filter: LedgerFilter): boolean {
  return Object.entries(filter).every(
    ([k, v]) => v === undefined || entry[k as keyof LedgerEntry] === v,
  );
}

/** The ledger: the one place an entry is written, stamped with a fresh id and the clock's time. */
export class Ledger {
  constructor(
    private readonly table: Table<LedgerEntry>,
    private readonly stamp: () => { id: string; at: string },
  ) {}

  /** Writes one entry as given. */
  add(entry: Omit<LedgerEntry, 'id' | 'at'>): LedgerEntry {
    const full: LedgerEntry = { ...this.stamp(), ...entry };
    this.table.set(full.id, full);
    return full;
  }

  /** Writes what happened to `subject`. */
  record(subject: LedgerSubject, event: LedgerEvent): LedgerEntry {
    return this.add({
      provider: subject.provider,
      accountId: subject.accountId,
      kind: event.kind,
      amount: event.amount,
      currency: subject.currency,
      providerRef: subject.providerRef,
      merchantRef: subject.merchantRef,
      token: subject.token,
      ...('detail' in event ? { detail: event.detail } : {}),
      ...(subject.relatedRef !== undefined ? { relatedRef: subject.relatedRef } : {}),
    });
  }

  entries(filter: LedgerFilter = {}): LedgerEntry[] {
    return [...this.table.values()].filter((e) => matchesLedgerFilter(e, filter));
  }
}
