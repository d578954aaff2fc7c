import { signAccrueNotification } from './accrue/signature.ts';
import type { SimCore } from './core.ts';
import type { Provider } from './provider.ts';
import type { SessionKeys } from './scenarios.ts';
import { stripeSignatureHeader } from './signatures.ts';
import type { Table } from './store.ts';

/** One callback the simulator tried to deliver, with every attempt. */
export interface Delivery {
  id: string;
  provider: Provider;
  accountId: string;
  url: string;
  eventType: string;
  keys: SessionKeys;
  forged: false | 'bad_signature' | 'wrong_secret_success';
  state: 'scheduled' | 'delivered' | 'retrying' | 'failed' | 'dropped';
  scheduledAt: string;
  nextAttemptAt: string | undefined;
  attempts: { at: string; status?: number; error?: string }[];
  contentType: string;
  body: string;
}

/** How each attempt of a callback is signed; data, not a function, so that a delivery survives a restart. */
export type Signing =
  | { scheme: 'none' }
  | { scheme: 'stripe'; secret: string }
  | { scheme: 'stripe-zero' }
  | { scheme: 'accrue'; secret: string }
  | { scheme: 'accrue-zero' };

/** The headers that sign one attempt made at `nowMs`. */
export function signHeaders(signing: Signing, body: string, nowMs: number): Record<string, string> {
  const t = Math.floor(nowMs / 1000);
  if (signing.scheme === 'stripe') {
    return { 'stripe-signature': stripeSignatureHeader(signing.secret, t, body) };
  }
  if (signing.scheme === 'stripe-zero') {
    return { 'stripe-signature': `t=${t},v1=${'0'.repeat(64)}` };
  }
  if (signing.scheme === 'accrue') {
    return { 'accrue-signature': signAccrueNotification(signing.secret, t, body) };
  }
  if (signing.scheme === 'accrue-zero') {
    return { 'accrue-signature': `t=${t},v1=${'0'.repeat(64)}` };
  }
  return {};
}

/** What a provider hands over to send one callback: the body and how to sign its attempts. */
export interface OutgoingCallback {
  provider: Provider;
  accountId: string;
  url: string | undefined;
  eventType: string;
  keys: SessionKeys;
  contentType: string;
  body: string;
  signing: Signing;
  forge(mode: 'bad_signature' | 'wrong_secret_success'): { body: string; signing: Signing };
}

/**
 * The callbacks the providers emit: the callback scenarios (forged, dropped, delayed, duplicated,
 * out of order) and chaos rates, the signed attempts with backoff, and their re-arming after a restart.
 */
export class Deliveries {
  private readonly deliveries: Table<Delivery>;
  private readonly signings: Table<Signing>;
  private readonly outOfOrder = new Map<
    string,
    { releaseAt: number; items: (() => Promise<void>)[] }
  >();

  constructor(private readonly core: SimCore) {
    this.deliveries = core.store.table('deliveries');
    this.signings = core.store.table('delivery-signing');
  }

  list(): Delivery[] {
    return [...this.deliveries.values()];
  }

  /** Schedules again what was scheduled or retrying when the stored state was loaded. */
  rearm(): void {
    for (const d of this.deliveries.values()) {
      if (d.state === 'scheduled' || d.state === 'retrying') {
        const at = Date.parse(d.nextAttemptAt ?? d.scheduledAt);
        this.core.scheduler.schedule(at, () => this.attempt(d.id));
      }
    }
  }

  /** Forgets the callbacks held back for out-of-order release (the tables are cleared by the store). */
  reset(): void {
    this.outOfOrder.clear();
  }

  /** Queues a callback, applying the callback scenarios and chaos rates. */
  emit(cb: OutgoingCallback): void {
    const now = this.core.clock.now();
    if (!cb.url) {
      this.addDelivery(this.newDelivery(cb, '(no callback URL configured)', false, 'dropped'));
      return;
    }
    const url = cb.url;
    const forged = this.core.takeScenario(['forged_callback'], cb.provider, cb.keys);
    if (forged) {
      const f = cb.forge(forged.mode);
      const d = this.newDelivery({ ...cb, body: f.body }, url, forged.mode, 'scheduled');
      this.addDelivery(d, f.signing);
      this.core.scheduler.schedule(now, () => this.attempt(d.id));
    }
    if (this.core.takeScenario(['drop_callback'], cb.provider, cb.keys)) {
      this.addDelivery(this.newDelivery(cb, url, false, 'dropped'));
      return;
    }
    if (this.core.chaos(this.core.options.chaos.callbackDropRate)) {
      this.addDelivery(this.newDelivery(cb, url, false, 'dropped'));
      return;
    }
    const delay = this.core.takeScenario(['delay_callback'], cb.provider, cb.keys);
    const at = now + (delay?.delayMs ?? 0);
    const dup = this.core.takeScenario(
      ['duplicate_callback', 'concurrent_duplicates'],
      cb.provider,
      cb.keys,
    );
    let copies = dup?.copies ?? 1;
    if (!dup && this.core.chaos(this.core.options.chaos.callbackDuplicateRate)) copies = 2;
    const deliveries = Array.from({ length: copies }, () => {
      const d = this.newDelivery(cb, url, false, 'scheduled');
      d.scheduledAt = new Date(at).toISOString();
      d.nextAttemptAt = d.scheduledAt;
      this.addDelivery(d, cb.signing);
      return d;
    });
    const send = () => {
      if (dup?.kind === 'concurrent_duplicates') {
        this.core.scheduler.schedule(at, async () => {
          await Promise.all(deliveries.map((d) => this.attempt(d.id)));
        });
      } else {
        for (const d of deliveries) this.core.scheduler.schedule(at, () => this.attempt(d.id));
      }
    };
    const ooo = this.core.takeScenario(['out_of_order'], cb.provider, cb.keys);
    if (ooo) {
      const key = cb.keys.providerRefs[0] ?? cb.keys.tokens[0] ?? 'all';
      let buf = this.outOfOrder.get(key);
      if (!buf) {
        const fresh = {
          releaseAt: Math.max(at, now + ooo.windowMs),
          items: [] as (() => Promise<void>)[],
        };
        buf = fresh;
        this.outOfOrder.set(key, fresh);
        this.core.scheduler.schedule(fresh.releaseAt, async () => {
          this.outOfOrder.delete(key);
          for (const item of fresh.items.reverse()) await item();
        });
      }
      // After a restart the held copies are sent one by one at the window's end.
      for (const d of deliveries) d.nextAttemptAt = new Date(buf.releaseAt).toISOString();
      buf.items.push(async () => {
        for (const d of deliveries) await this.attempt(d.id);
      });
      return;
    }
    send();
    this.core.kick();
  }

  private addDelivery(d: Delivery, signing?: Signing): void {
    this.deliveries.set(d.id, d);
    if (signing) this.signings.set(d.id, signing);
  }

  private newDelivery(
    cb: Pick<
      OutgoingCallback,
      'provider' | 'accountId' | 'eventType' | 'keys' | 'contentType' | 'body'
    >,
    url: string,
    forged: Delivery['forged'],
    state: Delivery['state'],
  ): Delivery {
    return {
      id: this.core.nextId('dlv_'),
      provider: cb.provider,
      accountId: cb.accountId,
      url,
      eventType: cb.eventType,
      keys: cb.keys,
      forged,
      state,
      scheduledAt: this.core.nowIso(),
      nextAttemptAt: state === 'scheduled' ? this.core.nowIso() : undefined,
      attempts: [],
      contentType: cb.contentType,
      body: cb.body,
    };
  }

  private async attempt(id: string): Promise<void> {
    const d = this.deliveries.peek(id);
    if (!d || (d.state !== 'scheduled' && d.state !== 'retrying')) return;
    const signing = this.signings.peek(id) ?? { scheme: 'none' };
    const now = this.core.clock.now();
    const at = new Date(now).toISOString();
    let status: number | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': d.contentType, ...signHeaders(signing, d.body, now) },
        body: d.body,
        signal: AbortSignal.timeout(this.core.options.callbacks.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = (err as Error).message;
    }
    // A reset (or close) while the request was in flight: this delivery is gone.
    if (this.core.store.isClosed || this.deliveries.get(id) !== d) return;
    d.attempts.push({
      at,
      ...(status !== undefined ? { status } : {}),
      ...(error ? { error } : {}),
    });
    if (status !== undefined && status >= 200 && status < 300) {
      d.state = 'delivered';
      d.nextAttemptAt = undefined;
      return;
    }
    const { maxAttempts, initialBackoffMs, maxBackoffMs } = this.core.options.callbacks;
    if (d.attempts.length >= maxAttempts) {
      d.state = 'failed';
      d.nextAttemptAt = undefined;
      return;
    }
    const backoff = Math.min(initialBackoffMs * 2 ** (d.attempts.length - 1), maxBackoffMs);
    const next = now + backoff;
    d.state = 'retrying';
    d.nextAttemptAt = new Date(next).toISOString();
    this.core.scheduler.schedule(next, () => this.attempt(id));
  }
}
