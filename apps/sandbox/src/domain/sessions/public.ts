import type { PublicClientSessionWire } from '@accrupay/contracts';
import type { SessionLookup, SessionRow } from '../../store/store.ts';
import { type DomainContext, nowIso } from '../context.ts';
import { notFound } from '../errors.ts';
import { merchantByPublicId } from '../merchants.ts';
import { baseConfigOf, providerRecordOfSession } from '../provider-accounts.ts';
import { moveSession } from '../transitions.ts';
import { sessionToPublicWire } from '../views.ts';
import { describeLookup } from './queries.ts';

/** The browser's reads (public API, by merchantPublicId): what it may see of a CLIENT session. */

type PublicQuery = { token?: string | undefined; id?: string | undefined };

async function publicSessionRow(
  ctx: DomainContext,
  publicId: string,
  query: PublicQuery,
): Promise<SessionRow> {
  const merchant = await merchantByPublicId(ctx, publicId);
  const lookup: SessionLookup =
    query.token !== undefined ? { token: query.token } : { id: query.id as string };
  const session = await ctx.store.findSession(merchant.id, lookup);
  if (session?.kind !== 'CLIENT' || session.token === null) {
    throw notFound(`Session ${describeLookup(lookup)}`);
  }
  return session;
}

/** What the browser may see; the first read moves PENDING to ACTIVE. */
export async function publicSession(
  ctx: DomainContext,
  publicId: string,
  query: PublicQuery,
): Promise<PublicClientSessionWire> {
  let session = await publicSessionRow(ctx, publicId, query);
  if (session.status === 'PENDING') {
    await moveSession(ctx, session.id, 'ACTIVE', { updated_at: nowIso(ctx) });
    session = (await ctx.store.findSession(session.merchant_id, { id: session.id })) ?? session;
  }
  return sessionToPublicWire(session);
}

export async function publicBaseConfig(ctx: DomainContext, publicId: string, query: PublicQuery) {
  const session = await publicSessionRow(ctx, publicId, query);
  return baseConfigOf(ctx, await providerRecordOfSession(ctx, session), session.id);
}
