import type { BaseConfigQuery, ClientSessionWire } from '@accrupay/contracts';
import type {
  MerchantRow,
  MerchantTransactionProviderRow,
  SessionFilters,
  SessionLookup,
  SessionRow,
} from '../../store/store.ts';
import type { DomainContext } from '../context.ts';
import { notFound } from '../errors.ts';
import { sessionConnection } from '../listing.ts';
import { baseConfigOf, providerRecordOfSession, resolveProvider } from '../provider-accounts.ts';
import { merchantList, sessionWire, sessionWires } from '../views.ts';

/** The merchant's reads of sessions: one, a page (offset or cursor), and the provider config. */

export function describeLookup(lookup: SessionLookup): string {
  const [key, value] = Object.entries(lookup)[0] ?? ['?', '?'];
  return `with ${key} ${value}`;
}

export async function mustFindSession(
  ctx: DomainContext,
  merchantId: string,
  lookup: SessionLookup,
): Promise<SessionRow> {
  const session = await ctx.store.findSession(merchantId, lookup);
  if (!session) throw notFound(`Session ${describeLookup(lookup)}`);
  return session;
}

export async function getSession(
  ctx: DomainContext,
  merchant: MerchantRow,
  lookup: SessionLookup,
): Promise<ClientSessionWire> {
  return sessionWire(ctx, await mustFindSession(ctx, merchant.id, lookup));
}

export const listSessions = merchantList(
  (store, merchantId, filters: SessionFilters, page) =>
    store.listSessions(merchantId, filters, page),
  sessionWires,
);

/** Document 003's connection over REST: the `first` sessions after the cursor, newest first. */
export function listSessionConnection(
  ctx: DomainContext,
  merchant: MerchantRow,
  filters: SessionFilters,
  page: { first: number; after?: string | undefined },
) {
  return sessionConnection(ctx, merchant, filters, page);
}

/** The billing contact of each of the merchant's sessions named, in one read. */
export async function billingOfSessions(
  ctx: DomainContext,
  merchant: MerchantRow,
  ids: readonly string[],
): Promise<Map<string, SessionRow['billing']>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const { rows } = await ctx.store.sessionWindow(
    merchant.id,
    { ids: unique },
    { order: 'desc', limit: unique.length, skip: 0, backwards: false },
  );
  return new Map(rows.map((row) => [row.id, row.billing]));
}

export async function baseConfig(
  ctx: DomainContext,
  merchant: MerchantRow,
  query: BaseConfigQuery,
) {
  let session: SessionRow | undefined;
  let mtp: MerchantTransactionProviderRow;
  if (query.id !== undefined || query.merchantInternalTransactionCode !== undefined) {
    session = await mustFindSession(
      ctx,
      merchant.id,
      query.id !== undefined
        ? { id: query.id }
        : { merchantInternalTransactionCode: query.merchantInternalTransactionCode as string },
    );
    mtp = await providerRecordOfSession(ctx, session);
  } else {
    mtp = await resolveProvider(ctx, merchant, query);
  }
  return baseConfigOf(ctx, mtp, session?.id ?? null);
}
