import {
  type ClientTransactionSessionStatus,
  sessionStatusesLeadingTo,
  type TransactionStatus,
  transactionStatusesLeadingTo,
} from '@accrupay/contracts';
import type {
  GuardedUpdate,
  SessionPatch,
  SessionRow,
  TransactionPatch,
  TransactionRow,
} from '../store/store.ts';
import type { DomainContext } from './context.ts';

/**
 * Every status write of the router goes through here: the caller names the TARGET status, and
 * the compare-and-set's allowed sources come from the contract's state machine
 * (packages/contracts/src/state-machine.ts), so no write can take a transition the machine has
 * not got. Each returns whether the row moved (false: it was not in a status leading there).
 */

/** A status write: the row's id, its target status, and the other fields to set with it. */
type Move<Status, Patch> = (
  ctx: DomainContext,
  id: string,
  to: Status,
  patch: Omit<Patch, 'status'>,
) => Promise<boolean>;

/** The write of a session to `to`, from whichever status may lead there (for {@link moveTogether}). */
export function sessionMove(
  id: string,
  to: ClientTransactionSessionStatus,
  patch: Omit<SessionPatch, 'status'>,
  observed?: ClientTransactionSessionStatus,
): GuardedUpdate & { table: 'client_sessions' } {
  return {
    table: 'client_sessions',
    id,
    from: sessionStatusesLeadingTo(to),
    patch: { ...patch, status: to },
    observed,
  };
}

/**
 * The write of a transaction to `to`, from whichever status may lead there; `observed`, the status
 * the caller read it in, is tried first (see updateRowIf in store/context.ts).
 */
export function transactionMove(
  id: string,
  to: TransactionStatus,
  patch: Omit<TransactionPatch, 'status'>,
  observed?: TransactionStatus,
): GuardedUpdate & { table: 'transactions' } {
  return {
    table: 'transactions',
    id,
    from: transactionStatusesLeadingTo(to),
    patch: { ...patch, status: to },
    observed,
  };
}

/** The write of a transaction's other fields while it is still in `status`: no status change. */
export function transactionPatchWhile(
  id: string,
  status: TransactionStatus,
  patch: Omit<TransactionPatch, 'status'>,
): GuardedUpdate & { table: 'transactions' } {
  return { table: 'transactions', id, from: [status], patch };
}

/** Moves a session to `to`, from whichever status may lead there. */
export const moveSession: Move<ClientTransactionSessionStatus, SessionPatch> = (
  ctx,
  id,
  to,
  patch,
) => {
  const move = sessionMove(id, to, patch);
  return ctx.store.updateSessionIf(move.id, move.from, move.patch);
};

/** Moves a transaction to `to`, from whichever status may lead there. */
export const moveTransaction: Move<TransactionStatus, TransactionPatch> = (ctx, id, to, patch) => {
  const move = transactionMove(id, to, patch);
  return ctx.store.updateTransactionIf(move.id, move.from, move.patch);
};

/** moveTransaction for a REFUND: a SUCCEEDED one adds its amount to its payment's refunded total. */
export const moveRefund: Move<TransactionStatus, TransactionPatch> = (ctx, id, to, patch) => {
  const move = transactionMove(id, to, patch);
  return ctx.store.finishRefund(move.id, move.from, move.patch);
};

/** Updates a transaction's other fields only while it is still in `status`: no status change. */
export function patchTransactionWhile(
  ctx: DomainContext,
  transactionId: string,
  status: TransactionStatus,
  patch: Omit<TransactionPatch, 'status'>,
): Promise<boolean> {
  const write = transactionPatchWhile(transactionId, status, patch);
  return ctx.store.updateTransactionIf(write.id, write.from, write.patch);
}

/** What a write of {@link moveTogether} left: its row as written, or undefined (not moved or not asked). */
type Written<W> = W extends { table: 'client_sessions' }
  ? SessionRow | undefined
  : W extends { table: 'transactions' }
    ? TransactionRow | undefined
    : undefined;

/**
 * Several of the writes above in one database transaction, in order (each still a compare-and-set
 * of its own; undefined: none): per write, its row as written, or undefined when it did not move.
 * What verify records of one answer of the provider, the transaction's outcome and its session's,
 * commits at once or not at all.
 */
export async function moveTogether<const W extends readonly (GuardedUpdate | undefined)[]>(
  ctx: DomainContext,
  writes: W,
): Promise<{ -readonly [K in keyof W]: Written<W[K]> }> {
  const asked = writes.filter((write) => write !== undefined);
  const written = await ctx.store.updateAllIf(asked);
  let next = 0;
  return writes.map((write) => (write === undefined ? undefined : written[next++])) as {
    -readonly [K in keyof W]: Written<W[K]>;
  };
}
