import {
  type ClientTransactionSessionStatus,
  sessionStatusesLeadingTo,
  type TransactionStatus,
  transactionStatusesLeadingTo,
} from '@accrupay/contracts';
import type { SessionPatch, TransactionPatch } from '../store/store.ts';
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

/** Moves a session to `to`, from whichever status may lead there. */
export const moveSession: Move<ClientTransactionSessionStatus, SessionPatch> = (
  ctx,
  id,
  to,
  patch,
) => ctx.store.updateSessionIf(id, sessionStatusesLeadingTo(to), { ...patch, status: to });

/** Moves a transaction to `to`, from whichever status may lead there. */
export const moveTransaction: Move<TransactionStatus, TransactionPatch> = (ctx, id, to, patch) =>
  ctx.store.updateTransactionIf(id, transactionStatusesLeadingTo(to), { ...patch, status: to });

/** moveTransaction for a REFUND: a SUCCEEDED one adds its amount to its payment's refunded total. */
export const moveRefund: Move<TransactionStatus, TransactionPatch> = (ctx, id, to, patch) =>
  ctx.store.finishRefund(id, transactionStatusesLeadingTo(to), { ...patch, status: to });

/** Updates a transaction's other fields only while it is still in `status`: no status change. */
export function patchTransactionWhile(
  ctx: DomainContext,
  transactionId: string,
  status: TransactionStatus,
  patch: Omit<TransactionPatch, 'status'>,
): Promise<boolean> {
  return ctx.store.updateTransactionIf(transactionId, [status], patch);
}
