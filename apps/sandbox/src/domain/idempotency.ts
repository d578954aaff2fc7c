import type { Store } from '../store/store.ts';
import { type Clock, isoAt } from './clock.ts';
import { RouterError } from './errors.ts';
import { canonicalJson, sha256Hex } from './ids.ts';

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

export type IdempotencyClaim =
  | {
      kind: 'claimed';
      complete(status: number, body: string): Promise<void>;
      release(): Promise<void>;
    }
  | { kind: 'replay'; status: number; body: string };

/**
 * The Idempotency-Key rules: the same key and request replays the stored answer; the same key
 * with another request is 422; a request still in flight with that key is 409. Keys are per
 * merchant and kept 24 hours by the clock.
 */
export class IdempotencyKeys {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async claim(
    merchantId: string,
    key: string,
    request: { method: string; path: string; body: unknown },
  ): Promise<IdempotencyClaim> {
    const requestHash = sha256Hex(canonicalJson(request));
    const now = this.clock.now();
    const result = await this.store.claimIdempotencyKey({
      merchant_id: merchantId,
      key,
      request_hash: requestHash,
      created_at: isoAt(now),
      expires_at: isoAt(now + IDEMPOTENCY_KEY_TTL_MS),
    });
    if (result.claimed) {
      return {
        kind: 'claimed',
        complete: (status, body) =>
          this.store.completeIdempotencyKey(merchantId, key, { status, body }),
        release: () => this.store.releaseIdempotencyKey(merchantId, key),
      };
    }
    const existing = result.existing;
    if (existing.request_hash !== requestHash) {
      throw new RouterError(
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key ${key} was already used for a different request (${existing.created_at}); use a new key for a new request.`,
      );
    }
    if (
      existing.state !== 'done' ||
      existing.response_status === null ||
      existing.response_body === null
    ) {
      throw new RouterError(
        'IDEMPOTENCY_KEY_IN_USE',
        `A request with Idempotency-Key ${key} is still in progress; retry once it has finished.`,
      );
    }
    return { kind: 'replay', status: existing.response_status, body: existing.response_body };
  }

  /** Forgets keys older than 24 hours. */
  async sweep(): Promise<number> {
    return this.store.deleteExpiredIdempotencyKeys(isoAt(this.clock.now()));
  }
}
