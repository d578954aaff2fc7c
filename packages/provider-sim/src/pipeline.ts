import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { SimCore } from './core.ts';
import type { Provider } from './provider.ts';
import type { SessionKeys } from './scenarios.ts';
import type { Table } from './store.ts';

/** What one provider call answers: an HTTP status and a JSON body. */
export interface Answer {
  status: number;
  body: unknown;
}

/** An answer kept under an idempotency key, with the digest of the request that made it. */
export interface IdempotencyRecord {
  hash: string;
  status: number;
  body: unknown;
}

/** How a provider keeps idempotent requests: where, under which key, and what a misused key answers. */
export interface Idempotency {
  table: Table<IdempotencyRecord>;
  /** The key as stored (scoped to the account); undefined when the request carries none. */
  key: string | undefined;
  /** The digest of what the request asks (see `requestDigest`); a key reused with another is refused. */
  hash: string;
  /** The provider's answer to a key reused with other parameters. */
  conflict: Answer;
  /** The header marking a replayed answer. */
  replayedHeader: string;
}

/** One provider call as the pipeline runs it. */
export interface ProviderCall {
  provider: Provider;
  /** The session the call is about, for the scenarios' targets; a lookup that throws targets nothing. */
  keys?: (() => SessionKeys | undefined) | undefined;
  /** How the provider answers a simulated 5xx (its own error page or body). */
  sendFault(res: Response, status: number): void;
  /** The call itself, the provider's own refusals included; an exception it throws is a simulator bug. */
  run(): Answer;
  idempotency?: Idempotency | undefined;
}

/** The digest of a request's path and body, for an idempotency key. */
export function requestDigest(req: Request): string {
  return createHash('sha256')
    .update(`${req.path}:${JSON.stringify(req.body ?? {})}`)
    .digest('hex');
}

/**
 * Every provider call goes through here: the API fault scenarios (a 5xx, or a timeout held before
 * or after the call took effect), the idempotency cache, then the call, then its answer.
 */
export function answerCall(core: SimCore, res: Response, call: ProviderCall): void {
  let keys: SessionKeys | undefined;
  try {
    keys = call.keys?.();
  } catch {
    keys = undefined;
  }
  const fault = core.apiFault(call.provider, keys);
  if (fault.kind === 'error') {
    call.sendFault(res, fault.status);
    return;
  }
  if (fault.kind === 'timeout' && !fault.applied) {
    core.hold(res, fault.holdMs);
    return;
  }
  const answer = call.idempotency ? idempotent(res, call.idempotency, call.run) : call.run();
  core.kick();
  if (fault.kind === 'timeout') {
    core.hold(res, fault.holdMs);
    return;
  }
  res.status(answer.status).json(answer.body);
}

/** Replays the answer kept under the key (refusing other parameters), else runs and keeps it (not a 5xx). */
function idempotent(res: Response, idem: Idempotency, run: () => Answer): Answer {
  const cached = idem.key ? idem.table.peek(idem.key) : undefined;
  if (cached) {
    if (cached.hash !== idem.hash) return idem.conflict;
    res.set(idem.replayedHeader, 'true');
    return { status: cached.status, body: cached.body };
  }
  const answer = run();
  if (idem.key && answer.status < 500) {
    idem.table.set(idem.key, { hash: idem.hash, status: answer.status, body: answer.body });
  }
  return answer;
}
