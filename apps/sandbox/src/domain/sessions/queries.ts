import type { BaseConfigQuery, ClientSessionWire } from '@accrupay/contracts';
import type {
  MerchantRow,
  MerchantTransactionProviderRow,
  SessionFilters,
  SessionLookup,
  SessionRow,
} from '../../store/store.ts';
import type { DomainContext } from '../context.ts';
import { notFound, RouterError } from '../errors.ts';
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

export async function listSessionConnection(
  ctx: DomainContext,
  merchant: MerchantRow,
  filters: SessionFilters,
  page: { first: number; after?: string | undefined },
) {
  const after = page.after === undefined ? undefined : decodeCursor(page.after);
  const { rows, total, hasNextPage } = await ctx.store.listSessionsAfter(merchant.id, filters, {
    first: page.first,
    after,
  });
  const nodes = await sessionWires(ctx, rows);
  const edges = rows.map((row, index) => ({
    node: nodes[index] as ClientSessionWire,
    cursor: encodeCursor({ createdAt: row.created_at, id: row.id }),
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: total,
  };
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

/** Cursors are opaque to merchants: base64url of created_at and id. */
export function encodeCursor(cursor: { createdAt: string; id: string }): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [createdAt, id] = text.split('|');
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt))) {
    throw new RouterError('VALIDATION_ERROR', 'after is not a cursor this API returned', {
      issues: [{ path: 'after', message: 'must be an endCursor from a previous page' }],
    });
  }
  return { createdAt, id };
}
